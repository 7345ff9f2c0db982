"""All SQL of the data blueprint: export, import, the calendar feed and its secret.

Every function takes the session and the user, except the feed's look-up by secret, which
is how an unauthenticated calendar app names its user. The views commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

from ..db import utcnow
from ..models import OPEN_STATUSES, Tag, Task, TaskStatus, User, new_calendar_secret, task_tags
from .plan import ImportedTask


def export_tasks(session: Session, user: User) -> Sequence[Task]:
    """Every task of the user that is not deleted, with its tags, oldest first."""
    return session.scalars(
        select(Task)
        .where(Task.user_id == user.id, Task.deleted_at.is_(None))
        .order_by(Task.id)
        .options(selectinload(Task.tags))
    ).all()


def tag_names(session: Session, user: User) -> list[str]:
    return list(session.scalars(select(Tag.name).where(Tag.user_id == user.id)))


def import_tasks(
    session: Session, user: User, tasks: Sequence[ImportedTask], now: datetime | None = None
) -> int:
    """Write validated tasks with their tags and occurrence links; returns how many.

    Bulk statements (one INSERT … RETURNING for the tasks, one for new tags, one for the
    tag links, one UPDATE for the links between occurrences) keep a 10,000-row import
    quick. The caller commits: a failure anywhere leaves nothing behind.
    """
    if not tasks:
        return 0
    now = now or utcnow()
    tag_ids = _tag_ids(session, user, [name for task in tasks for name in task.tags])
    rows = []
    for task in tasks:
        created = task.created_at or now
        updated = task.updated_at or created
        rows.append(
            {
                "user_id": user.id,
                "title": task.title,
                "description": task.description,
                "status": task.status.value,
                "priority": task.priority,
                "due_date": task.due_date,
                "due_time": task.due_time if task.due_date else None,
                "recurrence": task.recurrence,
                "created_at": created,
                "updated_at": updated,
                "completed_at": (
                    (task.completed_at or updated) if task.status == TaskStatus.COMPLETED else None
                ),
            }
        )
    new_ids = list(
        session.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True), rows)
    )
    links = [
        {"task_id": task_id, "tag_id": tag_ids[name.casefold()]}
        for task, task_id in zip(tasks, new_ids, strict=True)
        for name in task.tags
    ]
    if links:
        session.execute(insert(task_tags), links)
    by_source = {
        task.source_id: task_id
        for task, task_id in zip(tasks, new_ids, strict=True)
        if task.source_id is not None
    }
    successors = [
        # updated_at is given so that its onupdate does not stamp the import's time on it.
        {
            "id": task_id,
            "recurs_from_id": by_source[task.recurs_from],
            "updated_at": row["updated_at"],
        }
        for task, task_id, row in zip(tasks, new_ids, rows, strict=True)
        if task.recurs_from in by_source
    ]
    if successors:
        session.execute(update(Task), successors)
    session.expire_all()
    return len(new_ids)


def _tag_ids(session: Session, user: User, names: Sequence[str]) -> dict[str, int]:
    """{case-folded name: tag id} for these names, creating the user's missing tags (in the
    first spelling met). Names match the user's tags whatever their case."""
    existing = session.execute(select(Tag.id, Tag.name).where(Tag.user_id == user.id)).all()
    ids = {name.casefold(): tag_id for tag_id, name in existing}
    missing: dict[str, str] = {}
    for name in names:
        if name.casefold() not in ids:
            missing.setdefault(name.casefold(), name)
    if missing:
        created = session.scalars(
            insert(Tag).returning(Tag.id, sort_by_parameter_order=True),
            [{"user_id": user.id, "name": name} for name in missing.values()],
        )
        ids.update(zip(missing.keys(), created, strict=True))
    return ids


# -- calendar feed -------------------------------------------------------------------------


def user_by_calendar_secret(session: Session, secret: str) -> User | None:
    """The user whose feed this is (found through the unique index), or None."""
    return session.scalar(select(User).where(User.calendar_secret == secret))


def feed_tasks(session: Session, user: User) -> Sequence[Task]:
    """Open tasks with a due date, not deleted, in a fixed order (the feed's ETag hashes
    the output, so the order must not vary)."""
    return session.scalars(
        select(Task)
        .where(
            Task.user_id == user.id,
            Task.deleted_at.is_(None),
            Task.status.in_(OPEN_STATUSES),
            Task.due_date.is_not(None),
        )
        .order_by(Task.due_date, Task.due_time, Task.id)
        .options(selectinload(Task.tags))
    ).all()


def replace_calendar_secret(session: Session, user: User) -> str:
    """Give the user a new feed secret; the old URL stops working at commit."""
    user.calendar_secret = new_calendar_secret()
    session.flush()
    return user.calendar_secret
