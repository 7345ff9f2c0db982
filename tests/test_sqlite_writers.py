"""SQLite: requests that read and then write, several at once, all succeed.

SQLite has one writer at a time. A transaction that begins deferred reads first and
asks for the write lock at its first write; if another connection wrote in between, its
snapshot is stale and SQLite refuses at once with "database is locked" (busy_timeout does
not apply), which the app answers with a 503. So a request that may write (any method but
GET, HEAD and OPTIONS) begins with BEGIN IMMEDIATE and waits its turn for the lock
(busy_timeout) before reading anything, while page views issue no BEGIN of their own:
their reads never wait and never hold the lock.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from todo_web.db import get_database
from todo_web.models import Task, User

from .client import Client
from .database import is_postgres
from .factories import make_tasks

pytestmark = pytest.mark.skipif(is_postgres(), reason="SQLite's locking")

CLIENTS = 8
EDITS = 30


def test_concurrent_edits_never_find_the_database_locked(
    app: Flask, db_session: Session, alice: User, log_in: Callable[[User], Client]
) -> None:
    tasks = make_tasks(db_session, alice, CLIENTS)
    clients = [log_in(alice) for _ in range(CLIENTS)]

    def edit(client: Client, task_id: int) -> list[int]:
        statuses = []
        for n in range(EDITS):
            form = {"title": f"Edit {n}", "priority": "medium", "status": "pending"}
            statuses.append(client.submit(f"/tasks/{task_id}/edit", form).status_code)
        return statuses

    with ThreadPoolExecutor(CLIENTS) as pool:
        runs = [
            pool.submit(edit, client, task.id) for client, task in zip(clients, tasks, strict=True)
        ]
        statuses = [status for run in runs for status in run.result(timeout=300)]

    assert set(statuses) == {302}, statuses
    db_session.expire_all()
    titles = db_session.scalars(select(Task.title).where(Task.user_id == alice.id)).all()
    assert titles == [f"Edit {EDITS - 1}"] * CLIENTS


def test_writes_begin_immediate_and_reads_stay_deferred(
    app: Flask, db_session: Session, alice: User, log_in: Callable[[User], Client]
) -> None:
    (task,) = make_tasks(db_session, alice, 1)
    client = log_in(alice)
    client.token()
    begins: list[tuple[str, str]] = []

    def note_begin(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("BEGIN"):
            begins.append((request.method, statement))

    engine = get_database(app).engine
    event.listen(engine, "before_cursor_execute", note_begin)
    try:
        assert client.get("/tasks").status_code == 200
        form = {"title": "Renamed", "priority": "medium", "status": "pending"}
        assert client.submit(f"/tasks/{task.id}/edit", form).status_code == 302
    finally:
        event.remove(engine, "before_cursor_execute", note_begin)
    assert set(begins) == {("POST", "BEGIN IMMEDIATE")}
