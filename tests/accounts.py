"""Rows made directly in the database, for tests that need data but not the pages."""

from __future__ import annotations

from datetime import date, time

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from todo_web.mail.transport import transport_from_url
from todo_web.mail.worker import MailWorker
from todo_web.models import Outbox, Priority, Tag, Task, TaskStatus, User
from todo_web.passwords import hash_password

PASSWORD = "correct horse"


def add_user(
    session: Session,
    email: str = "alice@example.com",
    *,
    name: str = "Alice",
    password: str = PASSWORD,
    timezone: str = "UTC",
    **flags: bool,
) -> User:
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password, 4),
        timezone=timezone,
        **flags,
    )
    session.add(user)
    session.flush()
    return user


def add_task(
    session: Session,
    user: User,
    title: str,
    *,
    due_date: date | None = None,
    due_time: time | None = None,
    status: TaskStatus = TaskStatus.PENDING,
    priority: Priority = Priority.MEDIUM,
    tags: list[Tag] | None = None,
    **extra: object,
) -> Task:
    task = Task(
        user_id=user.id,
        title=title,
        due_date=due_date,
        due_time=due_time,
        status=status.value,
        priority=priority,
        tags=tags or [],
        **extra,
    )
    session.add(task)
    session.flush()
    return task


def user_by_email(session: Session, email: str) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.email == email))


def outbox_rows(session: Session, **where: object) -> list[Outbox]:
    session.expire_all()
    statement = select(Outbox).order_by(Outbox.id)
    for column, value in where.items():
        statement = statement.where(getattr(Outbox, column) == value)
    return list(session.scalars(statement))


def count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def worker_for(app: Flask, url: str | None, **options: object) -> MailWorker:
    """A worker of `app` sending to `url` (an SMTP server of the tests)."""
    return MailWorker(app=app, transport=transport_from_url(url), **options)  # type: ignore[arg-type]
