"""Reminders follow their tasks whatever changes them: a session hook notes, at each
flush, the tasks whose reminder inputs changed (due date or time, status, deletion, the
reminder, the assignee) and the users whose time zone or reminder hour changed; just
before the commit, their reminders are rescheduled in the same transaction.

Only tasks that have (or had) a reminder are noted, so writes to the others cost nothing.
Changes made with UPDATE statements rather than through loaded tasks (restoring a list,
unassigning a leaving member's tasks) call `note_tasks` with their condition. The worker
checks each reminder against its task once more before sending it (todo_web.reminders.
delivery), so a change this misses can delay a reminder, never send a wrong one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, event, inspect, or_
from sqlalchemy.orm import Session

from ..db import utcnow
from ..models import Task, User
from .store import reschedule, reschedule_for_recipient

TASK_INPUTS = (
    "status",
    "deleted_at",
    "due_date",
    "due_time",
    "remind_minutes",
    "assignee_id",
    "reminder_by_id",
)
USER_INPUTS = ("timezone", "reminder_hour")

_TASKS = "reminders.task_ids"
_CONDITIONS = "reminders.conditions"
_USERS = "reminders.user_ids"


def note_tasks(session: Session, condition: ColumnElement[bool]) -> None:
    """Reschedule, before this transaction commits, the reminders of the tasks matching
    `condition` (only those with a reminder are read)."""
    session.info.setdefault(_CONDITIONS, []).append(condition)


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _had_reminder(task: Task) -> bool:
    if task.remind_minutes is not None:
        return True
    history = inspect(task).attrs["remind_minutes"].history
    return any(value is not None for value in history.deleted)


def _after_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Task):
            if obj.id is not None and _had_reminder(obj) and _changed(obj, TASK_INPUTS):
                session.info.setdefault(_TASKS, set()).add(obj.id)
        elif isinstance(obj, User) and obj in session.dirty and _changed(obj, USER_INPUTS):
            session.info.setdefault(_USERS, set()).add(obj.id)


def _before_commit(session: Session) -> None:
    # The commit has not flushed yet: changes still pending (a task reopened and nothing
    # flushed since) are noted only by this flush.
    session.flush()
    task_ids = session.info.pop(_TASKS, None)
    conditions = session.info.pop(_CONDITIONS, None)
    user_ids = session.info.pop(_USERS, None)
    if not (task_ids or conditions or user_ids):
        return
    now = utcnow()
    if task_ids or conditions:
        # Noted tasks had a reminder (one just removed leaves a row to delete); of the
        # tasks a condition names, only those with one.
        parts = [Task.id.in_(task_ids)] if task_ids else []
        if conditions:
            parts.append(Task.remind_minutes.is_not(None) & or_(*conditions))
        reschedule(session, or_(*parts), now)
    for user_id in user_ids or ():
        reschedule_for_recipient(session, user_id, now)


def _forget(session: Session, transaction: Any) -> None:
    """The whole transaction ended (a rollback: a commit took the notes already)."""
    if transaction.parent is None:
        for key in (_TASKS, _CONDITIONS, _USERS):
            session.info.pop(key, None)


def install() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_transaction_end", _forget)
