"""A task's life: created, edited, completed (with its next occurrence when it repeats),
reopened, deleted, restored, and at last purged.

These functions only add, change and flush; the caller commits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import recurrence, reminders
from ..db import utcnow
from ..lists.queries import purge_deleted_lists
from ..models import ListMember, Priority, Role, Task, TaskList, TaskStatus, User, is_open_status
from ..timezones import local_today
from .tags import give_tags_to, resolve_tags
from .tree import (
    PATH_SEGMENT,
    TreeError,
    check_parent,
    end_position,
    ids_below,
    path_length,
    place_before,
    rewrite_paths_below,
)

SOFT_DELETE_KEEP_DAYS = 30


class Keep(enum.Enum):
    """A TaskData value meaning "leave this as it is"."""

    KEEP = "keep"


KEEP = Keep.KEEP


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
    #: Who the task is assigned to (one of its list's owner and editors, checked by the
    #: caller); KEEP leaves it as it is (an edit form that did not offer the field).
    assignee_id: int | Keep | None = None
    #: Minutes before the due moment to remind (None: no reminder); KEEP as for assignee.
    remind_minutes: int | Keep | None = None


def set_status(
    task: Task, status: TaskStatus, now: datetime | None = None, *, by: User | None = None
) -> None:
    """Change the status and keep completed_at (and who completed it, `by`) consistent
    with it."""
    by_id = by.id if by is not None else None  # read first: it may load (and autoflush)
    if status == TaskStatus.COMPLETED:
        if task.status != TaskStatus.COMPLETED or task.completed_at is None:
            task.completed_at = now or utcnow()
            task.completed_by_id = by_id
    else:
        task.completed_at = None
        task.completed_by_id = None
    task.status = status


def create_task(
    session: Session,
    user: User,
    data: TaskData,
    task_list: TaskList,
    parent: Task | None = None,
    *,
    idempotency_key: str | None = None,
) -> Task:
    """A new task, last in `task_list` (under `parent` when given, a task of that list the
    caller may edit; TreeError when it cannot take a subtask). The task's `user_id` is its
    list's owner. With the `idempotency_key` of the form that asked for it, a second task
    with that key from `user` fails the insert (see todo_web.tasks.submissions)."""
    if parent is not None:
        check_parent(session, None, parent, task_list.id)
    parent_id = parent.id if parent is not None else None
    task = Task(
        user_id=task_list.owner_id,
        list_id=task_list.id,
        parent_id=parent_id,
        position=end_position(session, task_list.id, parent_id),
        created_by_id=user.id,
        idempotency_key=idempotency_key,
    )
    _apply(session, user, task, data)
    session.add(task)
    session.flush()
    return task


def move_task(
    session: Session,
    task: Task,
    task_list: TaskList,
    parent: Task | None,
    before: Task | None,
) -> None:
    """Put the task (with its subtasks) under `parent` in `task_list`, just before the
    sibling `before`, or last when `before` is None. TreeError (nothing changed) for a
    parent in another list, a cycle, nesting too deep, or a `before` that is not a sibling
    at the new spot."""
    parent_id = parent.id if parent is not None else None
    if parent is not None:
        check_parent(session, task, parent, task_list.id)
    if before is not None and (
        before.id == task.id or before.list_id != task_list.id or before.parent_id != parent_id
    ):
        raise TreeError("“before” must be a task next to which this one can go.")
    spot = place_before(session, task, task_list.id, parent_id, before)
    old_length = path_length(session, task.id)
    if spot.moved:  # siblings renumbered to make room: their subtasks follow them
        sibling_length = PATH_SEGMENT + (path_length(session, parent.id) if parent else 0)
        for sibling_id, position in spot.moved.items():
            session.execute(update(Task).where(Task.id == sibling_id).values(position=position))
            rewrite_paths_below(session, sibling_id, sibling_length)
    if task.list_id != task_list.id:
        below = ids_below(session, task.id, live_only=False)
        if below:
            session.execute(
                update(Task)
                .where(Task.id.in_(below))
                .values(list_id=task_list.id, user_id=task_list.owner_id)
            )
        owner_changes = task.user_id != task_list.owner_id
        task.list_id = task_list.id
        task.user_id = task_list.owner_id
        session.flush()
        unassign_outsiders(session, task_list.id, [task.id, *below])
        reminders.note_tasks(session, Task.id.in_([task.id, *below]))
        if owner_changes:  # a list of another owner: its tags become theirs
            give_tags_to(session, [task.id, *below], task_list.owner_id)
    task.parent_id = parent_id
    task.position = spot.position
    touch(task)
    session.flush()
    rewrite_paths_below(session, task.id, old_length)


def unassign_outsiders(session: Session, list_id: int, task_ids: list[int]) -> None:
    """Tasks moved into a list keep their assignee only if that person may edit there."""
    session.execute(
        update(Task)
        .where(
            Task.id.in_(task_ids),
            Task.assignee_id.is_not(None),
            Task.assignee_id.not_in(
                select(ListMember.user_id).where(
                    ListMember.list_id == list_id, ListMember.role != Role.VIEWER.value
                )
            ),
        )
        .values(assignee_id=None),
        execution_options={"synchronize_session": "fetch"},
    )


def update_task(session: Session, user: User, task: Task, data: TaskData) -> Task:
    """Save the form; setting the status to completed is a completion like any other, so a
    recurring task gets its next occurrence."""
    completing = data.status == TaskStatus.COMPLETED and not task.is_completed
    _apply(session, user, task, data)
    touch(task)
    if completing:
        complete_with_subtasks(session, user, task)
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
    if data.assignee_id is not KEEP:
        task.assignee_id = data.assignee_id
    _apply_reminder(user, task, data.remind_minutes)
    set_status(task, data.status, by=user)
    task.tags = resolve_tags(session, task.user_id, data.tags)


def _apply_reminder(user: User, task: Task, minutes: int | Keep | None) -> None:
    """Set the reminder (the user setting it is who gets it when no one is assigned); a
    task left without a due date keeps no reminder."""
    if minutes is not KEEP and minutes != task.remind_minutes:
        task.remind_minutes = minutes
        task.reminder_by_id = user.id if minutes is not None else None
    if task.due_date is None:
        task.remind_minutes = task.reminder_by_id = None


def touch(task: Task) -> None:
    """Mark the task changed when only its tags changed (which leaves the row untouched)."""
    task.updated_at = utcnow()


@dataclass(frozen=True)
class Completion:
    """What completing a task did: the ids it completed (the task and its open subtasks,
    what an Undo reopens) and the next occurrence it created, if any."""

    completed_ids: tuple[int, ...]
    successor: Task | None


def complete_with_subtasks(session: Session, user: User, task: Task) -> Completion:
    """Complete the task and every open task below it, at any depth."""
    below = ids_below(session, task.id)
    opened = (
        session.scalars(select(Task).where(Task.id.in_(below), is_open_status(Task.status))).all()
        if below
        else []
    )
    for subtask in opened:
        set_status(subtask, TaskStatus.COMPLETED, by=user)
        touch(subtask)
    successor = complete_task(session, user, task)
    session.flush()
    return Completion((task.id, *(t.id for t in opened)), successor)


def complete_task(session: Session, user: User, task: Task) -> Task | None:
    """Complete the task; for a recurring one, also create its next occurrence (returned).

    The completed task stays as history. The next occurrence falls on the first date of the
    series after both the due date and the user's today. It is created at most once per
    completed occurrence: the unique tasks.recurs_from_id settles two completions racing,
    and reopening then completing again finds the occurrence already there.
    """
    set_status(task, TaskStatus.COMPLETED, by=user)
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
        user_id=task.user_id,
        list_id=task.list_id,
        parent_id=task.parent_id,
        position=task.position,
        title=task.title,
        description=task.description,
        priority=task.priority,
        due_date=next_date,
        due_time=task.due_time,
        recurrence=next_rule,
        recurs_from_id=task.id,
        assignee_id=task.assignee_id,
        created_by_id=user.id,
        remind_minutes=task.remind_minutes,
        reminder_by_id=task.reminder_by_id,
    )
    try:
        with session.begin_nested():
            session.add(successor)
            successor.tags = list(task.tags)
            session.flush()
    except IntegrityError:  # a concurrent completion created it first
        return None
    _copy_subtasks(session, task.id, successor.id, user)
    return successor


def _copy_subtasks(session: Session, from_id: int, to_id: int, user: User) -> None:
    """Fresh, open copies of the live subtasks of `from_id` (at every depth) under `to_id`:
    the next occurrence of a recurring parent starts its checklist again."""
    children = session.scalars(
        select(Task)
        .where(Task.parent_id == from_id, Task.deleted_at.is_(None))
        .order_by(Task.position, Task.id)
        .options(selectinload(Task.tags))
    ).all()
    for child in children:
        copy = Task(
            user_id=child.user_id,
            list_id=child.list_id,
            parent_id=to_id,
            position=child.position,
            title=child.title,
            description=child.description,
            priority=child.priority,
            due_date=child.due_date,
            due_time=child.due_time,
            assignee_id=child.assignee_id,
            created_by_id=user.id,
            remind_minutes=child.remind_minutes,
            reminder_by_id=child.reminder_by_id,
        )
        copy.tags = list(child.tags)
        session.add(copy)
        session.flush()
        _copy_subtasks(session, child.id, copy.id, user)


def reopen_task(task: Task) -> None:
    set_status(task, TaskStatus.PENDING)
    touch(task)


def toggle_task(session: Session, user: User, task: Task) -> Completion | None:
    """Completed becomes pending; anything else becomes completed with its open subtasks
    (returned, with the next occurrence when the task repeats)."""
    if task.is_completed:
        reopen_task(task)
        return None
    return complete_with_subtasks(session, user, task)


def soft_delete(session: Session, task: Task) -> None:
    """Delete the task and its live subtasks, stamped with one time, so that `restore`
    brings back exactly those."""
    stamp = utcnow()
    below = ids_below(session, task.id)
    if below:
        session.execute(update(Task).where(Task.id.in_(below)).values(deleted_at=stamp))
    task.deleted_at = stamp
    session.flush()


def restore(session: Session, task: Task) -> None:
    """Undo `soft_delete`: the task and the subtasks deleted with it. A task whose parent
    is still deleted comes back at the top level of its list."""
    stamp = task.deleted_at
    if stamp is None:
        return
    below = ids_below(session, task.id, live_only=False)
    if below:
        session.execute(
            update(Task).where(Task.id.in_(below), Task.deleted_at == stamp).values(deleted_at=None)
        )
        reminders.note_tasks(session, Task.id.in_(below))
    if task.parent_id is not None:
        parent_deleted = session.scalar(
            select(Task.deleted_at.is_not(None)).where(Task.id == task.parent_id)
        )
        if parent_deleted:
            old_length = path_length(session, task.id)
            task.parent_id = None
            task.position = end_position(session, task.list_id, None)
            session.flush()
            rewrite_paths_below(session, task.id, old_length)
    task.deleted_at = None
    touch(task)
    session.flush()


def purge_deleted(session: Session, now: datetime | None = None) -> int:
    """Remove tasks and lists deleted more than SOFT_DELETE_KEEP_DAYS ago, for every user;
    the number of tasks removed on their own (a purged list takes its tasks along)."""
    cutoff = (now or utcnow()) - timedelta(days=SOFT_DELETE_KEEP_DAYS)
    result = session.execute(delete(Task).where(Task.deleted_at < cutoff))
    purge_deleted_lists(session, now)
    return result.rowcount or 0
