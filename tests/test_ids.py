"""The one rule for ids typed into forms and URLs (todo_web.ids)."""

from __future__ import annotations

import pytest

from todo_web.ids import ID_DIGITS_MAX, id_from_text, is_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("", None),
        (None, None),
        ("  ", None),
        ("9" * ID_DIGITS_MAX, int("9" * ID_DIGITS_MAX)),
    ],
)
def test_digits_are_an_id_and_blank_is_none(raw: object, expected: int | None) -> None:
    assert id_from_text(raw) == expected


@pytest.mark.parametrize(
    "raw", ["-1", "+1", "1.0", "1e3", "0x1", "1 2", "١٢", "²", "9" * (ID_DIGITS_MAX + 1), "12\x00"]
)
def test_anything_else_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        id_from_text(raw)
    assert not is_id(raw, blank_ok=True)


def test_blank_is_an_id_only_where_blank_is_allowed() -> None:
    assert is_id("", blank_ok=True) and not is_id("", blank_ok=False)
    assert is_id("3", blank_ok=False)
