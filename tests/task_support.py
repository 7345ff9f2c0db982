"""Shared by the route tests of recurring tasks, quick add, smart views and bulk actions
(tests/recurring, tests/quick, tests/views, tests/bulk): CSRF-aware requests that fetch the
token once per client, a frozen clock for "today" in the user's zone, and readers of rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.test import TestResponse

from todo_web import timezones
from todo_web.models import Task, User

from .accounts import user_by_email
from .helpers import csrf_token

ALICE = "alice@example.com"
_TOKEN_ATTRIBUTE = "_task_support_csrf_token"
_DATA_TASK_ID = re.compile(r'data-task-id="(\d+)"')
_COUNT = re.compile(r'data-view="(\w+)" data-count="(\d+)"')
_TIME_DATETIME = re.compile(r'<time datetime="(\d{4}-\d\d-\d\d)">')


def send(
    client: FlaskClient,
    url: str,
    data: dict[str, Any] | list[tuple[str, str]] | None = None,
    *,
    htmx: bool = False,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """POST a form as the browser would, with the session's CSRF token (read from /tasks
    once and kept on the client: it lives as long as the session). A list of pairs sends
    repeated fields such as `ids`."""
    token = session_csrf_token(client)
    pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
    headers = dict(headers or {})
    if htmx:
        headers.setdefault("HX-Request", "true")
        headers.setdefault("X-CSRFToken", token)
    else:
        pairs.append(("csrf_token", token))
    return client.post(url, data=_multi(pairs), headers=headers)


def session_csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session, read from /tasks the first time."""
    token = getattr(client, _TOKEN_ATTRIBUTE, None)
    if token is None:
        token = csrf_token(client, "/tasks")
        setattr(client, _TOKEN_ATTRIBUTE, token)
    return token


def _multi(pairs: list[tuple[str, Any]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        form.setdefault(name, []).append("" if value is None else str(value))
    return form


def freeze_clock(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    """Make `todo_web.timezones.local_now` (and with it every "today" of the tasks blueprint
    and the quick-add parser) read `instant`, an aware datetime. Timestamps written by the
    database layer (completed_at, updated_at) keep the real clock."""
    assert instant.tzinfo is not None

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return instant.astimezone(tz) if tz is not None else instant.replace(tzinfo=None)

    monkeypatch.setattr(timezones, "datetime", FrozenDatetime)


def alice(session: Session) -> User:
    user = user_by_email(session, ALICE)
    assert user is not None
    return user


def set_timezone(session: Session, zone: str, email: str = ALICE) -> User:
    user = user_by_email(session, email)
    assert user is not None
    user.timezone = zone
    session.commit()
    return user


def all_tasks(session: Session, user: User | None = None) -> list[Task]:
    """Every task (deleted ones too), oldest first, read fresh from the database."""
    session.expire_all()
    statement = select(Task).order_by(Task.id).options(selectinload(Task.tags))
    if user is not None:
        statement = statement.where(Task.user_id == user.id)
    return list(session.scalars(statement))


def task(session: Session, task_id: int) -> Task:
    session.expire_all()
    found = session.scalar(select(Task).where(Task.id == task_id).options(selectinload(Task.tags)))
    assert found is not None, f"no task {task_id}"
    return found


def successors(session: Session, task_id: int) -> list[Task]:
    session.expire_all()
    return list(
        session.scalars(
            select(Task)
            .where(Task.recurs_from_id == task_id)
            .order_by(Task.id)
            .options(selectinload(Task.tags))
        )
    )


@dataclass(frozen=True)
class Snapshot:
    """What a test compares before and after a request that must change nothing."""

    id: int
    user_id: int
    title: str
    status: str
    priority: int
    completed_at: datetime | None
    deleted_at: datetime | None
    due_date: date | None
    due_time: time | None
    recurrence: str | None
    tags: tuple[str, ...]
    updated_at: datetime


def snapshot(session: Session) -> list[Snapshot]:
    return [
        Snapshot(
            id=t.id,
            user_id=t.user_id,
            title=t.title,
            status=t.status,
            priority=int(t.priority),
            completed_at=t.completed_at,
            deleted_at=t.deleted_at,
            due_date=t.due_date,
            due_time=t.due_time,
            recurrence=t.recurrence,
            tags=tuple(tag.name for tag in t.tags),
            updated_at=t.updated_at,
        )
        for t in all_tasks(session)
    ]


def task_ids_in(html: str) -> list[int]:
    """The ids of the task elements in a page or fragment, in document order."""
    return [int(found) for found in _DATA_TASK_ID.findall(html)]


def view_counts_in(html: str) -> dict[str, int]:
    """The sidebar's counts: {"today": 2, "upcoming": 1, ...}."""
    return {view: int(n) for view, n in _COUNT.findall(html)}


def dates_in(html: str) -> list[date]:
    """The dates of a schedule preview (`<time datetime="YYYY-MM-DD">`)."""
    return [date.fromisoformat(found) for found in _TIME_DATETIME.findall(html)]
