"""Quick add's vocabulary: the patterns it recognises and what each one means.

``longest_match(masked, position, today)`` tries every pattern at one position of the text
and returns the longest piece it understands. What the pieces mean, and the choices made
where a word is ambiguous, are described in ``todo_web.quickadd``; the parser there decides
which pieces count and builds the title from what is left. Pure: no Flask, no database.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from . import recurrence
from .dates import MONTH_NAMES, WEEKDAY_NAMES
from .models import TAG_NAME_MAX, TODOIST_PRIORITIES

#: The time "tonight" stands for when the text names none.
EVENING = time(20, 0)


@dataclass(frozen=True)
class Evening:
    """What "tonight" means: a date, and a time to use when the text names none."""

    day: date
    at: time = EVENING


Handler = Callable[[re.Match[str], date], object]

# Every name of a day or month, in full and in three letters, and a few other common short
# forms.
_WEEKDAYS = {
    name: code
    for code, full in zip((MO, TU, WE, TH, FR, SA, SU), WEEKDAY_NAMES, strict=True)
    for name in (full.lower(), full[:3].lower())
} | {"tues": TU, "thur": TH, "thurs": TH}
_MONTHS = {
    name: number
    for number, full in enumerate(MONTH_NAMES, start=1)
    for name in (full.lower(), full[:3].lower())
} | {"sept": 9}
_PRIORITIES = {"high": "high", "1": "high", "medium": "medium", "2": "medium"}
_PRIORITIES |= {"low": "low", "3": "low"}
_RELATIVE_DAYS = {"today": 0, "tomorrow": 1, "tmrw": 1, "yesterday": -1}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_ORDINALS |= {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}


def _words(names: dict[str, object]) -> str:
    """An alternation of the names, longest first so that "monday" wins over "mon"."""
    return "|".join(sorted(names, key=len, reverse=True))


_WD = f"(?P<wd>{_words(_WEEKDAYS)})"
_ANY_WD = f"(?:{_words(_WEEKDAYS)})"
# "monday, friday", "mon and thu", "monday, wednesday and friday", "mon & fri".
_WD_LIST = rf"(?P<days>{_ANY_WD}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*){_ANY_WD})*)"
_MON = f"(?P<mon>{_words(_MONTHS)})"
_NTH = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)"
_EVERY_N = r"every\s+(?:(?P<other>other)\s+|(?P<n>[0-9]{1,3})\s+)?"
# A piece ends at whitespace or the end, possibly after punctuation that stays in the title.
_END = r"(?=[,.;:!?)]*(?:\s|\Z))"


# --------------------------------------------------------------------------- dates


def _relative_day(m: re.Match[str], today: date) -> date:
    return today + relativedelta(days=_RELATIVE_DAYS[m["word"].lower()])


def _tonight(m: re.Match[str], today: date) -> Evening:
    return Evening(today)


def _next_week(m: re.Match[str], today: date) -> date:
    """Monday of next week, as "next monday"."""
    return today + relativedelta(days=1, weekday=MO)


def _this_weekend(m: re.Match[str], today: date) -> date:
    """The coming Saturday; on a Saturday or Sunday, today."""
    return today if today.weekday() >= 5 else today + relativedelta(weekday=SA)


def _end_of_month(m: re.Match[str], today: date) -> date:
    return today + relativedelta(day=31)  # relativedelta stops at the month's last day


def _weekday(m: re.Match[str], today: date) -> date:
    weekday = _WEEKDAYS[m["wd"].lower()]
    if m["next"]:
        return _next_week(m, today) + relativedelta(weekday=weekday)
    return today + relativedelta(days=1, weekday=weekday)


def _in_n(m: re.Match[str], today: date) -> date | None:
    n = 1 if m["n"].lower() in ("a", "an", "one") else int(m["n"])
    if n < 1:
        return None
    unit = m["unit"].lower().rstrip("s") + "s"
    return today + relativedelta(**{unit: n})


def _iso(m: re.Match[str], today: date) -> date | None:
    try:
        return date(int(m["y"]), int(m["mo"]), int(m["d"]))
    except ValueError:
        return None


def _day_of_month(m: re.Match[str], today: date) -> date | None:
    day = int(m["day"])
    if not 1 <= day <= 31:
        return None
    return recurrence.first_date(f"FREQ=MONTHLY;BYMONTHDAY={day}", today)


def _calendar_day(month: int, day: int, year: str | None, today: date) -> date | None:
    """That day of that year, or without a year the next one on or after today."""
    if year:
        try:
            return date(int(year), month, day)
        except ValueError:
            return None
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]):
        return None  # checked here (2000 had a February 29): a series that never occurs is slow
    return recurrence.first_date(f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}", today)


def _month_day(m: re.Match[str], today: date) -> date | None:
    return _calendar_day(_MONTHS[m["mon"].lower()], int(m["day"]), m["y"], today)


def _dotted(m: re.Match[str], today: date) -> date | None:
    """ "24.12." (day.month.) or "24.12.2027"."""
    return _calendar_day(int(m["mo"]), int(m["day"]), m["y"], today)


# --------------------------------------------------------------------------- times


def _clock_12(m: re.Match[str], today: date) -> time | None:
    hour, minute = int(m["h"]), int(m["m"] or 0)
    if not (1 <= hour <= 12 and minute <= 59):
        return None
    return time(hour % 12 + (12 if m["ap"].lower() == "pm" else 0), minute)


def _clock_24(m: re.Match[str], today: date) -> time | None:
    hour, minute = int(m["h"]), int(m.groupdict().get("m") or 0)
    return time(hour, minute) if hour <= 23 and minute <= 59 else None


# --------------------------------------------------------------------------- repeats


def _repeat_unit(m: re.Match[str], today: date) -> str | None:
    unit = m["unit"].lower().rstrip("s")
    repeat = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}[unit]
    return _rule(repeat, m)


def _repeat_workday(m: re.Match[str], today: date) -> str | None:
    return _rule("weekdays", m)


def _code(name: str) -> str:
    """ "fri" → "FR"."""
    return str(_WEEKDAYS[name.lower()])[:2]


def _repeat_weekdays(m: re.Match[str], today: date) -> str | None:
    """ "every monday", "every other tue", "every monday, friday": weekly on those days."""
    names = [word for word in re.findall(r"[a-z]+", m["days"].lower()) if word != "and"]
    interval = ";INTERVAL=2" if m["other"] else ""
    days = ",".join(_code(name) for name in names)
    return recurrence.validate_rule(f"FREQ=WEEKLY{interval};BYDAY={days}", start=today)


def _repeat_nth_weekday(m: re.Match[str], today: date) -> str | None:
    """ "every 3rd friday", "every last monday": monthly on that weekday of the month."""
    ordinal = _ORDINALS[m["ord"].lower()]
    rule = f"FREQ=MONTHLY;BYDAY={ordinal}{_code(m['wd'])}"
    return recurrence.validate_rule(rule, start=today)


def _repeat_month_day(m: re.Match[str], today: date) -> str | None:
    monthly = _rule("monthly", m)
    day = int(m["day"])
    if monthly is None or not 1 <= day <= 31:
        return None
    return recurrence.validate_rule(f"{monthly};BYMONTHDAY={day}", start=today)


def _rule(repeat: str, m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    interval = 2 if groups.get("other") else int(groups.get("n") or 1)
    try:
        return recurrence.rule_for_repeat(repeat, interval)
    except ValueError:
        return None


# --------------------------------------------------------------------------- priorities


def _todoist_priority(m: re.Match[str], today: date) -> str:
    """ "p1" to "p4" through the Todoist importer's table, so both read them alike."""
    return TODOIST_PRIORITIES[m["p"]].label


# --------------------------------------------------------------------------- reminders

#: How long before the due moment, as typed after "remind (me)", in minutes: only the
#: choices a task's reminder offers (todo_web.models.REMIND_MINUTES).
_REMIND_AMOUNTS = {
    r"(?:10|ten)\s*(?:m|mins?|minutes?)\s+before": 10,
    r"(?:30|thirty)\s*(?:m|mins?|minutes?)\s+before|half\s+an\s+hour\s+before": 30,
    r"(?:1|one|an?)\s*(?:h|hr|hours?)\s+before|60\s*(?:m|mins?|minutes?)\s+before": 60,
    r"(?:1|one|a)\s*(?:d|days?)\s+before|the\s+day\s+before": 1440,
    r"(?:at\s+(?:the\s+)?due\s+time|when\s+(?:it\s+is\s+)?due|on\s+time)": 0,
}
_REMIND = "|".join(f"(?P<r{minutes}>{pattern})" for pattern, minutes in _REMIND_AMOUNTS.items())


def _remind(m: re.Match[str], today: date) -> int | None:
    return next((int(name[1:]) for name, value in m.groupdict().items() if value), None)


_PATTERNS: list[tuple[str, re.Pattern[str], Handler]] = [
    (kind, re.compile(pattern + _END, re.IGNORECASE), handler)
    for kind, pattern, handler in (
        ("date", rf"(?P<word>{_words(_RELATIVE_DAYS)})", _relative_day),
        ("date", r"tonight", _tonight),
        ("date", r"next\s+week", _next_week),
        ("date", r"this\s+weekend", _this_weekend),
        ("date", r"end\s+of\s+(?:the\s+)?month", _end_of_month),
        ("date", rf"(?:on\s+)?(?P<next>next\s+)?{_WD}", _weekday),
        ("date", r"in\s+(?P<n>[0-9]{1,3}|an?|one)\s+(?P<unit>(?:day|week|month|year)s?)", _in_n),
        ("date", r"(?:on\s+)?(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})", _iso),
        ("date", r"(?:on\s+)?(?P<day>[0-9]{1,2})\.(?P<mo>[0-9]{1,2})\.(?P<y>[0-9]{4})?", _dotted),
        ("date", rf"on\s+the\s+{_NTH}", _day_of_month),
        (
            "date",
            rf"(?:on\s+)?{_MON}\.?\s+(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>[0-9]{{4}}))?",
            _month_day,
        ),
        (
            "date",
            rf"(?:on\s+)?(?:the\s+)?(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}"
            r"(?:,?\s+(?P<y>[0-9]{4}))?",
            _month_day,
        ),
        ("time", r"(?:at\s+)?(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?\s?(?P<ap>am|pm)", _clock_12),
        ("time", r"(?:at\s+)?(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})", _clock_24),
        ("time", r"at\s+(?P<h>[0-9]{1,2})", _clock_24),
        ("time", r"(?:at\s+)?(?:12\s+)?noon", lambda m, today: time(12, 0)),
        ("repeat", rf"{_EVERY_N}(?P<unit>(?:day|week|month|year)s?)", _repeat_unit),
        ("repeat", r"every\s+(?:weekday|workday)", _repeat_workday),
        ("repeat", rf"every\s+(?P<other>other\s+)?{_WD_LIST}", _repeat_weekdays),
        (
            "repeat",
            rf"every\s+(?P<ord>{_words(_ORDINALS)})\s+{_WD}(?:\s+of\s+(?:the|each|every)\s+month)?",
            _repeat_nth_weekday,
        ),
        ("repeat", rf"{_EVERY_N}months?\s+on\s+the\s+{_NTH}", _repeat_month_day),
        ("tag", rf"#(?P<tag>[\w-]{{1,{TAG_NAME_MAX}}})", lambda m, today: m["tag"]),
        (
            "priority",
            rf"!(?P<p>{_words(_PRIORITIES)})",
            lambda m, today: _PRIORITIES[m["p"].lower()],
        ),
        ("priority", r"p(?P<p>[1-4])", _todoist_priority),
        ("remind", rf"remind\s+(?:me\s+)?(?:{_REMIND})", _remind),
    )
]


def longest_match(masked: str, position: int, today: date) -> tuple[str, int, object] | None:
    """The longest recognised piece starting at ``position``: (kind, end, value).

    The value is a ``date`` (or an ``Evening``) for a date, a ``time``, a normalized RRULE
    for a repeat, the name for a tag, "low", "medium" or "high" for a priority and the
    minutes before the due moment for a reminder.
    """
    best: tuple[str, int, object] | None = None
    for kind, pattern, handler in _PATTERNS:
        match = pattern.match(masked, position)
        if match is None or (best is not None and match.end() <= best[1]):
            continue
        try:
            value = handler(match, today)
        except (ValueError, OverflowError):  # a date past the year 9999, a rule that fails
            value = None
        if value is not None:
            best = (kind, match.end(), value)
    return best
