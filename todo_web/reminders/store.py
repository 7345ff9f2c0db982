"""Keeping the reminders table in step with the tasks: `reschedule` reads what each task's
reminder depends on in one statement and writes only the rows whose plan changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import Reminder, Task, User
from .schedule import NO_ROW, Plan, Stored, TaskState, plan

#: Who a task's reminder goes to: its assignee, or who set the reminder.
RECIPIENT = func.coalesce(Task.assignee_id, Task.reminder_by_id)


def state_columns() -> tuple[Any, ...]:
    """The columns `state_of` reads, recipient joined as User (see `reschedule`)."""
    return (
        Task.status,
        Task.deleted_at,
        Task.due_date,
        Task.due_time,
        Task.remind_minutes,
        User.id,
        User.timezone,
        User.reminder_hour,
    )


def state_of(row: Any) -> TaskState:
    status, deleted_at, due_date, due_time, minutes, recipient_id, timezone, hour = row
    return TaskState(
        status=status,
        deleted=deleted_at is not None,
        due_date=due_date,
        due_time=due_time,
        remind_minutes=minutes,
        recipient_id=recipient_id,
        timezone=timezone or "UTC",
        reminder_hour=hour if hour is not None else 0,
    )


def reschedule(session: Session, which: Iterable[int] | ColumnElement[bool], now: datetime) -> int:
    """Bring the reminders of the tasks `which` names (ids, or a condition on Task) up to
    date; returns how many rows were written or deleted. The caller commits."""
    condition = Task.id.in_(list(which)) if not isinstance(which, ColumnElement) else which
    rows = session.execute(
        select(Task.id, *state_columns(), Reminder.due_at, Reminder.fire_at, Reminder.sent_due_at)
        .select_from(Task)
        .outerjoin(User, User.id == RECIPIENT)
        .outerjoin(Reminder, Reminder.task_id == Task.id)
        .where(condition)
    ).all()
    gone: list[int] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        task_id, state_row, stored_row = row[0], row[1:9], row[9:]
        stored = Stored(*stored_row) if stored_row[0] is not None else None
        state = state_of(state_row)
        new = plan(state, stored, now)
        if new == NO_ROW:
            if stored is not None:
                gone.append(task_id)
        elif stored is None or _differs(new, stored):
            changed.append(_row(task_id, state, new))
    if gone:
        session.execute(delete(Reminder).where(Reminder.task_id.in_(gone)))
    if changed:
        session.execute(_upsert(session), changed)
    return len(gone) + len(changed)


def reschedule_for_recipient(session: Session, user_id: int, now: datetime) -> int:
    """After a change of the user's time zone or reminder hour: every reminder that goes
    to them (the reminders' recipient index, then the tasks by id)."""
    task_ids = session.scalars(
        select(Reminder.task_id).where(Reminder.recipient_id == user_id)
    ).all()
    return reschedule(session, task_ids, now) if task_ids else 0


def _differs(new: Plan, stored: Stored) -> bool:
    return (new.due_at, new.fire_at) != (stored.due_at, stored.fire_at)


def _row(task_id: int, state: TaskState, new: Plan) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "recipient_id": state.recipient_id,
        "due_at": new.due_at,
        "fire_at": new.fire_at,
    }


def _upsert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Reminder)
    return statement.on_conflict_do_update(
        index_elements=[Reminder.task_id],
        set_={
            "recipient_id": statement.excluded.recipient_id,
            "due_at": statement.excluded.due_at,
            "fire_at": statement.excluded.fire_at,
        },
    )
