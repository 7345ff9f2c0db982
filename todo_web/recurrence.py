"""Recurring tasks: RFC 5545 RRULE values expanded by python-dateutil in the user's time zone.

``Task.recurrence`` holds one RRULE value without the ``RRULE:`` prefix and without DTSTART,
for example ``FREQ=WEEKLY;INTERVAL=2``; NULL means the task does not repeat. The series is
always anchored at the task's own due date (at its due time, or local midnight): a rule that
names no weekday, day of month or month takes them from that anchor, so moving a task's due
date moves its series along and the stored rule still reads as the form's preset.

Nothing here touches Flask or the database. How the tasks blueprint uses it:

- Form field ``repeat``: one of ``REPEAT_CHOICES`` (the form, tasks/forms.py, gives them
  their labels) and an interval; store ``rule_for_repeat(repeat, interval,
  anchor=due_date)``. A repeat needs a due date: when the form has none, use
  ``first_date(rule, today)``. To show a stored rule in the edit form call
  ``repeat_choice_for_rule(task.recurrence)``; ``None`` means a rule that is no preset
  (``FREQ=MONTHLY;BYMONTHDAY=1`` from quick add, an imported rule): show it as "custom"
  with ``describe_rule`` and keep it unchanged unless the user picks a preset.
- Any rule from outside (import, a hidden form field) goes through ``validate_rule``, which
  returns the normalized text to store or raises ``ValueError`` with a message for the user.
- Completing a recurring task: ``next_occurrence(task.recurrence, task.due_date,
  task.due_time, user.timezone, today)`` is the date the open task moves to (its due time
  stays); ``None`` means the series is over (COUNT or UNTIL reached) and the task is simply
  completed. ``today`` is the user's local date. A task missed for a week gets one next
  date after today, not seven. The next occurrence stores ``rule_for_next(...)``: the same
  rule, with a COUNT reduced by the dates used up.
- The form's preview of the dates to come: ``schedule_preview(...)``, built on
  ``next_dates(...)``, whose first item is ``next_occurrence(...)``. The calendar feed and
  reminders need instants: ``occurrence_utc(day, due_time, tz)``, or the series itself:
  ``occurrences(...)``.

Semantics worth knowing (dateutil's, kept on purpose and covered by the tests):

- Monthly from the 31st yields only the months that have a 31st (Jan 31, Mar 31, May 31, ...);
  from the 30th it skips February. ``BYMONTHDAY=-1`` means "the last day of the month".
- Yearly from February 29 yields leap years only.
- When the anchor is not itself a date of the series (``weekdays`` anchored on a Saturday,
  ``BYDAY=MO`` anchored on a Wednesday) the series starts on its next matching day;
  ``first_date`` tells the form which day that is.

Time zones: DTSTART is the due date and time as a local wall-clock datetime in the user's zone
(zoneinfo), so a 09:00 weekly task stays at 09:00 local across daylight-saving changes. The
zone affects which *dates* occur only through an UNTIL given in UTC (``UNTIL=...T...Z``), which
is compared as an instant. ``UNTIL=20261231`` (a date) includes that whole local day; a
date-time without ``Z`` is local wall-clock time. COUNT and UNTIL together are refused, as
RFC 5545 requires.

Rules are limited to what a task list can use: FREQ is DAILY, WEEKLY, MONTHLY or YEARLY
(nothing more frequent), the time of day comes from the task's due time (no BYHOUR, BYMINUTE,
BYSECOND) and the rule must produce a date. The Gregorian calendar repeats every 400 years, so
the search for a first date runs on a copy of the series moved into the last four centuries
that dateutil can represent: a rule that could never occur (February 30) is refused quickly
instead of being iterated to the year 9999, and a series whose first date would lie more than
four centuries after its anchor counts as never occurring.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from .dates import MONTH_NAMES, WEEKDAY_NAMES

REPEAT_CHOICES: tuple[str, ...] = ("none", "daily", "weekdays", "weekly", "monthly", "yearly")
INTERVAL_MAX = 365
RULE_MAX_LENGTH = 500  # the width of tasks.recurrence

_PRESET_RULES = {
    "daily": "FREQ=DAILY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
    "yearly": "FREQ=YEARLY",
}

_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WORKWEEK = ((0, 0), (0, 1), (0, 2), (0, 3), (0, 4))  # (ordinal, weekday) for MO..FR

_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_TOO_FREQUENT = ("HOURLY", "MINUTELY", "SECONDLY")
_PART_ORDER = (
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYMONTH",
    "BYWEEKNO",
    "BYYEARDAY",
    "BYMONTHDAY",
    "BYDAY",
    "BYSETPOS",
    "WKST",
)
# The largest magnitude of each numeric list; BYMONTH alone has no negative values.
_INT_LIST_LIMITS = {
    "BYMONTH": 12,
    "BYWEEKNO": 53,
    "BYYEARDAY": 366,
    "BYMONTHDAY": 31,
    "BYSETPOS": 366,
}
_INT_RE = re.compile(r"[+-]?[0-9]{1,4}")
_BYDAY_RE = re.compile(r"([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL_RE = re.compile(r"([0-9]{8})(T[0-9]{6}Z?)?")

# The Gregorian calendar repeats exactly every 400 years (146,097 days, a whole number of
# weeks), so shifting a series by a multiple of 400 years maps its dates onto each other.
_CYCLE_YEARS = 400
_PROBE_FIRST_YEAR = 9999 - 2 * _CYCLE_YEARS + 1


@dataclass(frozen=True)
class _Rule:
    """A checked rule: the parts as values, the normalized text and dateutil's parse of it."""

    text: str
    freq: str
    interval: int
    count: int | None
    until: str | None
    bymonth: tuple[int, ...]
    byweekno: tuple[int, ...]
    byyearday: tuple[int, ...]
    bymonthday: tuple[int, ...]
    byday: tuple[tuple[int, int], ...]  # (ordinal or 0, weekday 0=Monday)
    bysetpos: tuple[int, ...]
    wkst: int
    template: rrule

    @property
    def has_by_parts(self) -> bool:
        return bool(
            self.bymonth
            or self.byweekno
            or self.byyearday
            or self.bymonthday
            or self.byday
            or self.bysetpos
        )


# --------------------------------------------------------------------------- public API


def rule_for_repeat(repeat: str, interval: int = 1, *, anchor: date | None = None) -> str | None:
    """The RRULE for the form's ``repeat`` choice, or None for ``none``.

    ``interval`` (1..365) makes "every N days/weeks/months/years"; for ``weekdays`` it means
    every N weeks on Monday to Friday. The rule never embeds the anchor's day: weekly, monthly
    and yearly series take their weekday, day of month and month from the due date they are
    expanded from (monthly from the 31st skips shorter months, see the module docstring).
    ``anchor``, the due date the series will start from, is optional; when given, the rule is
    also checked to produce a date from there (``validate_rule(rule, start=anchor)``).
    """
    if repeat not in REPEAT_CHOICES:
        raise ValueError(f"Choose how the task repeats: one of {', '.join(REPEAT_CHOICES)}.")
    if isinstance(interval, bool) or not isinstance(interval, int):
        raise ValueError("The repeat interval must be a whole number.")
    if not 1 <= interval <= INTERVAL_MAX:
        raise ValueError(f"The repeat interval must be between 1 and {INTERVAL_MAX}.")
    if repeat == "none":
        return None
    freq, _, rest = _PRESET_RULES[repeat].partition(";")
    parts = [freq]
    if interval != 1:
        parts.append(f"INTERVAL={interval}")
    if rest:
        parts.append(rest)
    rule = ";".join(parts)
    if anchor is not None:
        return validate_rule(rule, start=anchor)
    return _parse(rule).text


def repeat_choice_for_rule(rule: str | None) -> tuple[str, int] | None:
    """The form's (repeat, interval) for a stored rule, or None when it is no preset.

    No rule is ``("none", 1)``. Rules with COUNT, UNTIL, a fixed day (``BYMONTHDAY=1``),
    several weekdays other than Monday to Friday, an interval above 365, or that cannot be
    read at all give None: the form shows them as "custom" and keeps them.
    """
    if rule is None or not rule.strip():
        return ("none", 1)
    try:
        parsed = _parse(rule)
    except ValueError:
        return None
    if parsed.count is not None or parsed.until is not None or parsed.wkst != 0:
        return None
    if parsed.interval > INTERVAL_MAX:
        return None
    if not parsed.has_by_parts:
        preset = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly", "YEARLY": "yearly"}
        return (preset[parsed.freq], parsed.interval)
    if (
        parsed.freq == "WEEKLY"
        and parsed.byday == _WORKWEEK
        and not (parsed.bymonth or parsed.bymonthday or parsed.bysetpos)
    ):
        return ("weekdays", parsed.interval)
    return None


def validate_rule(rule: str, *, start: date | None = None) -> str:
    """Check a rule and return its normalized text (what to store); ValueError otherwise.

    Accepts one RRULE value, case-insensitively, with or without the ``RRULE:`` prefix.
    Refuses (with a message meant for the user) what dateutil cannot read, unknown or repeated
    parts, DTSTART or any second line (RDATE, EXDATE), FREQ more frequent than DAILY, BYHOUR,
    BYMINUTE and BYSECOND, COUNT together with UNTIL, values out of RFC 5545's ranges, parts
    RFC 5545 does not allow with the FREQ, and a rule with no date on or after ``start``
    (the date the series is anchored on: the task's due date or the user's today; defaults
    to the server's date).

    Normalized means: upper case, parts in a fixed order, lists sorted without duplicates,
    ``INTERVAL=1`` and ``WKST=MO`` left out, so equal rules compare equal as text.
    """
    parsed = _parse(rule)
    start = date.today() if start is None else start
    anchor = datetime.combine(start, time(), tzinfo=UTC)
    if _probe_first(parsed, anchor) is None:
        raise ValueError("The repeat rule never produces a date.")
    if next(_expand(parsed, anchor), None) is None:
        raise ValueError(f"The repeat rule has no date on or after {start.isoformat()}.")
    return parsed.text


def describe_rule(rule: str | None, *, anchor: date | None = None) -> str:
    """Human text for a rule: "every 2 weeks", "every weekday", "every month on the 1st".

    With ``anchor`` (the due date) a rule that takes its day from the anchor says which:
    "every Monday", "every month on the 31st", "every year on December 25". COUNT and UNTIL
    add ", 5 times" or ", until 2026-12-31". Rules beyond these shapes read e.g.
    "every month (custom rule)". No rule is "does not repeat"; an unreadable rule raises
    ValueError.
    """
    if rule is None or not rule.strip():
        return "does not repeat"
    parsed = _parse(rule)
    text = _describe_pattern(parsed, anchor)
    if parsed.count is not None:
        text += ", once" if parsed.count == 1 else f", {parsed.count} times"
    if parsed.until is not None:
        until = _until_date(parsed.until)
        text += f", until {until.isoformat()}"
    return text


def first_date(rule: str, start: date, *, tz: str = "UTC") -> date | None:
    """The first date of the series anchored at ``start``: ``start`` itself when it matches.

    What the due date becomes when a repeat is chosen without a date (``start`` = today) or
    on a day the rule skips (``weekdays`` from a Saturday gives the Monday). None when the
    series has no date from there (UNTIL already past).
    """
    parsed = _parse(rule)
    anchor = datetime.combine(start, time(), tzinfo=_zone(tz))
    first = next(_expand(parsed, anchor), None)
    return None if first is None else first.date()


def next_occurrence(
    rule: str, due_date: date, due_time: time | None, tz: str, today: date
) -> date | None:
    """The date a recurring task moves to when it is completed, or None if the series ended.

    That is the first date of the series anchored at ``due_date`` (and ``due_time`` in zone
    ``tz``) that is strictly after both ``due_date`` and ``today`` (the user's local date):
    completing a task missed for a week skips the missed dates, and completing one early
    still moves it past its due date.
    """
    dates = next_dates(rule, due_date, due_time, tz, today, count=1)
    return dates[0] if dates else None


def rule_for_next(
    rule: str, due_date: date, due_time: time | None, tz: str, next_date: date
) -> str:
    """The rule the occurrence at ``next_date`` (from ``next_occurrence``) carries on with.

    Each occurrence anchors the series at its own due date, so a COUNT has to shrink by the
    dates used up before ``next_date`` (done or skipped), or a COUNT=3 series would never
    end. UNTIL is a fixed end and other rules carry over unchanged.
    """
    parsed = _parse(rule)
    if parsed.count is None:
        return rule
    used = 0
    for occurrence in occurrences(rule, due_date, due_time, tz):
        if occurrence.date() >= next_date:
            break
        used += 1
    remaining = max(1, parsed.count - used)
    return ";".join(
        f"COUNT={remaining}" if part.startswith("COUNT=") else part
        for part in parsed.text.split(";")
    )


def schedule_preview(
    rule: str | None, due_date: date | None, due_time: time | None, tz: str, today: date
) -> dict[str, object]:
    """What the task form shows under the schedule: the next three dates the task will move
    to as it is completed (from `today`, the user's local date, when there is no due date
    yet) and the rule in words; or the rule's error. Keys: ``next_dates``, ``rule_text``,
    ``rule_error``."""
    if not rule:
        return {"next_dates": [], "rule_text": ""}
    try:
        start = due_date or first_date(rule, today, tz=tz)
        dates = next_dates(rule, start, due_time, tz, today, 3) if start else []
        if start and (due_date is None or start > today):
            dates = [start, *dates][:3]
        return {"next_dates": dates, "rule_text": describe_rule(rule, anchor=start)}
    except ValueError as error:
        return {"next_dates": [], "rule_error": str(error)}


def next_dates(
    rule: str,
    due_date: date,
    due_time: time | None,
    tz: str,
    today: date,
    count: int = 3,
) -> list[date]:
    """The next ``count`` dates the task would move to, one completion after another.

    The first is ``next_occurrence(...)``; fewer (or none) when the series ends sooner.
    """
    after = max(due_date, today)
    found: list[date] = []
    if count < 1:
        return found
    for occurrence in occurrences(rule, due_date, due_time, tz):
        day = occurrence.date()
        if day > after and (not found or day > found[-1]):
            found.append(day)
            if len(found) == count:
                break
    return found


def occurrences(rule: str, due_date: date, due_time: time | None, tz: str) -> Iterator[datetime]:
    """The whole series anchored at the due date, as aware datetimes in zone ``tz``.

    Each is at ``due_time`` (or midnight) on the local wall clock whatever the UTC offset of
    its day; ``.astimezone(UTC)`` gives the instant (see ``occurrence_utc`` for days when that
    wall-clock time is skipped or repeated). Possibly endless: take what you need.
    """
    anchor = datetime.combine(due_date, _wall_clock(due_time), tzinfo=_zone(tz))
    return _expand(_parse(rule), anchor)


def occurrence_utc(day: date, due_time: time | None, tz: str) -> datetime:
    """The aware UTC instant of a task's occurrence: ``day`` at ``due_time`` (or the start of
    the day) on the wall clock of zone ``tz``.

    For the calendar feed and reminders. A wall-clock time that does not exist that day
    (skipped by a daylight-saving change, e.g. 02:30 in New York on the March change) lands
    as many minutes later as the clocks jumped (03:30); a time that happens twice (the
    autumn change) is the first of the two. This is PEP 495's ``fold=0`` reading.
    """
    local = datetime.combine(day, _wall_clock(due_time), tzinfo=_zone(tz))
    return local.astimezone(UTC)


# --------------------------------------------------------------------------- parsing


@lru_cache(maxsize=1024)
def _parse(rule: str) -> _Rule:
    if not isinstance(rule, str):
        raise ValueError("The repeat rule must be text.")
    text = rule.strip().upper()
    if not text:
        raise ValueError("The repeat rule is empty.")
    if len(text) > RULE_MAX_LENGTH:
        raise ValueError(f"The repeat rule is longer than {RULE_MAX_LENGTH} characters.")
    if "DTSTART" in text:
        raise ValueError(
            "The repeat rule must not contain DTSTART: a series starts at the task's due date."
        )
    text = text.removeprefix("RRULE:")
    if ":" in text or any(char.isspace() for char in text):
        raise ValueError(
            "The repeat rule must be one RRULE value such as FREQ=WEEKLY;INTERVAL=2 "
            "(no spaces, no second line)."
        )

    raw: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if not sep or not name or not value:
            raise ValueError(f"The repeat rule part {part!r} is not NAME=VALUE.")
        if name in raw:
            raise ValueError(f"The repeat rule gives {name} twice.")
        if name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            raise ValueError(
                f"The repeat rule must not contain {name}: the time of day is the task's due time."
            )
        if name not in _PART_ORDER:
            raise ValueError(f"The repeat rule part {name} is not supported.")
        raw[name] = value

    freq = raw.get("FREQ")
    if freq is None:
        raise ValueError("The repeat rule needs a FREQ (DAILY, WEEKLY, MONTHLY or YEARLY).")
    if freq in _TOO_FREQUENT:
        raise ValueError("Tasks cannot repeat more often than daily.")
    if freq not in _FREQS:
        raise ValueError(f"FREQ={freq} is not one of DAILY, WEEKLY, MONTHLY, YEARLY.")
    if "COUNT" in raw and "UNTIL" in raw:
        raise ValueError("A repeat rule may have COUNT or UNTIL, not both.")

    interval = _positive_int(raw.get("INTERVAL", "1"), "INTERVAL")
    count = _positive_int(raw["COUNT"], "COUNT") if "COUNT" in raw else None
    until = _check_until(raw["UNTIL"]) if "UNTIL" in raw else None
    lists = {name: _int_list(raw[name], name) if name in raw else () for name in _INT_LIST_LIMITS}
    byday = _byday_list(raw["BYDAY"]) if "BYDAY" in raw else ()
    wkst = _weekday_index(raw.get("WKST", "MO"), "WKST")

    if any(n for n, _ in byday) and freq not in ("MONTHLY", "YEARLY"):
        raise ValueError("Numbered weekdays (like 1MO) need FREQ=MONTHLY or FREQ=YEARLY.")
    if lists["BYMONTHDAY"] and freq == "WEEKLY":
        raise ValueError("BYMONTHDAY cannot be used with FREQ=WEEKLY.")
    if lists["BYYEARDAY"] and freq != "YEARLY":
        raise ValueError("BYYEARDAY needs FREQ=YEARLY.")
    if lists["BYWEEKNO"] and freq != "YEARLY":
        raise ValueError("BYWEEKNO needs FREQ=YEARLY.")
    if lists["BYSETPOS"] and not (byday or any(lists[n] for n in lists if n != "BYSETPOS")):
        raise ValueError("BYSETPOS needs another BY part to choose from.")

    values = {
        "FREQ": freq,
        "INTERVAL": str(interval) if interval != 1 else None,
        "COUNT": None if count is None else str(count),
        "UNTIL": until,
        "BYDAY": ",".join(_byday_text(item) for item in byday) or None,
        "WKST": _WEEKDAY_CODES[wkst] if wkst != 0 else None,
    }
    for name, numbers in lists.items():
        values[name] = ",".join(str(n) for n in numbers) or None
    normalized = ";".join(f"{name}={values[name]}" for name in _PART_ORDER if values[name])

    try:
        template = rrulestr(normalized)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise ValueError(f"The repeat rule cannot be read: {exc}.") from None
    assert isinstance(template, rrule)  # one RRULE value never parses to an rruleset

    return _Rule(
        text=normalized,
        freq=freq,
        interval=interval,
        count=count,
        until=until,
        bymonth=lists["BYMONTH"],
        byweekno=lists["BYWEEKNO"],
        byyearday=lists["BYYEARDAY"],
        bymonthday=lists["BYMONTHDAY"],
        byday=byday,
        bysetpos=lists["BYSETPOS"],
        wkst=wkst,
        template=template,
    )


def _positive_int(value: str, name: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 4 or int(value) < 1:
        raise ValueError(f"{name} must be a whole number from 1 to 9999.")
    return int(value)


def _int_list(value: str, name: str) -> tuple[int, ...]:
    limit = _INT_LIST_LIMITS[name]
    low = 1 if name == "BYMONTH" else -limit
    numbers = set()
    for item in value.split(","):
        if not _INT_RE.fullmatch(item) or not (low <= int(item) <= limit) or int(item) == 0:
            allowed = f"1 to {limit}" if low > 0 else f"1 to {limit} or -1 to -{limit}"
            raise ValueError(f"{name} values must be {allowed}, not {item!r}.")
        numbers.add(int(item))
    return tuple(sorted(numbers, key=lambda n: (n < 0, abs(n))))


def _byday_list(value: str) -> tuple[tuple[int, int], ...]:
    days = set()
    for item in value.split(","):
        match = _BYDAY_RE.fullmatch(item)
        ordinal = int(match.group(1)) if match and match.group(1) else 0
        if not match or (match.group(1) and not 1 <= abs(ordinal) <= 53):
            raise ValueError(f"BYDAY values must look like MO, 1MO or -1FR, not {item!r}.")
        days.add((ordinal, _WEEKDAY_CODES.index(match.group(2))))
    return tuple(sorted(days, key=lambda d: (d[0] < 0, abs(d[0]), d[1])))


def _byday_text(item: tuple[int, int]) -> str:
    ordinal, weekday = item
    return f"{ordinal if ordinal else ''}{_WEEKDAY_CODES[weekday]}"


def _weekday_index(value: str, name: str) -> int:
    if value not in _WEEKDAY_CODES:
        raise ValueError(f"{name} must be one of {', '.join(_WEEKDAY_CODES)}.")
    return _WEEKDAY_CODES.index(value)


def _check_until(value: str) -> str:
    match = _UNTIL_RE.fullmatch(value)
    try:
        if not match:
            raise ValueError
        _until_datetime(value)
    except ValueError:
        raise ValueError(
            "UNTIL must be a date like 20261231 or a date-time like 20261231T170000Z."
        ) from None
    return value


def _until_datetime(value: str) -> datetime:
    """UNTIL as a datetime: naive for a date or local time, aware UTC for a ``Z`` value."""
    if len(value) == 8:
        return datetime.strptime(value, "%Y%m%d")
    moment = datetime.strptime(value.removesuffix("Z"), "%Y%m%dT%H%M%S")
    return moment.replace(tzinfo=UTC) if value.endswith("Z") else moment


def _until_date(value: str) -> date:
    return _until_datetime(value).date()


# --------------------------------------------------------------------------- expansion


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"Unknown time zone {tz!r}.") from None


def _wall_clock(due_time: time | None) -> time:
    """The due time as a naive wall-clock time; dateutil drops microseconds, so do we."""
    return time() if due_time is None else due_time.replace(tzinfo=None, fold=0, microsecond=0)


def _until_for(parsed: _Rule, zone: tzinfo | None) -> datetime | None:
    """UNTIL in the form dateutil compares with occurrences of a series in ``zone``."""
    if parsed.until is None:
        return None
    until = _until_datetime(parsed.until)
    if len(parsed.until) == 8:  # a date: the whole local day
        until = datetime.combine(until.date(), time(23, 59, 59))
    if until.tzinfo is None:
        return until.replace(tzinfo=zone)
    return until


def _series(parsed: _Rule, anchor: datetime) -> rrule:
    return parsed.template.replace(
        dtstart=anchor,
        until=_until_for(parsed, anchor.tzinfo),
        count=parsed.count,
        wkst=parsed.wkst,
    )


def _probe_first(parsed: _Rule, anchor: datetime) -> datetime | None:
    """The first wall-clock date-time of the series from ``anchor``, ignoring COUNT and UNTIL.

    Runs on the series moved by whole 400-year cycles into the years 9200-9599, so dateutil,
    which only stops a rule that never matches at the year 9999, gives up after at most
    eight centuries instead of eight millennia. None: no date within four centuries.
    """
    naive = anchor.replace(tzinfo=None)
    shift = _PROBE_FIRST_YEAR + (naive.year - _PROBE_FIRST_YEAR) % _CYCLE_YEARS - naive.year
    probe = parsed.template.replace(
        dtstart=naive + relativedelta(years=shift), until=None, count=None, wkst=parsed.wkst
    )
    try:
        first = next(iter(probe), None)
    except OverflowError:
        return None
    return None if first is None else first - relativedelta(years=shift)


def _expand(parsed: _Rule, anchor: datetime) -> Iterator[datetime]:
    """The series anchored at ``anchor`` (aware, local wall clock), empty if it never occurs."""
    if _probe_first(parsed, anchor) is None:
        return
    try:
        yield from _series(parsed, anchor)
    except OverflowError:  # the series ran into the year 9999
        return


# --------------------------------------------------------------------------- description


def _describe_pattern(parsed: _Rule, anchor: date | None) -> str:
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}[parsed.freq]
    n = parsed.interval
    every = f"every {unit}" if n == 1 else f"every {n} {unit}s"
    plain_days = tuple(day for ordinal, day in parsed.byday if not ordinal)
    numbered = tuple(item for item in parsed.byday if item[0])
    others = parsed.byweekno or parsed.byyearday or parsed.bysetpos

    if not parsed.has_by_parts:
        if anchor is None or parsed.freq == "DAILY":
            return every
        if parsed.freq == "WEEKLY":
            day = WEEKDAY_NAMES[anchor.weekday()]
            return f"every {day}" if n == 1 else f"{every} on {day}"
        if parsed.freq == "MONTHLY":
            return f"{every} on the {_ordinal(anchor.day)}"
        return f"{every} on {MONTH_NAMES[anchor.month - 1]} {anchor.day}"

    if others or parsed.wkst != 0:
        return f"{every} (custom rule)"
    if (
        parsed.freq in ("DAILY", "WEEKLY")
        and plain_days
        and not (parsed.bymonth or parsed.bymonthday)
        and (parsed.freq == "WEEKLY" or n == 1)
    ):
        if parsed.byday == _WORKWEEK:
            return "every weekday" if n == 1 else f"{every} on weekdays"
        names = _join([WEEKDAY_NAMES[day] for day in plain_days])
        return f"every {names}" if n == 1 else f"{every} on {names}"
    if parsed.freq == "MONTHLY" and not parsed.bymonth:
        if parsed.bymonthday and not parsed.byday:
            return f"{every} on the {_join([_day_of_month(d) for d in parsed.bymonthday])}"
        if numbered and not plain_days and not parsed.bymonthday:
            return f"{every} on the {_join([_numbered_weekday(item) for item in numbered])}"
    if parsed.freq == "YEARLY" and len(parsed.bymonth) == 1:
        month = MONTH_NAMES[parsed.bymonth[0] - 1]
        if len(parsed.bymonthday) == 1 and parsed.bymonthday[0] > 0 and not parsed.byday:
            return f"{every} on {month} {parsed.bymonthday[0]}"
        if numbered and not plain_days and not parsed.bymonthday:
            days = _join([_numbered_weekday(item) for item in numbered])
            return f"{every} on the {days} of {month}"
    return f"{every} (custom rule)"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _day_of_month(n: int) -> str:
    if n == -1:
        return "last day"
    if n < 0:
        return f"{_ordinal(-n)}-to-last day"
    return _ordinal(n)


_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


def _numbered_weekday(item: tuple[int, int]) -> str:
    ordinal, weekday = item
    if ordinal in _ORDINAL_WORDS:
        word = _ORDINAL_WORDS[ordinal]
    elif ordinal < 0:
        word = f"{_ordinal(-ordinal)}-to-last"
    else:
        word = _ordinal(ordinal)
    return f"{word} {WEEKDAY_NAMES[weekday]}"


def _join(words: list[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
