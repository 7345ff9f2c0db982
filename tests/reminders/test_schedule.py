"""When a reminder fires: `due_moment` across time zones and daylight-saving changes, and
every branch of `plan` (pure functions, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from todo_web.models import REMIND_MINUTES, TaskStatus
from todo_web.reminders.schedule import NO_ROW, Plan, Stored, TaskState, due_moment, plan


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# -- due_moment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("UTC", utc(2027, 1, 12, 14, 45)),
        ("Europe/Berlin", utc(2027, 1, 12, 13, 45)),  # CET, +01:00
        ("America/New_York", utc(2027, 1, 12, 19, 45)),  # EST, -05:00
        ("Asia/Kolkata", utc(2027, 1, 12, 9, 15)),  # IST, +05:30
    ],
)
def test_a_timed_task_is_due_at_its_time_in_the_zone(zone: str, expected: datetime) -> None:
    moment = due_moment(date(2027, 1, 12), time(14, 45), zone, 9)
    assert moment == expected
    assert moment.tzinfo is UTC


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("UTC", utc(2027, 7, 5, 9)),
        ("Europe/Berlin", utc(2027, 7, 5, 7)),  # CEST, +02:00
        ("America/New_York", utc(2027, 7, 5, 13)),  # EDT, -04:00
        ("Asia/Kolkata", utc(2027, 7, 5, 3, 30)),
    ],
)
def test_a_date_only_task_is_due_at_the_reminder_hour(zone: str, expected: datetime) -> None:
    assert due_moment(date(2027, 7, 5), None, zone, 9) == expected


def test_the_reminder_hour_is_ignored_for_a_timed_task() -> None:
    assert due_moment(date(2027, 7, 5), time(6, 0), "UTC", 21) == utc(2027, 7, 5, 6)
    assert due_moment(date(2027, 7, 5), None, "UTC", 21) == utc(2027, 7, 5, 21)
    assert due_moment(date(2027, 7, 5), None, "UTC", 0) == utc(2027, 7, 5, 0)


@pytest.mark.parametrize(
    ("zone", "day_after_spring", "day_after_fall", "spring_utc", "fall_utc"),
    [
        # US 2027: clocks go forward on 14 March and back on 7 November.
        ("America/New_York", date(2027, 3, 15), date(2027, 11, 8), 13, 14),
        # EU 2027: forward on 28 March, back on 31 October.
        ("Europe/Berlin", date(2027, 3, 29), date(2027, 11, 1), 7, 8),
    ],
)
def test_nine_oclock_the_day_after_a_dst_change(
    zone: str, day_after_spring: date, day_after_fall: date, spring_utc: int, fall_utc: int
) -> None:
    spring = due_moment(day_after_spring, time(9, 0), zone, 9)
    fall = due_moment(day_after_fall, None, zone, 9)
    assert spring == datetime.combine(day_after_spring, time(spring_utc), UTC)
    assert fall == datetime.combine(day_after_fall, time(fall_utc), UTC)
    # The day before each change is an hour further from UTC than the day after spring.
    before = due_moment(day_after_spring - timedelta(days=2), time(9, 0), zone, 9)
    assert (spring - before) == timedelta(days=2) - timedelta(hours=1)


def test_a_wall_time_skipped_by_spring_forward_is_read_as_summer_time() -> None:
    # 02:30 does not exist in New York on 14 March 2027: it is 03:30 EDT (07:30 UTC).
    moment = due_moment(date(2027, 3, 14), time(2, 30), "America/New_York", 9)
    assert moment == utc(2027, 3, 14, 7, 30)
    assert moment.astimezone(ZoneInfo("America/New_York")).time() == time(3, 30)
    # Berlin, 28 March 2027: 02:30 CET is 01:30 UTC, shown as 03:30 CEST.
    berlin = due_moment(date(2027, 3, 28), time(2, 30), "Europe/Berlin", 9)
    assert berlin == utc(2027, 3, 28, 1, 30)
    assert berlin.astimezone(ZoneInfo("Europe/Berlin")).time() == time(3, 30)


def test_a_wall_time_repeated_by_fall_back_is_the_first_one() -> None:
    # 01:30 happens twice in New York on 7 November 2027: first at EDT (05:30 UTC).
    assert due_moment(date(2027, 11, 7), time(1, 30), "America/New_York", 9) == utc(
        2027, 11, 7, 5, 30
    )
    # 02:30 twice in Berlin on 31 October 2027: first at CEST (00:30 UTC).
    assert due_moment(date(2027, 10, 31), time(2, 30), "Europe/Berlin", 9) == utc(
        2027, 10, 31, 0, 30
    )


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    there = wall.replace(tzinfo=zone)
    back = there.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return back == wall


@given(
    zone_name=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    at=st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0))),
    hour=st.integers(0, 23),
    minutes=st.sampled_from(REMIND_MINUTES),
)
def test_fire_is_minutes_before_a_due_moment_on_the_requested_wall_clock(
    zone_name: str, day: date, at: time | None, hour: int, minutes: int
) -> None:
    zone = ZoneInfo(zone_name)
    state = TaskState(
        status=TaskStatus.PENDING,
        deleted=False,
        due_date=day,
        due_time=at,
        remind_minutes=minutes,
        recipient_id=1,
        timezone=zone_name,
        reminder_hour=hour,
    )
    moment = due_moment(day, at, zone_name, hour)
    long_before = utc(2025, 1, 1)
    assert plan(state, None, long_before) == Plan(True, moment, moment - timedelta(minutes=minutes))
    wall = datetime.combine(day, at or time(hour, 0))
    if _exists(wall, zone):
        assert moment.astimezone(zone).replace(tzinfo=None) == wall
    else:  # skipped by a spring-forward: as far after the gap as it was into it
        shown = moment.astimezone(zone).replace(tzinfo=None)
        assert timedelta(0) < shown - wall <= timedelta(hours=1)


# -- plan ----------------------------------------------------------------------------------

NOW = utc(2027, 2, 10, 12, 0)
DUE = utc(2027, 2, 11, 12, 0)  # a task due tomorrow noon (UTC)
OPEN = TaskState(
    status=TaskStatus.PENDING,
    deleted=False,
    due_date=date(2027, 2, 11),
    due_time=time(12, 0),
    remind_minutes=30,
    recipient_id=7,
    timezone="UTC",
    reminder_hour=9,
)
TARGET = DUE - timedelta(minutes=30)


@pytest.mark.parametrize(
    "change",
    [{"remind_minutes": None}, {"due_date": None, "due_time": None}, {"recipient_id": None}],
    ids=["no reminder", "no date", "no recipient"],
)
def test_no_row_without_reminder_date_or_recipient(change: dict[str, object]) -> None:
    state = replace(OPEN, **change)
    assert plan(state, None, NOW) == NO_ROW
    assert plan(state, Stored(DUE, TARGET, None), NOW) == NO_ROW


@pytest.mark.parametrize(
    "change",
    [{"status": TaskStatus.COMPLETED}, {"status": TaskStatus.CANCELLED}, {"deleted": True}],
    ids=["done", "cancelled", "deleted"],
)
def test_a_closed_task_keeps_a_row_that_never_fires(change: dict[str, object]) -> None:
    state = replace(OPEN, **change)
    assert plan(state, None, NOW) == Plan(True, DUE, None)
    assert plan(state, Stored(DUE, TARGET, None), NOW) == Plan(True, DUE, None)


def test_in_progress_is_open() -> None:
    assert plan(replace(OPEN, status=TaskStatus.IN_PROGRESS), None, NOW) == Plan(True, DUE, TARGET)


def test_an_occurrence_reminded_of_already_fires_never() -> None:
    stored = Stored(DUE, None, sent_due_at=DUE)
    assert plan(OPEN, stored, NOW) == Plan(True, DUE, None)
    # Even when edited to another reminder for the same due moment.
    assert plan(replace(OPEN, remind_minutes=10), stored, NOW) == Plan(True, DUE, None)
    # A new due moment is a new occurrence.
    later = replace(OPEN, due_date=date(2027, 2, 12))
    assert plan(later, stored, NOW).fire_at == TARGET + timedelta(days=1)


def test_unchanged_and_past_is_kept_to_go_out_late() -> None:
    after = TARGET + timedelta(hours=2)  # the worker was away past the time
    assert plan(OPEN, Stored(DUE, TARGET, None), after) == Plan(True, DUE, TARGET)
    # Even past the due moment itself.
    assert plan(OPEN, Stored(DUE, TARGET, None), DUE + timedelta(days=1)) == Plan(True, DUE, TARGET)


def test_changed_with_target_past_but_due_ahead_fires_now() -> None:
    state = replace(OPEN, remind_minutes=1440)  # a day before: passed already
    assert plan(state, Stored(DUE, TARGET, None), NOW) == Plan(True, DUE, NOW)
    assert plan(state, None, NOW) == Plan(True, DUE, NOW)


def test_changed_with_target_and_due_past_fires_never() -> None:
    state = replace(OPEN, due_date=date(2027, 2, 9))
    assert plan(state, Stored(DUE, TARGET, None), NOW) == Plan(True, DUE - timedelta(days=2), None)
    assert plan(state, None, NOW) == Plan(True, DUE - timedelta(days=2), None)


def test_a_future_target_is_the_fire_time() -> None:
    assert plan(OPEN, None, NOW) == Plan(True, DUE, TARGET)
    moved = replace(OPEN, due_time=time(15, 0))
    assert plan(moved, Stored(DUE, TARGET, None), NOW) == Plan(
        True, DUE + timedelta(hours=3), TARGET + timedelta(hours=3)
    )
    # A target exactly now is still the target.
    assert plan(OPEN, None, TARGET) == Plan(True, DUE, TARGET)


def test_a_date_only_task_uses_the_recipients_hour_and_zone() -> None:
    state = replace(OPEN, due_time=None, reminder_hour=8, timezone="Asia/Kolkata")
    due = utc(2027, 2, 11, 2, 30)
    assert plan(state, None, NOW - timedelta(days=1)) == Plan(
        True, due, due - timedelta(minutes=30)
    )
