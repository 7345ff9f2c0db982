"""Ids typed into forms and URLs: one rule for every field that names a row."""

from __future__ import annotations

#: More digits than any id will have; longer input is refused before int() sees it.
ID_DIGITS_MAX = 12


def id_from_text(raw: object) -> int | None:
    """The id in a form field or query argument: None when blank; ValueError for anything
    but ASCII digits (no sign, no spaces inside, at most ID_DIGITS_MAX of them)."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= ID_DIGITS_MAX):
        raise ValueError(f"not an id: {text[:20]!r}")
    return int(text)


def is_id(raw: object, *, blank_ok: bool) -> bool:
    """Whether `raw` holds an id (or is blank, when `blank_ok`)."""
    try:
        return id_from_text(raw) is not None or blank_ok
    except ValueError:
        return False
