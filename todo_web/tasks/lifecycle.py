"""A task's life: created, edited, completed (with its next occurrence when it repeats),
reopened, deleted, restored, and at last purged.

These functions only add, change and flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import recurrence
from ..db import utcnow
from ..models import Priority, Task, TaskStatus, User
from ..timezones import local_today
from .tags import resolve_tags

SOFT_DELETE_KEEP_DAYS = 30


@dataclass(frozen=True)
class TaskData:
    """The validated fields of a create or edit form."""

    title: str
    description: str = ""
    priority: Priority = Priority.MEDIUM
    status: TaskStatus = TaskStatus.PENDING
    due_date: date | None = None
    due_time: time | None = None
    tags: tuple[str, ...] = ()
    recurrence: str | None = None


def set_status(task: Task, status: TaskStatus, now: datetime | None = None) -> None:
    """Change the status and keep completed_at consistent with it."""
    if status == TaskStatus.COMPLETED:
        if task.status != TaskStatus.COMPLETED or task.completed_at is None:
            task.completed_at = now or utcnow()
    else:
        task.completed_at = None
    task.status = status


def create_task(session: Session, user: User, data: TaskData) -> Task:
    task = Task(user_id=user.id)
    _apply(session, user, task, data)
    session.add(task)
    session.flush()
    return task


def update_task(session: Session, user: User, task: Task, data: TaskData) -> Task:
    """Save the form; setting the status to completed is a completion like any other, so a
    recurring task gets its next occurrence."""
    completing = data.status == TaskStatus.COMPLETED and not task.is_completed
    _apply(session, user, task, data)
    touch(task)
    if completing:
        complete_task(session, user, task)
    session.flush()
    return task


def _apply(session: Session, user: User, task: Task, data: TaskData) -> None:
    task.title = data.title
    task.description = data.description
    task.priority = data.priority
    task.due_date = data.due_date
    task.due_time = data.due_time if data.due_date else None
    task.recurrence = data.recurrence
    if data.recurrence and data.due_date is None:
        # A repeat with no date starts at its first date from today on.
        task.due_date = recurrence.first_date(
            data.recurrence, local_today(user.timezone), tz=user.timezone
        )
    set_status(task, data.status)
    task.tags = resolve_tags(session, user, data.tags)


def touch(task: Task) -> None:
    """Mark the task changed when only its tags changed (which leaves the row untouched)."""
    task.updated_at = utcnow()


def complete_task(session: Session, user: User, task: Task) -> Task | None:
    """Complete the task; for a recurring one, also create its next occurrence (returned).

    The completed task stays as history. The next occurrence falls on the first date of the
    series after both the due date and the user's today. It is created at most once per
    completed occurrence: the unique tasks.recurs_from_id settles two completions racing,
    and reopening then completing again finds the occurrence already there.
    """
    set_status(task, TaskStatus.COMPLETED)
    touch(task)
    if task.recurrence and task.due_date:
        return _create_next_occurrence(session, user, task)
    return None


def _create_next_occurrence(session: Session, user: User, task: Task) -> Task | None:
    if session.scalar(select(Task.id).where(Task.recurs_from_id == task.id)) is not None:
        return None
    rule = task.recurrence or ""
    due_date = task.due_date or local_today(user.timezone)
    try:
        next_date = recurrence.next_occurrence(
            rule, due_date, task.due_time, user.timezone, local_today(user.timezone)
        )
        if next_date is None:  # the series has ended (COUNT or UNTIL)
            return None
        next_rule = recurrence.rule_for_next(
            rule, due_date, task.due_time, user.timezone, next_date
        )
    except ValueError:  # a stored rule that no longer parses: complete without a successor
        return None
    successor = Task(
        user_id=user.id,
        title=task.title,
        description=task.description,
        priority=task.priority,
        due_date=next_date,
        due_time=task.due_time,
        recurrence=next_rule,
        recurs_from_id=task.id,
    )
    try:
        with session.begin_nested():
            session.add(successor)
            successor.tags = list(task.tags)
            session.flush()
    except IntegrityError:  # a concurrent completion created it first
        return None
    return successor


def reopen_task(task: Task) -> None:
    set_status(task, TaskStatus.PENDING)
    touch(task)


def toggle_task(session: Session, user: User, task: Task) -> Task | None:
    """Completed becomes pending; anything else becomes completed. Returns the next
    occurrence when completing a recurring task created one."""
    if task.is_completed:
        reopen_task(task)
        return None
    return complete_task(session, user, task)


def soft_delete(task: Task) -> None:
    task.deleted_at = utcnow()


def restore(task: Task) -> None:
    task.deleted_at = None
    touch(task)


def purge_deleted(session: Session, now: datetime | None = None) -> int:
    """Remove tasks deleted more than SOFT_DELETE_KEEP_DAYS ago, for every user."""
    cutoff = (now or utcnow()) - timedelta(days=SOFT_DELETE_KEEP_DAYS)
    result = session.execute(delete(Task).where(Task.deleted_at < cutoff))
    return result.rowcount or 0
