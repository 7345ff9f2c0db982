"""Rows made straight in the database, and read back fresh: the one place tests arrange data.

Users get a password hash computed once per password for the whole run (bcrypt at cost 4),
so making a user costs one INSERT, not a registration over HTTP. Every factory commits
unless told `commit=False` (then the caller commits once for a batch), so a request made
right after sees the rows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, time
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from todo_web.db import get_database, utcnow
from todo_web.lists.members import add_member, set_role, transfer
from todo_web.lists.queries import create_inbox, create_list, inbox_of
from todo_web.mail.transport import transport_from_url
from todo_web.mail.worker import MailWorker
from todo_web.models import (
    Outbox,
    Priority,
    Reminder,
    Role,
    Tag,
    Task,
    TaskList,
    TaskStatus,
    User,
)
from todo_web.passwords import hash_password
from todo_web.tasks.tags import resolve_tags
from todo_web.tasks.tree import end_position

PASSWORD = "correct horse"
ALICE = "alice@example.com"
BOB = "bob@example.com"


@functools.cache
def password_hash(password: str = PASSWORD) -> str:
    """A valid hash of `password`, made once per run (cost 4, as the test app uses)."""
    return hash_password(password, 4)


# -- users ---------------------------------------------------------------------------------


def make_user(
    session: Session,
    email: str = ALICE,
    *,
    name: str | None = None,
    password: str = PASSWORD,
    timezone: str = "UTC",
    commit: bool = True,
    **fields: Any,
) -> User:
    """A user who can log in with `password`; the name defaults to the address's local part,
    capitalised ("alice@example.com" is "Alice")."""
    user = User(
        email=email.lower(),
        name=name or email.split("@")[0].capitalize(),
        password_hash=password_hash(password),
        timezone=timezone,
        **fields,
    )
    session.add(user)
    session.flush()
    create_inbox(session, user)
    _finish(session, commit)
    return user


def user_by_email(session: Session, email: str = ALICE) -> User:
    """The user as the database holds it now."""
    session.expire_all()
    user = session.scalar(select(User).where(User.email == email.lower()))
    assert user is not None, f"no user {email}"
    return user


def set_timezone(session: Session, user: User, zone: str) -> User:
    user.timezone = zone
    session.commit()
    return user


# -- sharing -------------------------------------------------------------------------------


def share(
    session: Session, task_list: TaskList, user: User, role: Role | str = Role.EDITOR
) -> None:
    """Make `user` a member of the list with `role` ("editor", "viewer", or "owner": the
    list handed to them, its owner staying on as an editor), as the app does."""
    role = Role(role)
    add_member(session, task_list, user, Role.EDITOR)
    if role == Role.OWNER:
        transfer(session, task_list, user.id)
    elif role == Role.VIEWER:
        set_role(session, task_list, user.id, Role.VIEWER)
    session.commit()


# -- tasks and tags ------------------------------------------------------------------------


def make_task(
    session: Session,
    user: User,
    title: str = "Task",
    *,
    status: TaskStatus | str = TaskStatus.PENDING,
    priority: Priority | str = Priority.MEDIUM,
    due_date: date | None = None,
    due_time: time | None = None,
    tags: Sequence[str] = (),
    commit: bool = True,
    task_list: TaskList | None = None,
    parent: Task | None = None,
    **fields: Any,
) -> Task:
    """A task of `user`, last in `task_list` (default: the user's Inbox, or the parent's
    list) under `parent`. `tags` are names, made when new; a completed task gets a
    completion time (now) unless one is given; `priority` may be a label ("high")."""
    status = TaskStatus(status)
    if isinstance(priority, str):
        priority = Priority.from_label(priority)
    if status is TaskStatus.COMPLETED:
        fields.setdefault("completed_at", utcnow())
    if task_list is None:
        task_list = (
            session.get(TaskList, parent.list_id) if parent is not None else inbox_of(session, user)
        )
    assert task_list is not None
    parent_id = parent.id if parent is not None else None
    fields.setdefault("position", end_position(session, task_list.id, parent_id))
    fields.setdefault("created_by_id", user.id)
    task = Task(
        user_id=task_list.owner_id,
        list_id=task_list.id,
        parent_id=parent_id,
        title=title,
        status=status.value,
        priority=priority,
        due_date=due_date,
        due_time=due_time,
        **fields,
    )
    if tags:
        task.tags = resolve_tags(session, user, list(tags))
    session.add(task)
    _finish(session, commit)
    return task


def make_tasks(
    session: Session, user: User, count: int, title: str = "Task", **fields: Any
) -> list[Task]:
    """`count` tasks titled "Task 000", "Task 001", …, in one transaction."""
    tasks = [
        make_task(session, user, f"{title} {n:03d}", commit=False, **fields) for n in range(count)
    ]
    session.commit()
    return tasks


def make_list(session: Session, user: User, name: str = "Work", *, commit: bool = True) -> TaskList:
    """A list of `user`'s, last in their order."""
    task_list = create_list(session, user, name)
    _finish(session, commit)
    return task_list


def make_tags(session: Session, user: User, *names: str) -> list[Tag]:
    tags = resolve_tags(session, user, list(names))
    session.commit()
    return tags


def get_task(session: Session, task_id: int) -> Task:
    """The task as the database holds it now, tags loaded."""
    session.expire_all()
    task = session.scalar(select(Task).where(Task.id == task_id).options(selectinload(Task.tags)))
    assert task is not None, f"no task {task_id}"
    return task


def all_tasks(session: Session, user: User | None = None) -> list[Task]:
    """Every task (deleted ones too), oldest first, tags loaded, read fresh."""
    session.expire_all()
    statement = select(Task).order_by(Task.id).options(selectinload(Task.tags))
    if user is not None:
        statement = statement.where(Task.user_id == user.id)
    return list(session.scalars(statement))


def task_titled(session: Session, title: str) -> Task:
    session.expire_all()
    task = session.scalar(select(Task).where(Task.title == title).options(selectinload(Task.tags)))
    assert task is not None, f"no task titled {title!r}"
    return task


def successors(session: Session, task_id: int) -> list[Task]:
    """The occurrences that completing recurring task `task_id` created."""
    session.expire_all()
    return list(
        session.scalars(
            select(Task)
            .where(Task.recurs_from_id == task_id)
            .order_by(Task.id)
            .options(selectinload(Task.tags))
        )
    )


def tag_names(session: Session, user: User) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Tag.name).where(Tag.user_id == user.id).order_by(Tag.id)))


# -- mail ----------------------------------------------------------------------------------


def outbox_rows(session: Session, **where: object) -> list[Outbox]:
    session.expire_all()
    statement = select(Outbox).order_by(Outbox.id)
    for column, value in where.items():
        statement = statement.where(getattr(Outbox, column) == value)
    return list(session.scalars(statement))


def worker_for(app: Flask, url: str | None, **options: object) -> MailWorker:
    """A mail worker of `app` sending to `url` (an SMTP server of the tests; None logs)."""
    return MailWorker(app=app, transport=transport_from_url(url), **options)  # type: ignore[arg-type]


# -- whole tables --------------------------------------------------------------------------


def count_rows(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


SNAPSHOT_TABLES = ("users", "tasks", "tags", "task_tags", "outbox")


def snapshot(app: Flask, tables: Iterable[str] = SNAPSHOT_TABLES) -> dict[str, list[tuple]]:
    """Every row of `tables`, in key order: equal before and after a request means the
    request wrote nothing there."""
    order = {"task_tags": "task_id, tag_id"}
    with get_database(app).engine.connect() as connection:
        return {
            table: [
                tuple(row)
                for row in connection.execute(
                    text(f"SELECT * FROM {table} ORDER BY {order.get(table, 'id')}")
                )
            ]
            for table in tables
        }


# -- files to import ------------------------------------------------------------------------

#: A Todoist CSV export: a section, a blank row, tasks with labels, dates and recurrences, a
#: note and a meta row.
TODOIST_CSV = (
    "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,"
    "DURATION,DURATION_UNIT\r\n"
    "section,Errands,,,,,,,,,,\r\n"
    ",,,,,,,,,,,\r\n"
    "task,Buy milk @errands @home,Two litres,1,1,Alice (123),,tomorrow,en,Europe/Berlin,,\r\n"
    "note,Remember the oat one,,,,,,,,,,\r\n"
    "task,Water plants,,4,1,Alice (123),,every monday,en,Europe/Berlin,,\r\n"
    'task,"Dentist, downtown",Bring the card,2,2,Alice (123),,Jan 15 2027 10:30,en,,30,minute\r\n'
    "task,Quarterly report,,3,1,,,every 3rd friday starting Jan 9,en,,,\r\n"
    "task,Sub-task without a date,,,2,,,,,,,\r\n"
    "meta,view_style=list,,,,,,,,,,\r\n"
)


def _finish(session: Session, commit: bool) -> None:
    if commit:
        session.commit()
    else:
        session.flush()


# -- push ----------------------------------------------------------------------------------


def make_push_subscription(
    session: Session, user: User, subscription: Any, *, user_agent: str = "Test browser"
) -> Any:
    """Store a browser's subscription for `user` straight in the database; `subscription`
    is a tests/push_service.py FakeSubscription. Returns the row."""
    from todo_web.models import PushSubscription

    row = PushSubscription(
        user_id=user.id,
        endpoint=subscription.endpoint,
        p256dh=subscription.p256dh,
        auth=subscription.json["keys"]["auth"],
        user_agent=user_agent,
    )
    session.add(row)
    session.commit()
    return row


def push_rows(session: Session, model: type, **where: object) -> list[Any]:
    """Rows of a push table (PushSubscription or PushMessage), by id, read fresh."""
    session.expire_all()
    statement = select(model).order_by(model.id)  # type: ignore[attr-defined]
    for column, value in where.items():
        statement = statement.where(getattr(model, column) == value)
    return list(session.scalars(statement))


def push_worker_for(app: Flask, **options: Any) -> Any:
    """A push worker of `app` (build it after the push_service fixture set the CA)."""
    from todo_web.push.sender import Sender
    from todo_web.push.worker import PushWorker

    return PushWorker(app=app, sender=Sender.from_app(app), **options)


# -- reminders -----------------------------------------------------------------------------


def reminder_of(session: Session, task_id: int) -> Reminder | None:
    """The task's reminders row as the database holds it now (None: it has none)."""
    session.expire_all()
    return session.get(Reminder, task_id)
