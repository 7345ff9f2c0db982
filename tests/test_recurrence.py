"""Recurrence rules: building, reading, validating and expanding them across time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrule, rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from todo_web.models import Task
from todo_web.recurrence import (
    INTERVAL_MAX,
    REPEAT_CHOICES,
    RULE_MAX_LENGTH,
    describe_rule,
    first_date,
    next_dates,
    next_occurrence,
    occurrence_utc,
    occurrences,
    repeat_choice_for_rule,
    rule_for_repeat,
    validate_rule,
)
from todo_web.tasks.forms import REPEAT_CHOICES as FORM_REPEAT_CHOICES

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 1, 5) + timedelta(days=n) for n in range(7))
WORKWEEK = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


# --------------------------------------------------------------------------- presets


@pytest.mark.parametrize(
    ("repeat", "interval", "rule"),
    [
        ("none", 1, None),
        ("none", 7, None),
        ("daily", 1, "FREQ=DAILY"),
        ("daily", 3, "FREQ=DAILY;INTERVAL=3"),
        ("weekdays", 1, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("weekdays", 2, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR"),
        ("weekly", 1, "FREQ=WEEKLY"),
        ("weekly", 2, "FREQ=WEEKLY;INTERVAL=2"),
        ("monthly", 1, "FREQ=MONTHLY"),
        ("monthly", 6, "FREQ=MONTHLY;INTERVAL=6"),
        ("yearly", 1, "FREQ=YEARLY"),
        ("yearly", INTERVAL_MAX, "FREQ=YEARLY;INTERVAL=365"),
    ],
)
def test_rule_for_repeat(repeat: str, interval: int, rule: str | None) -> None:
    assert rule_for_repeat(repeat, interval) == rule
    assert rule_for_repeat(repeat, interval, anchor=date(2026, 1, 31)) == rule
    if rule is not None:
        assert validate_rule(rule, start=date(2026, 1, 31)) == rule


@pytest.mark.parametrize(
    ("repeat", "interval", "message"),
    [
        ("fortnightly", 1, "one of none, daily, weekdays"),
        ("Daily", 1, "one of none"),
        ("", 1, "one of none"),
        ("daily", 0, "between 1 and 365"),
        ("daily", 366, "between 1 and 365"),
        ("weekly", -2, "between 1 and 365"),
        ("weekly", True, "whole number"),
        ("weekly", "2", "whole number"),
        ("weekly", 1.5, "whole number"),
    ],
)
def test_rule_for_repeat_refuses(repeat: str, interval: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rule_for_repeat(repeat, interval)  # type: ignore[arg-type]


def test_every_choice_has_a_label() -> None:
    assert {choice.value for choice in FORM_REPEAT_CHOICES} == set(REPEAT_CHOICES)
    assert REPEAT_CHOICES[0] == "none"


def test_rule_fits_the_column() -> None:
    assert Task.__table__.c.recurrence.type.length == RULE_MAX_LENGTH


@pytest.mark.parametrize("repeat", [choice for choice in REPEAT_CHOICES if choice != "none"])
@pytest.mark.parametrize("interval", [1, 2, 13, INTERVAL_MAX])
def test_every_preset_reads_back_as_itself(repeat: str, interval: int) -> None:
    rule = rule_for_repeat(repeat, interval)
    assert rule is not None
    assert repeat_choice_for_rule(rule) == (repeat, interval)
    assert repeat_choice_for_rule(rule.lower()) == (repeat, interval)


@pytest.mark.parametrize(
    ("rule", "choice"),
    [
        (None, ("none", 1)),
        ("", ("none", 1)),
        ("RRULE:FREQ=WEEKLY;INTERVAL=1", ("weekly", 1)),
        ("FREQ=WEEKLY;BYDAY=FR,TH,WE,TU,MO", ("weekdays", 1)),
        ("FREQ=MONTHLY;BYMONTHDAY=1", None),  # quick add's "every month on the 1st"
        ("FREQ=WEEKLY;BYDAY=MO", None),
        ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", None),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA", None),
        ("FREQ=DAILY;COUNT=5", None),
        ("FREQ=DAILY;UNTIL=20301231", None),
        ("FREQ=DAILY;INTERVAL=366", None),
        ("FREQ=WEEKLY;WKST=SU", None),
        ("FREQ=HOURLY", None),
        ("nonsense", None),
    ],
)
def test_repeat_choice_for_rule(rule: str | None, choice: tuple[str, int] | None) -> None:
    assert repeat_choice_for_rule(rule) == choice


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("rule", "normalized"),
    [
        ("FREQ=DAILY", "FREQ=DAILY"),
        ("freq=weekly;interval=2", "FREQ=WEEKLY;INTERVAL=2"),
        ("  RRULE:FREQ=WEEKLY;INTERVAL=1  ", "FREQ=WEEKLY"),
        ("INTERVAL=2;FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2"),
        ("FREQ=WEEKLY;BYDAY=FR,MO,WE,MO", "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ("FREQ=WEEKLY;WKST=MO;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("FREQ=WEEKLY;WKST=SU;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO;WKST=SU"),
        ("FREQ=MONTHLY;BYMONTHDAY=15,-1,1", "FREQ=MONTHLY;BYMONTHDAY=1,15,-1"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=MONTHLY;BYDAY=+2TU", "FREQ=MONTHLY;BYDAY=2TU"),
        (
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        ),
        ("FREQ=YEARLY;BYDAY=4TH;BYMONTH=11", "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"),
        ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO"),
        ("FREQ=YEARLY;BYYEARDAY=100", "FREQ=YEARLY;BYYEARDAY=100"),
        ("FREQ=DAILY;COUNT=10", "FREQ=DAILY;COUNT=10"),
        ("FREQ=DAILY;UNTIL=20261231", "FREQ=DAILY;UNTIL=20261231"),
        ("FREQ=DAILY;UNTIL=20261231T170000Z", "FREQ=DAILY;UNTIL=20261231T170000Z"),
        ("FREQ=DAILY;UNTIL=20261231t170000", "FREQ=DAILY;UNTIL=20261231T170000"),
        ("FREQ=DAILY;BYMONTH=12,1", "FREQ=DAILY;BYMONTH=1,12"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
    ],
)
def test_validate_rule_normalizes(rule: str, normalized: str) -> None:
    assert validate_rule(rule, start=date(2026, 1, 1)) == normalized
    assert validate_rule(normalized, start=date(2026, 1, 1)) == normalized
    rrulestr(normalized)  # dateutil reads the normalized text as it is


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("F" * (RULE_MAX_LENGTH + 1), "longer than 500"),
        ("hello", "not NAME=VALUE"),
        ("FREQ=DAILY;", "not NAME=VALUE"),
        ("FREQ=;INTERVAL=2", "not NAME=VALUE"),
        ("INTERVAL=2", "needs a FREQ"),
        ("FREQ=FORTNIGHTLY", "not one of DAILY"),
        ("FREQ=HOURLY", "more often than daily"),
        ("FREQ=MINUTELY", "more often than daily"),
        ("FREQ=SECONDLY;INTERVAL=30", "more often than daily"),
        ("FREQ=DAILY;BYHOUR=9", "due time"),
        ("FREQ=DAILY;BYMINUTE=30", "due time"),
        ("FREQ=DAILY;BYSECOND=1", "due time"),
        ("FREQ=DAILY;BYEASTER=0", "BYEASTER is not supported"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ twice"),
        ("DTSTART:20260101T090000\nRRULE:FREQ=DAILY", "DTSTART"),
        ("FREQ=DAILY;DTSTART=20260101", "DTSTART"),
        ("RRULE:FREQ=DAILY\nEXDATE:20260102T000000", "one RRULE value"),
        ("FREQ=DAILY; INTERVAL=2", "one RRULE value"),
        ("EXRULE:FREQ=DAILY", "one RRULE value"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number"),
        ("FREQ=DAILY;INTERVAL=-1", "INTERVAL must be a whole number"),
        ("FREQ=DAILY;INTERVAL=two", "INTERVAL must be a whole number"),
        ("FREQ=DAILY;INTERVAL=٣", "INTERVAL must be a whole number"),
        ("FREQ=DAILY;COUNT=0", "COUNT must be a whole number"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20301231", "COUNT or UNTIL, not both"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL must be a date"),
        ("FREQ=DAILY;UNTIL=2026-12-31", "UNTIL must be a date"),
        ("FREQ=DAILY;UNTIL=20261332", "UNTIL must be a date"),
        ("FREQ=DAILY;UNTIL=20200101", "no date on or after 2026-01-01"),
        ("FREQ=YEARLY;COUNT=1;UNTIL=20251231", "not both"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY values must be 1 to 31"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY values must be"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,,2", "BYMONTHDAY values must be"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH values must be 1 to 12"),
        ("FREQ=YEARLY;BYMONTH=-1", "BYMONTH values must be 1 to 12"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY values must look like"),
        ("FREQ=MONTHLY;BYDAY=0MO", "BYDAY values must look like"),
        ("FREQ=MONTHLY;BYDAY=54MO", "BYDAY values must look like"),
        ("FREQ=WEEKLY;BYDAY=1MO", "need FREQ=MONTHLY or FREQ=YEARLY"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY cannot be used with FREQ=WEEKLY"),
        ("FREQ=MONTHLY;BYYEARDAY=1", "BYYEARDAY needs FREQ=YEARLY"),
        ("FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO needs FREQ=YEARLY"),
        ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS needs another BY part"),
        ("FREQ=WEEKLY;WKST=XX", "WKST must be one of"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never produces a date"),
        ("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31", "never produces a date"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "never produces a date"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=1MO", "never produces a date"),
    ],
)
def test_validate_rule_refuses(rule: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_rule(rule, start=date(2026, 1, 1))


def test_validate_rule_counts_from_its_start() -> None:
    rule = "FREQ=WEEKLY;UNTIL=20260131"
    assert validate_rule(rule, start=date(2026, 1, 31)) == rule
    with pytest.raises(ValueError, match="no date on or after 2026-02-01"):
        validate_rule(rule, start=date(2026, 2, 1))


def test_a_rare_rule_is_possible() -> None:
    """February 29 on a Monday happens every few decades: valid, and found without a hang."""
    rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"
    assert validate_rule(rule, start=date(2026, 1, 1)) == rule
    assert first_date(rule, date(2026, 1, 1)) == date(2044, 2, 29)


def test_validate_rule_refuses_other_types() -> None:
    with pytest.raises(ValueError, match="must be text"):
        validate_rule(7)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- description


@pytest.mark.parametrize(
    ("rule", "anchor", "text"),
    [
        (None, None, "does not repeat"),
        ("FREQ=DAILY", None, "every day"),
        ("FREQ=DAILY;INTERVAL=3", MON, "every 3 days"),
        ("FREQ=WEEKLY", None, "every week"),
        ("FREQ=WEEKLY", MON, "every Monday"),
        ("FREQ=WEEKLY;INTERVAL=2", None, "every 2 weeks"),
        ("FREQ=WEEKLY;INTERVAL=2", THU, "every 2 weeks on Thursday"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", None, "every weekday"),
        ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", None, "every weekday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR", None, "every 2 weeks on weekdays"),
        ("FREQ=WEEKLY;BYDAY=MO", None, "every Monday"),
        ("FREQ=WEEKLY;BYDAY=SA,SU", None, "every Saturday and Sunday"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", None, "every Monday, Wednesday and Friday"),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU", None, "every 3 weeks on Tuesday"),
        ("FREQ=MONTHLY", None, "every month"),
        ("FREQ=MONTHLY", date(2026, 1, 31), "every month on the 31st"),
        ("FREQ=MONTHLY;INTERVAL=3", date(2026, 1, 22), "every 3 months on the 22nd"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", None, "every month on the 1st"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", None, "every month on the 1st and 15th"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", None, "every month on the last day"),
        ("FREQ=MONTHLY;BYMONTHDAY=-2", None, "every month on the 2nd-to-last day"),
        ("FREQ=MONTHLY;BYMONTHDAY=11,12,13", None, "every month on the 11th, 12th and 13th"),
        ("FREQ=MONTHLY;BYDAY=1MO", None, "every month on the first Monday"),
        ("FREQ=MONTHLY;BYDAY=-1FR", None, "every month on the last Friday"),
        ("FREQ=YEARLY", None, "every year"),
        ("FREQ=YEARLY", date(2026, 12, 25), "every year on December 25"),
        ("FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4", None, "every year on July 4"),
        ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", None, "every year on the fourth Thursday of November"),
        ("FREQ=DAILY;COUNT=5", None, "every day, 5 times"),
        ("FREQ=WEEKLY;COUNT=1", None, "every week, once"),
        ("FREQ=WEEKLY;UNTIL=20261231", None, "every week, until 2026-12-31"),
        ("FREQ=YEARLY;BYWEEKNO=20", None, "every year (custom rule)"),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", None, "every month (custom rule)"),
        ("FREQ=DAILY;INTERVAL=2;BYDAY=MO", None, "every 2 days (custom rule)"),
    ],
)
def test_describe_rule(rule: str | None, anchor: date | None, text: str) -> None:
    assert describe_rule(rule, anchor=anchor) == text


def test_describe_rule_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        describe_rule("FREQ=SOMETIMES")


# --------------------------------------------------------------------------- expansion


# A due date with a time reads "2026-01-05 09:00"; None as the expected date: the series ended.
# fmt: off
NEXT_OCCURRENCES = [
    ("daily", "FREQ=DAILY", "2026-01-05", "UTC", "2026-01-05", "2026-01-06"),
    ("weekdays, Friday", WORKWEEK, "2026-01-09", "UTC", "2026-01-09", "2026-01-12"),
    ("weekdays, from a Saturday", WORKWEEK, "2026-01-10", "UTC", "2026-01-10", "2026-01-12"),
    ("weekly", "FREQ=WEEKLY", "2026-01-05 09:00", "Europe/Berlin", "2026-01-05", "2026-01-12"),
    ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2", "2026-01-05", "UTC", "2026-01-05", "2026-01-19"),
    ("every Monday, from a Wed", "FREQ=WEEKLY;BYDAY=MO", "2026-01-07", "UTC", "2026-01-07",
     "2026-01-12"),
    ("monthly from the 31st", "FREQ=MONTHLY", "2026-01-31", "UTC", "2026-01-31", "2026-03-31"),
    ("... skips April", "FREQ=MONTHLY", "2026-03-31", "UTC", "2026-03-31", "2026-05-31"),
    ("last day of the month", "FREQ=MONTHLY;BYMONTHDAY=-1", "2026-01-31", "UTC", "2026-01-31",
     "2026-02-28"),
    ("monthly on the 1st", "FREQ=MONTHLY;BYMONTHDAY=1", "2026-01-01", "UTC", "2026-01-15",
     "2026-02-01"),
    ("yearly from Feb 29", "FREQ=YEARLY", "2024-02-29", "UTC", "2024-02-29", "2028-02-29"),
    ("COUNT left", "FREQ=DAILY;COUNT=3", "2026-01-05", "UTC", "2026-01-06", "2026-01-07"),
    ("COUNT exhausted", "FREQ=DAILY;COUNT=3", "2026-01-05", "UTC", "2026-01-07", None),
    ("UNTIL date includes its day", "FREQ=WEEKLY;UNTIL=20260112", "2026-01-05 23:30",
     "Pacific/Chatham", "2026-01-05", "2026-01-12"),
    ("UNTIL reached", "FREQ=WEEKLY;UNTIL=20260112", "2026-01-12", "UTC", "2026-01-12", None),
    ("daily, missed a week", "FREQ=DAILY", "2026-01-01", "UTC", "2026-01-08", "2026-01-09"),
    ("weekly, missed 2 weeks", "FREQ=WEEKLY", "2026-01-05", "UTC", "2026-01-20", "2026-01-26"),
    ("weekly, done a week late", "FREQ=WEEKLY", "2026-01-05", "UTC", "2026-01-12", "2026-01-19"),
    ("completed early", "FREQ=DAILY", "2026-01-10", "UTC", "2026-01-05", "2026-01-11"),
    ("over the spring change", "FREQ=WEEKLY", "2026-03-02 02:30", "America/New_York",
     "2026-03-02", "2026-03-09"),
    # 22:00 in New York on Jan 9 is 03:00 UTC on Jan 10: an UNTIL in UTC is an instant.
    ("UTC UNTIL, in", "FREQ=DAILY;UNTIL=20260110T030000Z", "2026-01-08 22:00",
     "America/New_York", "2026-01-08", "2026-01-09"),
    ("UTC UNTIL, out", "FREQ=DAILY;UNTIL=20260110T025959Z", "2026-01-08 22:00",
     "America/New_York", "2026-01-08", None),
    ("UTC UNTIL, in UTC", "FREQ=DAILY;UNTIL=20260110T025959Z", "2026-01-08 22:00", "UTC",
     "2026-01-08", "2026-01-09"),
    ("local UNTIL, in", "FREQ=DAILY;UNTIL=20260109T220000", "2026-01-08 22:00", "Asia/Kolkata",
     "2026-01-08", "2026-01-09"),
    ("local UNTIL, out", "FREQ=DAILY;UNTIL=20260109T215959", "2026-01-08 22:00", "Asia/Kolkata",
     "2026-01-08", None),
    ("April 31st never comes", "FREQ=YEARLY;BYMONTH=4", "2026-01-31", "UTC", "2026-01-31", None),
]
# fmt: on


@pytest.mark.parametrize(
    ("rule", "due", "tz", "today", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in NEXT_OCCURRENCES],
)
def test_next_occurrence(rule: str, due: str, tz: str, today: str, expected: str | None) -> None:
    due_at = datetime.fromisoformat(due)
    due_time = due_at.time() if " " in due else None
    found = next_occurrence(rule, due_at.date(), due_time, tz, date.fromisoformat(today))
    assert found == (None if expected is None else date.fromisoformat(expected))


def test_next_dates() -> None:
    assert next_dates(WORKWEEK, FRI, time(9), "Europe/Berlin", FRI) == [
        date(2026, 1, 12),
        date(2026, 1, 13),
        date(2026, 1, 14),
    ]
    assert next_dates("FREQ=DAILY;COUNT=3", MON, None, "UTC", MON, count=5) == [TUE, WED]
    assert next_dates("FREQ=DAILY;COUNT=3", MON, None, "UTC", MON, count=0) == []
    assert next_dates("FREQ=MONTHLY", date(2026, 1, 31), None, "UTC", date(2026, 2, 1)) == [
        date(2026, 3, 31),
        date(2026, 5, 31),
        date(2026, 7, 31),
    ]


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        ("FREQ=DAILY", WED, WED),
        ("FREQ=WEEKLY;BYDAY=MO", WED, date(2026, 1, 12)),
        ("FREQ=WEEKLY;BYDAY=WE", WED, WED),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", SAT, date(2026, 1, 12)),
        ("FREQ=MONTHLY;BYMONTHDAY=1", date(2026, 1, 15), date(2026, 2, 1)),
        ("FREQ=MONTHLY;BYMONTHDAY=31", date(2026, 2, 1), date(2026, 3, 31)),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", date(2026, 1, 1), date(2028, 2, 29)),
        ("FREQ=DAILY;UNTIL=20251231", date(2026, 1, 1), None),
    ],
)
def test_first_date(rule: str, start: date, expected: date | None) -> None:
    assert first_date(rule, start) == expected


def test_unknown_time_zone() -> None:
    with pytest.raises(ValueError, match="Unknown time zone"):
        next_occurrence("FREQ=DAILY", MON, None, "Mars/Olympus_Mons", MON)
    with pytest.raises(ValueError, match="Unknown time zone"):
        occurrence_utc(MON, None, "")


def test_a_timed_weekly_task_keeps_its_local_time_across_dst() -> None:
    series = occurrences("FREQ=WEEKLY", date(2026, 3, 2), time(9), "America/New_York")
    first, second = next(series), next(series)
    assert (first.time(), second.time()) == (time(9), time(9))
    assert first.astimezone(UTC).time() == time(14)  # EST
    assert second.astimezone(UTC).time() == time(13)  # EDT, after March 8


@pytest.mark.parametrize(
    ("day", "due_time", "tz", "expected"),
    [
        (MON, time(9), "UTC", datetime(2026, 1, 5, 9, tzinfo=UTC)),
        (MON, None, "Asia/Kolkata", datetime(2026, 1, 4, 18, 30, tzinfo=UTC)),
        (MON, time(9), "Pacific/Chatham", datetime(2026, 1, 4, 19, 15, tzinfo=UTC)),
        (date(2026, 7, 6), time(9), "America/New_York", datetime(2026, 7, 6, 13, tzinfo=UTC)),
        # 02:30 does not exist on the spring change: the clocks jumped an hour, so 03:30 EDT.
        (
            date(2026, 3, 8),
            time(2, 30),
            "America/New_York",
            datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
        ),
        # 01:30 happens twice on the autumn change: the first, still EDT.
        (
            date(2026, 11, 1),
            time(1, 30),
            "America/New_York",
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        ),
        # Lord Howe moves its clocks by half an hour: 02:15 is skipped on 2026-10-04.
        (
            date(2026, 10, 4),
            time(2, 15),
            "Australia/Lord_Howe",
            datetime(2026, 10, 3, 15, 45, tzinfo=UTC),
        ),
    ],
)
def test_occurrence_utc(day: date, due_time: time | None, tz: str, expected: datetime) -> None:
    instant = occurrence_utc(day, due_time, tz)
    assert instant == expected
    assert instant.utcoffset() == timedelta(0)


# --------------------------------------------------------------------------- properties

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Santiago",  # changes its clocks at midnight
    "UTC",
]


def _clock_changes() -> list[date]:
    """Every day in 2025-2027 on which one of ZONES changes its UTC offset."""
    days = set()
    for name in ZONES:
        zone = ZoneInfo(name)
        day = date(2025, 1, 1)
        while day < date(2028, 1, 1):
            before = datetime.combine(day, time(), tzinfo=zone).utcoffset()
            after = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).utcoffset()
            if before != after:
                days.add(day)
            day += timedelta(days=1)
    return sorted(days)


CLOCK_CHANGES = _clock_changes()
RULES = st.one_of(
    st.builds(
        rule_for_repeat,
        st.sampled_from([choice for choice in REPEAT_CHOICES if choice != "none"]),
        st.integers(1, 5),
    ),
    st.sampled_from(
        [
            "FREQ=WEEKLY;BYDAY=MO",
            "FREQ=WEEKLY;BYDAY=SA,SU",
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,FR",
            "FREQ=MONTHLY;BYMONTHDAY=31",
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1,15",
            "FREQ=MONTHLY;BYDAY=-1FR",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            "FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU",
        ]
    ),
)
DUE_DATES = st.one_of(
    st.builds(
        lambda day, shift: day + timedelta(days=shift),
        st.sampled_from(CLOCK_CHANGES),
        st.integers(-8, 8),
    ),
    st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31)),
)
SECOND_TIMES = st.times().map(lambda t: t.replace(microsecond=0))
DUE_TIMES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            time(0),
            time(0, 30),
            time(1, 30),
            time(2),
            time(2, 15),
            time(2, 30),
            time(3),
            time(9),
            time(23, 59),
        ]
    ),
    SECOND_TIMES,
)
PROPERTIES = settings(max_examples=300, deadline=None, database=None)


def _wall_clock_series(rule: str, due: date) -> rrule:
    """The series by dateutil alone, on naive dates: what the answers are checked against."""
    return rrulestr(rule, dtstart=datetime.combine(due, time()))


@PROPERTIES
@given(RULES, DUE_DATES, DUE_TIMES, st.sampled_from(ZONES), st.integers(-40, 800))
def test_next_occurrence_properties(
    rule: str, due: date, due_time: time | None, tz: str, days_late: int
) -> None:
    today = due + timedelta(days=days_late)
    found = next_occurrence(rule, due, due_time, tz, today)
    assert found is not None  # these series never end
    assert found > due
    assert found > today
    series = _wall_clock_series(rule, due)
    assert datetime.combine(found, time()) in series
    since = datetime.combine(max(due, today), time())
    assert series.between(since, datetime.combine(found, time()), inc=False) == []


@PROPERTIES
@given(RULES, DUE_DATES, DUE_TIMES, st.sampled_from(ZONES), st.integers(-40, 800))
def test_next_dates_properties(
    rule: str, due: date, due_time: time | None, tz: str, days_late: int
) -> None:
    today = due + timedelta(days=days_late)
    dates = next_dates(rule, due, due_time, tz, today, count=3)
    assert len(dates) == 3
    assert dates[0] == next_occurrence(rule, due, due_time, tz, today)
    series = _wall_clock_series(rule, due)
    for earlier, later in pairwise(dates):
        assert earlier < later
        assert datetime.combine(later, time()) in series
        between = series.between(
            datetime.combine(earlier, time()), datetime.combine(later, time()), inc=False
        )
        assert between == []


@PROPERTIES
@given(
    RULES,
    DUE_DATES,
    st.one_of(st.sampled_from([time(1, 30), time(2, 30)]), SECOND_TIMES),
    st.sampled_from(ZONES),
    st.integers(-40, 800),
)
def test_a_timed_task_keeps_its_wall_clock_time(
    rule: str, due: date, due_time: time, tz: str, days_late: int
) -> None:
    today = due + timedelta(days=days_late)
    found = next_occurrence(rule, due, due_time, tz, today)
    assert found is not None
    zone = ZoneInfo(tz)
    occurrence = next(o for o in occurrences(rule, due, due_time, tz) if o.date() == found)
    assert occurrence.time() == due_time.replace(tzinfo=None)
    assert occurrence.tzinfo is zone

    instant = occurrence_utc(found, due_time, tz)
    assert instant == occurrence.astimezone(UTC)
    wall = datetime.combine(found, due_time)
    offset_before = wall.replace(tzinfo=zone, fold=0).utcoffset()
    offset_after = wall.replace(tzinfo=zone, fold=1).utcoffset()
    assert offset_before is not None and offset_after is not None
    local = instant.astimezone(zone).replace(tzinfo=None)
    if offset_before >= offset_after:  # an ordinary time, or the first of a repeated hour
        assert local == wall
    else:  # skipped by the clocks going forward: later by the size of the jump
        assert local == wall + (offset_after - offset_before)


@PROPERTIES
@given(RULES, st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31)))
def test_first_date_properties(rule: str, start: date) -> None:
    first = first_date(rule, start)
    assert first is not None and first >= start
    series = _wall_clock_series(rule, start)
    assert series[0] == datetime.combine(first, time())
    assert validate_rule(rule, start=start) == rule
