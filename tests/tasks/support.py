"""Helpers for the task tests: tasks made through the real routes, a fast factory for bulk
data, snapshots of what the database holds, and a frozen clock."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from todo_web import timezones
from todo_web.db import get_database
from todo_web.models import Tag, Task, User
from todo_web.tasks import counts, reading, responses, views
from todo_web.tasks.tags import resolve_tags

from ..helpers import csrf_token

TASK_ID = re.compile(r'data-task-id="(\d+)"')
TOTAL = re.compile(r'data-total-count="(\d+)"')


# -- through the routes --------------------------------------------------------------------


def token(client: FlaskClient) -> str:
    """A CSRF token for this client's session; it stays valid for the whole session."""
    return csrf_token(client, "/tasks")


def form_post(
    client: FlaskClient,
    url: str,
    data: dict[str, Any] | None = None,
    *,
    htmx: bool = False,
    csrf: str | None = None,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """POST like a browser form (token in the body) or like htmx (token in a header)."""
    data = dict(data or {})
    headers = dict(headers or {})
    csrf = csrf or token(client)
    if htmx:
        headers.setdefault("HX-Request", "true")
        headers.setdefault("HX-Current-URL", "http://localhost/tasks")
        headers["X-CSRFToken"] = csrf
    else:
        data["csrf_token"] = csrf
    return client.post(url, data=data, headers=headers)


def htmx_get(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    return client.get(url, headers={"HX-Request": "true", **headers})


def create_via_form(
    client: FlaskClient, *, htmx: bool = False, csrf: str | None = None, **fields: Any
) -> TestResponse:
    data = {"title": "A task", **fields}
    return form_post(client, "/tasks", data, htmx=htmx, csrf=csrf)


def create_task(client: FlaskClient, **fields: Any) -> int:
    """Create a task with a plain form POST and return its id."""
    response = create_via_form(client, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    with open_session(client.application) as session:
        task_id = session.scalar(select(func.max(Task.id)))
    assert task_id is not None
    return task_id


def edit_fields(task: Task, **changes: Any) -> dict[str, Any]:
    """The edit form as the page fills it for `task`, with `changes` on top."""
    fields: dict[str, Any] = {
        "title": task.title,
        "description": task.description,
        "priority": task.priority.label,
        "status": task.status,
        "due_date": task.due_date.isoformat() if task.due_date else "",
        "due_time": task.due_time.strftime("%H:%M") if task.due_time else "",
        "tags": ", ".join(tag.name for tag in task.tags),
        "repeat": "none",
    }
    fields.update(changes)
    return fields


def task_ids(html: str) -> list[int]:
    """Ids of the task elements in a page or fragment, in order, each once."""
    return list(dict.fromkeys(int(i) for i in TASK_ID.findall(html)))


def total_count(html: str) -> int:
    match = TOTAL.search(html)
    assert match, "no data-total-count in the list"
    return int(match.group(1))


def list_ids(client: FlaskClient, query: str = "") -> list[int]:
    response = client.get(f"/tasks{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return task_ids(response.get_data(as_text=True))


# -- straight to the database --------------------------------------------------------------


@contextmanager
def open_session(app: Flask) -> Iterator[Session]:
    session = get_database(app).session_factory()
    try:
        yield session
    finally:
        session.close()


def user_named(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def add_task(
    session: Session,
    user: User,
    title: str = "Task",
    *,
    tags: Sequence[str] = (),
    commit: bool = True,
    **fields: Any,
) -> Task:
    """A task written directly, for arranging many rows quickly."""
    task = Task(user_id=user.id, title=title, **fields)
    if fields.get("status") == "completed" and "completed_at" not in fields:
        task.completed_at = datetime.now(UTC)
    if tags:
        task.tags = resolve_tags(session, user, list(tags))
    session.add(task)
    if commit:
        session.commit()
    return task


def add_tasks(
    session: Session, user: User, count: int, title: str = "Task", **fields: Any
) -> list[Task]:
    tasks = [
        add_task(session, user, f"{title} {n:03d}", commit=False, **fields) for n in range(count)
    ]
    session.commit()
    return tasks


def load_task(app: Flask, task_id: int) -> Task | None:
    """The task as the database holds it now, tags loaded, in a session already closed."""
    with open_session(app) as session:
        task = session.get(Task, task_id)
        if task is not None:
            _ = list(task.tags)
        return task


def snapshot(app: Flask) -> tuple[tuple[Any, ...], ...]:
    """Every task, tag and task_tags row: equal before and after means nothing was written."""
    with get_database(app).engine.connect() as connection:
        return tuple(
            tuple(tuple(row) for row in connection.execute(text(sql)))
            for sql in (
                "SELECT * FROM tasks ORDER BY id",
                "SELECT * FROM tags ORDER BY id",
                "SELECT * FROM task_tags ORDER BY task_id, tag_id",
            )
        )


def tag_rows(app: Flask) -> list[tuple[int, str]]:
    with open_session(app) as session:
        return [(t.user_id, t.name) for t in session.scalars(select(Tag).order_by(Tag.id))]


@contextmanager
def count_statements(app: Flask) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine runs inside the block."""
    statements: list[str] = []
    engine = get_database(app).engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# -- the clock -----------------------------------------------------------------------------


def freeze_now(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    """Make "now" `instant` wherever the tasks blueprint asks the user's clock."""
    assert instant.tzinfo is not None

    def frozen(tz_name: str | None, now: datetime | None = None) -> datetime:
        return timezones.local_now(tz_name, now or instant)

    monkeypatch.setattr(reading, "local_now", frozen)
    monkeypatch.setattr(counts, "local_now", frozen)
    monkeypatch.setattr(responses, "local_now", frozen)
    monkeypatch.setattr(views, "local_now", frozen)


def set_timezone(app: Flask, email: str, zone: str) -> None:
    with open_session(app) as session:
        user_named(session, email).timezone = zone
        session.commit()
