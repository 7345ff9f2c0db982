"""The bounded JSON reader: what it refuses, and that it refuses it cheaply."""

from __future__ import annotations

import time

import pytest

from todo_web.data.safe_json import JSONRefused, load_bounded, nesting_depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "]]", "{"]', 1),  # brackets inside strings do not count
        (r'["\"[[[", "\\", [["x"]]]', 3),  # nor after an escaped quote
    ],
)
def test_nesting_depth(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than 16 levels"),
        ('{"a": ' * 17 + "1" + "}" * 17, "nested more than 16 levels"),
        ('{"title": "a", "title": "b"}', "names the key “title” twice"),
        ("[" + "9" * 5000 + "]", "5000 digits long"),
        ("[1" + "0" * 30 + ".5]", "characters long"),
        ("[1e400]", "too large"),
        ("[NaN]", "NaN"),
        ("[-Infinity]", "-Infinity"),
        ('{"a": 1', "not valid JSON"),
        ('{"a": 1} trailing', "not valid JSON: Extra data"),
    ],
)
def test_refused(text: str, message: str) -> None:
    with pytest.raises(JSONRefused, match=message):
        load_bounded(text)


def test_a_deep_bomb_is_refused_without_parsing_it() -> None:
    bomb = "[" * 5_000_000
    started = time.perf_counter()
    with pytest.raises(JSONRefused, match="nested"):
        load_bounded(bomb)
    assert time.perf_counter() - started < 1


def test_ordinary_json_reads() -> None:
    assert load_bounded('{"a": [1, 2.5, "x", null, true], "b": {"c": "[{"}}') == {
        "a": [1, 2.5, "x", None, True],
        "b": {"c": "[{"},
    }
