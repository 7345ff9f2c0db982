"""The daily digest: at 08:00 in each user's time zone, today's and overdue open tasks.

The worker calls `schedule_digests()` every round. A digest is written to the outbox with
the dedupe key ``digest:<user id>:<local date>``, which is unique in the database: two
workers that decide at the same moment that Alice's digest is due write one row between
them. A worker that was down at 08:00 catches up until noon; after that the day's digest
is skipped rather than arriving in the evening. Users with nothing due today or overdue
get no mail (and are looked at again on later rounds of the morning, so a task added at
09:00 for today still makes it into a digest).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import ColumnElement, String, and_, cast, exists, literal, select
from sqlalchemy.orm import Session

from ..dates import long_date
from ..models import OPEN_STATUSES, Outbox, Task, User
from ..timezones import local_now
from .messages import absolute_url, render_mail
from .outbox import enqueue

DIGEST_FROM = time(8, 0)
DIGEST_UNTIL = time(12, 0)
#: Tasks listed per section; the rest are counted and linked.
SECTION_LIMIT = 50


def digest_key(user_id: int, local_date: date) -> str:
    return f"digest:{user_id}:{local_date.isoformat()}"


def schedule_digests(session: Session, now: datetime) -> int:
    """Write the digests that are due at `now`; returns how many were written.

    The caller commits. One query per time zone in its morning window finds the users
    who want a digest, have something due and have no digest for their local date yet.
    """
    zones = session.scalars(
        select(User.timezone).where(User.notify_daily_digest.is_(True)).distinct()
    ).all()
    written = 0
    for zone in zones:
        local = local_now(zone, now)
        if not DIGEST_FROM <= local.time() < DIGEST_UNTIL:
            continue
        for user in _users_due(session, zone, local.date()):
            if write_digest(session, user, local.date()):
                written += 1
    return written


def _open_task_due_by(today: date) -> ColumnElement[bool]:
    return and_(
        Task.deleted_at.is_(None),
        Task.status.in_(OPEN_STATUSES),
        Task.due_date.is_not(None),
        Task.due_date <= today,
    )


def _users_due(session: Session, zone: str, today: date) -> list[User]:
    key = literal("digest:") + cast(User.id, String) + literal(f":{today.isoformat()}")
    has_digest = exists().where(Outbox.dedupe_key == key)
    has_tasks = exists().where(Task.user_id == User.id, _open_task_due_by(today))
    return list(
        session.scalars(
            select(User).where(
                User.timezone == zone,
                User.notify_daily_digest.is_(True),
                ~has_digest,
                has_tasks,
            )
        )
    )


def _due_tasks(session: Session, user: User, today: date) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.user_id == user.id, _open_task_due_by(today))
            .order_by(Task.due_date, Task.due_time.is_(None), Task.due_time, Task.priority.desc())
        )
    )


def write_digest(session: Session, user: User, today: date) -> bool:
    """Queue `user`'s digest for `today`; False when there is nothing due or it exists."""
    tasks = _due_tasks(session, user, today)
    overdue = [task for task in tasks if task.due_date and task.due_date < today]
    due_today = [task for task in tasks if task.due_date == today]
    if not tasks:
        return False
    text, html = render_mail(
        "daily_digest",
        user=user,
        today=today,
        overdue=overdue[:SECTION_LIMIT],
        overdue_more=max(len(overdue) - SECTION_LIMIT, 0),
        due_today=due_today[:SECTION_LIMIT],
        due_today_more=max(len(due_today) - SECTION_LIMIT, 0),
        task_url=lambda task: absolute_url(f"/tasks/{task.id}"),
        today_url=absolute_url("/tasks?due=today"),
        overdue_url=absolute_url("/tasks?due=overdue"),
        settings_url=absolute_url("/settings"),
    )
    row_id = enqueue(
        session,
        kind="daily_digest",
        recipient=user.email,
        user_id=user.id,
        subject=digest_subject(today, len(due_today), len(overdue)),
        text=text,
        html=html,
        dedupe_key=digest_key(user.id, today),
    )
    return row_id is not None


def digest_subject(today: date, due_today: int, overdue: int) -> str:
    parts = []
    if due_today:
        parts.append(f"{due_today} due today")
    if overdue:
        parts.append(f"{overdue} overdue")
    return f"Your tasks for {long_date(today)}: {', '.join(parts)}"
