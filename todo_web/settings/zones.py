"""The IANA time zone names a user may choose, and what a typed name means.

The settings page offers the names in a searchable text field (a `<datalist>`, which
static/settings.js turns into a filtered list); without JavaScript a person types the name
themselves, so a few obvious spellings are accepted as the zone they mean: any letter case,
spaces for underscores ("america/new york"), and a city alone when exactly one zone ends
with it ("berlin"). Anything else is left as typed, for the form to refuse.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Names known to this machine (the tzdata package or /usr/share/zoneinfo)."""
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def sorted_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zone_names()))


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


@lru_cache(maxsize=1)
def _by_key() -> tuple[dict[str, str], dict[str, str]]:
    """Two lookups to the zone, by its whole name and by its last part ("berlin"), both as
    _key spells them. A last part that several zones share (America/Indianapolis and
    America/Indiana/Indianapolis) is left out: it names no zone for sure."""
    whole = {_key(name): name for name in zone_names()}
    last: dict[str, str] = {}
    shared: set[str] = set()
    for name in zone_names():
        if "/" not in name:
            continue
        part = _key(name.rsplit("/", 1)[1])
        if part in last:
            shared.add(part)
        last[part] = name
    for part in shared:
        del last[part]
    return whole, last


def canonical_zone(text: str | None) -> str | None:
    """The zone `text` names, spelt as the zone database does; `text` itself when none."""
    if not text or text in zone_names():
        return text
    whole, last = _by_key()
    key = _key(text)
    if key in whole:
        return whole[key]
    if "/" not in text and key in last and key not in whole:
        return last[key]
    return text
