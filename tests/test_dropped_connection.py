"""A pooled connection that died while idle costs the next request nothing: there is no
ping at checkout (todo_web/pg_transactions.py), so the first statement of a transaction
finds the connection gone and is sent again, once, on a new one. Played here by killing
the app's server processes between two requests."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from todo_web.db import get_database, get_session
from todo_web.models import Task

from .client import Client
from .database import is_postgres
from .factories import ALICE, make_tasks, make_user
from .processes import wait_until

pytestmark = pytest.mark.skipif(not is_postgres(), reason="kills PostgreSQL backends")

MakeApp = Callable[..., Flask]

#: How the app's connections are told apart from the test's own.
APP_NAME = "todo_web_dropped_connection_test"


@pytest.fixture
def named_app(make_app: MakeApp, database_url: str, db_session: Session) -> Flask:
    """An app whose connections carry APP_NAME, and Alice with three tasks."""
    url = make_url(database_url).update_query_dict({"application_name": APP_NAME})
    make_tasks(db_session, make_user(db_session, ALICE), 3)
    return make_app(DATABASE_URL=url.render_as_string(hide_password=False))


def alice_on(app: Flask) -> Client:
    """Alice logged in, her page seen once (so the pool holds a connection)."""
    client: Client = app.test_client()  # type: ignore[assignment]
    assert client.log_in(ALICE).status_code == 302
    assert client.get("/tasks").status_code == 200
    return client


@pytest.fixture
def app_client(named_app: Flask) -> Client:
    return alice_on(named_app)


def kill_app_backends(db_session: Session) -> int:
    """Terminate the app's server processes and wait until they are gone; how many."""
    killed = db_session.scalar(
        text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = :name"
        ),
        {"name": APP_NAME},
    )
    db_session.commit()

    def gone() -> bool:
        left = db_session.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": APP_NAME},
        )
        db_session.commit()
        return left == 0

    wait_until(gone, timeout=10, what="the app's backends to end")
    return int(killed or 0)


def test_a_page_view_after_the_backend_was_killed_answers_200(
    app_client: Client, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    assert kill_app_backends(db_session) >= 1
    with caplog.at_level(logging.INFO, logger="todo_web.db"):
        response = app_client.get("/tasks")
    assert response.status_code == 200
    assert "Task 002" in response.get_data(as_text=True)
    assert any("connecting again" in record.getMessage() for record in caplog.records)


def test_a_create_after_the_backend_was_killed_is_stored_once(
    app_client: Client, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    token = app_client.token()
    assert kill_app_backends(db_session) >= 1
    with caplog.at_level(logging.INFO, logger="todo_web.db"):
        response = app_client.post(
            "/tasks", data={"title": "After the restart", "csrf_token": token}
        )
    assert response.status_code == 302
    assert any("connecting again" in record.getMessage() for record in caplog.records)
    db_session.expire_all()
    titles = db_session.scalars(select(Task.title).where(Task.title == "After the restart"))
    assert titles.all() == ["After the restart"]


def test_every_pooled_connection_killed_at_once(app_client: Client, db_session: Session) -> None:
    """Each request finds a dead connection in turn; each is replaced, none fails."""
    engine = get_database(app_client.application).engine
    held = [engine.connect() for _ in range(3)]  # three connections into the pool
    for connection in held:
        connection.execute(text("SELECT 1"))
        connection.close()
    assert kill_app_backends(db_session) >= 3
    for _ in range(5):
        assert app_client.get("/tasks").status_code == 200


def test_a_connection_lost_inside_a_transaction_is_not_retried(
    named_app: Flask, db_session: Session
) -> None:
    """After the first statement, what the transaction did is gone with the connection:
    the request fails (the friendly 503), it is not run again on a new connection."""
    sent: list[str] = []

    @named_app.get("/test/two-statements")
    def two_statements() -> str:
        session = get_session()
        session.execute(text("SELECT 1"))
        sent.append("first")
        kill_app_backends(db_session)
        session.execute(text("SELECT 2"))
        sent.append("second")
        return "done"

    response = alice_on(named_app).get("/test/two-statements")
    assert response.status_code == 503
    assert sent == ["first"]
