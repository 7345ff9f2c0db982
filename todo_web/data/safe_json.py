"""A JSON reader for uploaded files that refuses what would cost far more than its size.

``json.loads`` on its own accepts a file nested ten thousand levels deep (and fails with a
RecursionError somewhere inside), numbers with thousands of digits, ``NaN`` and
``Infinity``, and an object that names the same key twice (the last one silently wins).
``load_bounded`` refuses each of those with a ``JSONRefused`` whose message is meant for
the user. Nesting is measured before parsing, on the text with its strings blanked out, so
nothing deep is ever handed to the parser.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 16
MAX_NUMBER_LENGTH = 20  # characters: any id or count we write fits in 18 digits

# What the nesting scan looks at: an escape pair (so \" is no quote), a quote, a bracket.
_SCAN = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


class JSONRefused(ValueError):
    """The text is not JSON we are willing to read; the message says why."""


def load_bounded(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``text`` as JSON within the limits above, or raise ``JSONRefused``."""
    if nesting_depth(text, stop_above=max_depth) > max_depth:
        raise JSONRefused(
            f"The JSON is nested more than {max_depth} levels deep; an export never is. "
            "This is not a file this app wrote."
        )
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            parse_constant=_no_constant,
        )
    except JSONRefused:
        raise
    except json.JSONDecodeError as exc:
        raise JSONRefused(
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise JSONRefused("The file is not valid JSON.") from exc


def nesting_depth(text: str, *, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays and objects in ``text`` (0 for a bare value).

    One linear pass; brackets inside strings do not count. With ``stop_above`` the scan ends
    as soon as the depth exceeds it, so a file of a million ``[`` costs little. Unbalanced
    brackets are left for the parser to report: this only has to be right for text that
    parses, and the parser stops at the first character that does not.
    """
    depth = deepest = 0
    in_string = False
    for match in _SCAN.finditer(text):
        token = match.group()
        if token == '"':
            in_string = not in_string
        elif in_string or token[0] == "\\":
            continue
        elif token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JSONRefused(f"The JSON names the key “{key[:50]}” twice in one object.")
        result[key] = value
    return result


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise JSONRefused(f"The JSON holds a number {len(text)} digits long; that is no id.")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_LENGTH:
        raise JSONRefused(f"The JSON holds a number {len(text)} characters long.")
    value = float(text)
    if not math.isfinite(value):
        raise JSONRefused("The JSON holds a number too large to represent.")
    return value


def _no_constant(name: str) -> Any:
    raise JSONRefused(f"The JSON holds {name}, which is not a JSON number.")
