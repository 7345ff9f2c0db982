"""Every request's database work ends by its deadline (REQUEST_DEADLINE_SECONDS), even
where PostgreSQL's own limits cannot see the wait: a statement held in a pooler's queue
while the database restarts is cancelled, the request answers the friendly 503 in
seconds, and what it was writing is not committed later (todo_web/deadline.py).

The queue is played by a forwarder that accepts connections and bytes but forwards
nothing (`TcpProxy.hold`), as PgBouncer does with clients waiting for a server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from todo_web.db import get_database, get_session
from todo_web.models import Task

from .client import Client
from .database import is_postgres
from .factories import ALICE, make_user
from .tcpproxy import TcpProxy

pytestmark = pytest.mark.skipif(not is_postgres(), reason="the deadline watches PostgreSQL")

MakeApp = Callable[..., Flask]

#: How long a held request may take in all: the deadline (1 s), the grace after the
#: cancel (1 s), and room for a slow machine; without the watchdog it waits for ever.
ANSWER_WITHIN = 20


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    target = make_url(database_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as forwarder:
        yield forwarder
        forwarder.release()


def app_behind(make_app: MakeApp, database_url: str, proxy: TcpProxy, **settings: object) -> Flask:
    proxied = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    return make_app(
        DATABASE_URL=proxied.render_as_string(hide_password=False),
        REQUEST_DEADLINE_SECONDS=1,
        **settings,
    )


def alice_behind(
    make_app: MakeApp, database_url: str, proxy: TcpProxy, db_session: Session
) -> Client:
    """Alice's browser, logged in to an app that reaches the database through `proxy`."""
    app = app_behind(make_app, database_url, proxy)
    make_user(db_session, ALICE)
    client: Client = app.test_client()  # type: ignore[assignment]
    assert client.log_in(ALICE).status_code == 302
    return client


def while_held(proxy: TcpProxy, send: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`send(*args, **kwargs)` while the forwarder holds everything; its answer, which
    must come within ANSWER_WITHIN seconds (the forwarder lets go either way)."""
    proxy.hold()
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(send, *args, **kwargs)
        try:
            return answer.result(timeout=ANSWER_WITHIN)
        finally:
            proxy.release()


def test_a_create_held_in_the_queue_answers_503_and_is_never_committed(
    make_app: MakeApp, database_url: str, proxy: TcpProxy, db_session: Session
) -> None:
    client = alice_behind(make_app, database_url, proxy, db_session)
    token = client.token()

    started = time.monotonic()
    response = while_held(proxy, client.post, "/tasks", data={"title": "Held", "csrf_token": token})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "briefly unavailable" in response.get_data(as_text=True)
    assert elapsed < ANSWER_WITHIN

    # What was held has reached the database by now, on a connection the app gave up on.
    assert client.get("/tasks").status_code == 200
    db_session.expire_all()
    assert db_session.scalars(select(Task.title)).all() == []


def test_a_page_view_held_in_the_queue_answers_503(
    make_app: MakeApp, database_url: str, proxy: TcpProxy, db_session: Session
) -> None:
    """A page view's first statement waits in the queue behind the pool's ping."""
    client = alice_behind(make_app, database_url, proxy, db_session)

    response = while_held(proxy, client.get, "/tasks")
    assert response.status_code == 503
    assert client.get("/tasks").status_code == 200


def test_no_statement_starts_after_the_deadline(make_app: MakeApp) -> None:
    app = make_app(REQUEST_DEADLINE_SECONDS=30)
    sent: list[str] = []
    event.listen(
        get_database(app).engine,
        "after_cursor_execute",
        lambda conn, cursor, statement, *args: sent.append(statement),
    )

    @app.get("/test/late")
    def late() -> str:
        get_session().execute(text("SELECT 'in time'"))
        g.request_deadline.expires_at = time.monotonic() - 1  # as if 30 s went by
        get_session().execute(text("SELECT 'too late'"))
        return "finished"

    response = app.test_client().get("/test/late")
    assert response.status_code == 503
    assert any("in time" in statement for statement in sent)
    assert not any("too late" in statement for statement in sent)


def test_a_deadline_of_zero_turns_the_watch_off(make_app: MakeApp) -> None:
    app = make_app(REQUEST_DEADLINE_SECONDS=0)

    @app.get("/test/deadline")
    def deadline() -> str:
        return str(g.get("request_deadline"))

    assert app.test_client().get("/test/deadline").get_data(as_text=True) == "None"
