"""The daily digest: at 08:00 in each user's time zone, today's and overdue open tasks.

The worker calls `schedule_digests()` every round. A digest is written to the outbox with
the dedupe key ``digest:<user id>:<local date>``, which is unique in the database: two
workers that decide at the same moment that Alice's digest is due write one row between
them. A worker that was down at 08:00 catches up until noon; after that the day's digest
is skipped rather than arriving in the evening. Users with nothing due today or overdue
get no mail (and are looked at again on later rounds of the morning, so a task added at
09:00 for today still makes it into a digest).

The mail groups the tasks by list, under the list's name: the Inbox first, then the
user's lists in their order (as the sidebar shows them); in each list the tasks due today,
then the overdue ones. At most SECTION_LIMIT tasks due today and as many overdue ones are
listed (the most pressing: earliest due first) before grouping; the rest are counted and
linked at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, String, and_, cast, exists, literal, select
from sqlalchemy.orm import Session

from ..access import member_list_ids, not_assigned_elsewhere
from ..dates import long_date
from ..models import Outbox, Task, TaskList, User, is_open_status
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
        is_open_status(Task.status),
        Task.due_date.is_not(None),
        Task.due_date <= today,
    )


def _seen_by(user_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    """The tasks a user's digest covers: those of every list they are a member of, as the
    smart views, without tasks assigned to someone else."""
    return and_(
        Task.list_id.in_(member_list_ids(user_id)),  # type: ignore[arg-type]
        not_assigned_elsewhere(user_id),  # type: ignore[arg-type]
    )


def _users_due(session: Session, zone: str, today: date) -> list[User]:
    key = literal("digest:") + cast(User.id, String) + literal(f":{today.isoformat()}")
    has_digest = exists().where(Outbox.dedupe_key == key)
    has_tasks = exists().where(_seen_by(User.id), _open_task_due_by(today))
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


@dataclass
class DigestList:
    """One list's part of the digest."""

    name: str
    due_today: list[Task] = field(default_factory=list)
    overdue: list[Task] = field(default_factory=list)


def _due_tasks(session: Session, user: User, today: date) -> list[tuple[Task, TaskList]]:
    """The user's open tasks due by `today`, each with its list, most pressing first."""
    rows = session.execute(
        select(Task, TaskList)
        .join(TaskList, TaskList.id == Task.list_id)
        .where(_seen_by(user.id), _open_task_due_by(today))
        .order_by(Task.due_date, Task.due_time.is_(None), Task.due_time, Task.priority.desc())
    )
    return [(task, task_list) for task, task_list in rows]


def by_list(
    due_today: list[tuple[Task, TaskList]], overdue: list[tuple[Task, TaskList]]
) -> list[DigestList]:
    """The tasks grouped by list, Inbox first, then the user's order; each group keeps
    the order it was given."""
    groups: dict[int, DigestList] = {}
    lists: dict[int, TaskList] = {}
    for section, pairs in (("due_today", due_today), ("overdue", overdue)):
        for task, task_list in pairs:
            lists.setdefault(task_list.id, task_list)
            group = groups.setdefault(task_list.id, DigestList(task_list.name))
            getattr(group, section).append(task)
    order = sorted(lists.values(), key=lambda item: (not item.is_inbox, item.position, item.id))
    return [groups[task_list.id] for task_list in order]


def write_digest(session: Session, user: User, today: date) -> bool:
    """Queue `user`'s digest for `today`; False when there is nothing due or it exists."""
    tasks = _due_tasks(session, user, today)
    overdue = [pair for pair in tasks if pair[0].due_date and pair[0].due_date < today]
    due_today = [pair for pair in tasks if pair[0].due_date == today]
    if not tasks:
        return False
    text, html = render_mail(
        "daily_digest",
        user=user,
        today=today,
        lists=by_list(due_today[:SECTION_LIMIT], overdue[:SECTION_LIMIT]),
        overdue_count=len(overdue),
        overdue_more=max(len(overdue) - SECTION_LIMIT, 0),
        due_today_count=len(due_today),
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
