"""The user's clock: "today", "now" and overdue are judged in the user's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The zone for an IANA name, UTC for an unknown or empty one (never an exception)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_now(tz_name: str | None, now: datetime | None = None) -> datetime:
    """Wall-clock time in the zone; `now` (aware) lets tests and workers pin the instant."""
    return (now or datetime.now(UTC)).astimezone(zone(tz_name))


def local_today(tz_name: str | None, now: datetime | None = None) -> date:
    return local_now(tz_name, now).date()
