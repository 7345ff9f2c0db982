"""When a reminder fires: pure arithmetic on a task, its recipient and the clock.

A task's *due moment* is its due date at its due time, or at the recipient's reminder hour
for a task with a date only, on the wall clock of the recipient's time zone. Wall-clock
times that a daylight-saving change skips or repeats are read as zoneinfo reads them
(``fold=0``): 02:30 on a spring-forward night is 03:30 summer time, and 01:30 on a
fall-back night is the first 01:30. The reminder fires `remind_minutes` before that,
converted to UTC, so its place on the wall clock survives a DST change between today and
then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..models import TaskStatus
from ..timezones import zone

#: A reminder sent later than this after its time says it is late.
LATE_AFTER = timedelta(seconds=60)


def due_moment(due_date: date, due_time: time | None, tz_name: str, reminder_hour: int) -> datetime:
    """The task's due moment in UTC, for a recipient in `tz_name`."""
    wall = datetime.combine(due_date, due_time or time(reminder_hour, 0))
    return wall.replace(tzinfo=zone(tz_name)).astimezone(UTC)


@dataclass(frozen=True)
class TaskState:
    """What a reminder depends on: the task's fields and its recipient's clock."""

    status: TaskStatus
    deleted: bool
    due_date: date | None
    due_time: time | None
    remind_minutes: int | None
    recipient_id: int | None
    timezone: str
    reminder_hour: int


@dataclass(frozen=True)
class Stored:
    """A reminders row as it is."""

    due_at: datetime
    fire_at: datetime | None
    sent_due_at: datetime | None


@dataclass(frozen=True)
class Plan:
    """What the reminders row should hold: nothing (`keep_row` False: the task has no
    reminder, no date or no one to remind), or the due moment and when to fire (None:
    nothing to send now)."""

    keep_row: bool
    due_at: datetime | None = None
    fire_at: datetime | None = None


NO_ROW = Plan(keep_row=False)


def plan(state: TaskState, stored: Stored | None, now: datetime) -> Plan:
    """The row a task's reminder should have at `now`.

    - No reminder, no due date or no recipient: no row.
    - Done, cancelled or deleted, or this due moment was reminded of already: a row that
      fires never (it remembers what was sent, so reopening does not send it again).
    - Unchanged since it was scheduled: as it is, even when its time has passed (the
      worker was away: it goes out late).
    - Otherwise its time; if that has passed already (set too late, say "a day before" a
      task due in an hour) at once while the due moment is still ahead, else never.
    """
    if state.remind_minutes is None or state.due_date is None or state.recipient_id is None:
        return NO_ROW
    due_at = due_moment(state.due_date, state.due_time, state.timezone, state.reminder_hour)
    target = due_at - timedelta(minutes=state.remind_minutes)
    is_open = state.status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS) and not state.deleted
    if not is_open or (stored is not None and stored.sent_due_at == due_at):
        return Plan(True, due_at, None)
    if stored is not None and stored.due_at == due_at and stored.fire_at == target:
        return Plan(True, due_at, target)
    if target >= now:
        return Plan(True, due_at, target)
    return Plan(True, due_at, now if due_at > now else None)


def is_late(fire_at: datetime, now: datetime) -> bool:
    return now - fire_at > LATE_AFTER
