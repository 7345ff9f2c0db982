"""Time limits that keep one slow query, held lock or lost database from taking a web
worker hostage: statement, lock and idle-in-transaction time-outs on PostgreSQL, the pool
time-out on both databases, and quick friendly 503s while the database is away.

Slow routes are added to the app inside the tests; the app itself has none.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import psycopg2
import pytest
from flask import Flask
from flask import g as flask_g
from sqlalchemy import event, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from todo_web.config import ConfigError, load_config
from todo_web.db import get_database, get_session, utcnow
from todo_web.models import LoginSession

from .client import Client
from .database import is_postgres
from .factories import ALICE, make_user
from .push_service import wait_for
from .tcpproxy import TcpProxy

MakeApp = Callable[..., Flask]

requires_postgres = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL settings")

#: Nothing listens on port 1 of the loopback address: connecting is refused at once.
UNREACHABLE_URL = "postgresql+psycopg2://postgres@127.0.0.1:1/nothing"


def add_sql_route(app: Flask, *statements: str, pause: float = 0.0) -> None:
    """`GET /test/sql`: run `statements` in the request's session (pausing `pause`
    seconds after the first), commit, and answer what the last one returned."""

    @app.get("/test/sql")
    def run_sql() -> str:
        session = get_session()
        result = None
        for number, statement in enumerate(statements):
            rows = session.execute(text(statement))
            result = rows.scalar() if rows.returns_rows else rows.rowcount
            if number == 0 and pause:
                time.sleep(pause)
        session.commit()
        return str(result)


def timed_get(app: Flask, path: str, **kwargs: object) -> tuple[int, float, str]:
    started = time.monotonic()
    response = app.test_client().get(path, **kwargs)
    return response.status_code, time.monotonic() - started, response.get_data(as_text=True)


def assert_friendly_503(status: int, body: str) -> None:
    assert status == 503
    assert "briefly unavailable" in body
    assert "Traceback" not in body and "psycopg2" not in body


# -- configuration -------------------------------------------------------------------------


def test_time_limits_have_defaults_and_come_from_the_environment(tmp_path) -> None:
    defaults = load_config(tmp_path, environ={})
    assert defaults["DATABASE_STATEMENT_TIMEOUT_MS"] == 5000
    assert defaults["DATABASE_LOCK_TIMEOUT_MS"] == 2000
    assert defaults["DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS"] == 10_000
    config = load_config(
        tmp_path,
        environ={
            "DATABASE_STATEMENT_TIMEOUT_MS": "1500",
            "DATABASE_LOCK_TIMEOUT_MS": "0",
            "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS": "60000",
        },
    )
    assert config["DATABASE_STATEMENT_TIMEOUT_MS"] == 1500
    assert config["DATABASE_LOCK_TIMEOUT_MS"] == 0
    assert config["DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS"] == 60000


def test_a_negative_time_limit_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="DATABASE_STATEMENT_TIMEOUT_MS must be at least 0"):
        load_config(tmp_path, environ={"DATABASE_STATEMENT_TIMEOUT_MS": "-1"})


# -- PostgreSQL time-outs ------------------------------------------------------------------


@requires_postgres
def test_every_transaction_gets_the_limits_and_the_connection_keeps_none(make_app: MakeApp) -> None:
    """SET LOCAL in each transaction: a pooler that hands the server connection to someone
    else after the transaction (PgBouncer in transaction mode) leaves nothing behind."""
    app = make_app(
        DATABASE_POOL_SIZE=1,
        DATABASE_MAX_OVERFLOW=0,
        DATABASE_STATEMENT_TIMEOUT_MS=1234,
        DATABASE_LOCK_TIMEOUT_MS=567,
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS=8901,
    )
    add_sql_route(
        app,
        "SELECT current_setting('statement_timeout') || ' ' || "
        "current_setting('lock_timeout') || ' ' || "
        "current_setting('idle_in_transaction_session_timeout')",
    )
    for _ in range(2):  # the second request reuses the pooled connection
        assert timed_get(app, "/test/sql")[2] == "1234ms 567ms 8901ms"
    raw = get_database(app).engine.raw_connection()
    try:
        raw.dbapi_connection.autocommit = True  # type: ignore[union-attr]
        cursor = raw.cursor()
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
    finally:
        raw.close()


@requires_postgres
def test_the_limits_ride_with_the_first_statement_not_a_round_trip_of_their_own(
    make_app: MakeApp,
) -> None:
    """Two statements in the request, two trips to the server: BEGIN and the SET LOCAL
    are sent in front of the first one; a later transaction on the same connection gets
    them again. (tests/test_round_trips.py counts the trips at the wire.)"""
    app = make_app(
        DATABASE_POOL_SIZE=1, DATABASE_MAX_OVERFLOW=0, DATABASE_STATEMENT_TIMEOUT_MS=4321
    )
    add_sql_route(app, "SELECT 1", "SELECT current_setting('statement_timeout')")
    sent: list[str] = []
    engine = get_database(app).engine
    listener = lambda *args: sent.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "after_cursor_execute", listener)
    try:
        for _ in range(2):
            sent.clear()
            assert timed_get(app, "/test/sql")[2] == "4321ms"
            assert len(sent) == 2
            assert sent[0].startswith("BEGIN; SET LOCAL statement_timeout = 4321;")
            assert sent[0].endswith("SELECT 1") and "SET LOCAL" not in sent[1]
    finally:
        event.remove(engine, "after_cursor_execute", listener)


@requires_postgres
def test_a_server_side_cursor_gets_the_limits_too(make_app: MakeApp) -> None:
    """DECLARE takes one statement: a streamed query gets the limits from a statement
    of their own."""
    app = make_app(DATABASE_STATEMENT_TIMEOUT_MS=2468)

    @app.get("/test/streamed")
    def streamed() -> str:
        rows = get_session().execute(
            text("SELECT current_setting('statement_timeout')"),
            execution_options={"stream_results": True},
        )
        return str(rows.scalar())

    assert timed_get(app, "/test/streamed")[2] == "2468ms"


@requires_postgres
def test_a_slow_query_is_cancelled_and_the_request_answers_503(make_app: MakeApp) -> None:
    app = make_app(DATABASE_STATEMENT_TIMEOUT_MS=300)
    add_sql_route(app, "SELECT pg_sleep(10)")
    status, elapsed, body = timed_get(app, "/test/sql")
    assert_friendly_503(status, body)
    assert elapsed < 5  # cancelled at 0.3 s; without the limit it takes 10 s
    with get_database(app).engine.connect() as connection:
        still_running = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND state = 'active' "
                "AND query LIKE 'SELECT pg_sleep(10)%'"
            )
        ).scalar()
    assert still_running == 0, "the server went on with the cancelled query"


@requires_postgres
def test_a_held_row_lock_is_given_up_on_after_the_lock_timeout(
    make_app: MakeApp, db_session: Session
) -> None:
    app = make_app(DATABASE_LOCK_TIMEOUT_MS=300, DATABASE_STATEMENT_TIMEOUT_MS=5000)
    add_sql_route(app, "UPDATE users SET name = 'Changed' WHERE email = 'locked@example.com'")
    make_user(db_session, "locked@example.com")
    with get_database(app).engine.connect() as holder:
        # Bounded even if the app waited forever: the holder's session ends after 4 s.
        holder.execute(text("SET LOCAL idle_in_transaction_session_timeout = 4000"))
        holder.execute(text("SELECT id FROM users WHERE email = 'locked@example.com' FOR UPDATE"))
        status, elapsed, body = timed_get(app, "/test/sql")
        holder.rollback()
    assert_friendly_503(status, body)
    assert elapsed < 3.5, "waited for the statement time-out instead of the lock time-out"
    assert timed_get(app, "/test/sql")[0] == 200  # once the lock is gone, it works


@requires_postgres
def test_a_transaction_left_idle_is_ended_and_the_pool_recovers(make_app: MakeApp) -> None:
    app = make_app(DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS=300, DATABASE_POOL_SIZE=1)
    add_sql_route(app, "SELECT 1", "SELECT 2", pause=1.0)

    @app.get("/test/quick")
    def quick() -> str:
        return str(get_session().execute(text("SELECT 42")).scalar())

    status, _, body = timed_get(app, "/test/sql")
    assert_friendly_503(status, body)
    status, _, body = timed_get(app, "/test/quick")
    assert (status, body) == (200, "42")


# -- the pool ------------------------------------------------------------------------------


def test_an_exhausted_pool_answers_503_within_the_pool_timeout(make_app: MakeApp) -> None:
    app = make_app(DATABASE_POOL_SIZE=1, DATABASE_MAX_OVERFLOW=0, DATABASE_POOL_TIMEOUT=1)
    add_sql_route(app, "SELECT 1")
    with get_database(app).engine.connect() as hog:
        hog.execute(text("SELECT 1"))
        status, elapsed, body = timed_get(app, "/test/sql")
        htmx_status, _, htmx_body = timed_get(app, "/test/sql", headers={"HX-Request": "true"})
    assert_friendly_503(status, body)
    assert 0.9 <= elapsed < 4
    assert htmx_status == 503 and "briefly unavailable" in htmx_body
    assert timed_get(app, "/test/sql")[:3:2] == (200, "1")


# -- an unreachable database ---------------------------------------------------------------


def test_an_unreachable_database_answers_503_at_once_and_holds_no_pool_slot(
    make_app: MakeApp,
) -> None:
    """Connections that fail are not kept: many more requests than the pool has slots all
    answer at once, none waits for the pool time-out."""
    app = make_app(
        DATABASE_URL=UNREACHABLE_URL,
        DATABASE_POOL_SIZE=2,
        DATABASE_MAX_OVERFLOW=0,
        DATABASE_POOL_TIMEOUT=5,
    )
    client: Client = app.test_client()  # type: ignore[assignment]
    token = client.token()  # the login page itself needs no database
    slowest = 0.0
    for number in range(10):
        started = time.monotonic()
        if number % 2:
            response = client.post(
                "/auth/login",
                data={"email": "a@example.com", "password": "x" * 10, "csrf_token": token},
            )
        else:
            response = client.get("/healthz")
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 503
    assert slowest < 2.5  # well under the 5 s pool time-out

    with client.session_transaction() as session:
        session["_user_id"] = "1:token:session"  # a user lookup, which needs the database
    started = time.monotonic()
    response = client.get("/tasks", headers={"HX-Request": "true"})
    assert response.status_code == 503 and time.monotonic() - started < 2.5
    assert response.headers["HX-Retarget"] == "#toasts"
    assert response.headers["Retry-After"] == "5"
    body = response.get_data(as_text=True)
    assert "briefly unavailable" in body and "Traceback" not in body


def test_a_connection_lost_mid_request_is_a_503_not_a_500(make_app: MakeApp) -> None:
    """psycopg2 reports some lost connections as InterfaceError ("connection already
    closed"), which is no OperationalError."""
    app = make_app()

    @app.get("/test/lost")
    def lost() -> str:
        raise InterfaceError("SELECT 1", {}, psycopg2.InterfaceError("connection already closed"))

    status, _, body = timed_get(app, "/test/lost")
    assert_friendly_503(status, body)


def test_failing_to_record_session_activity_keeps_the_answer(
    app: Flask, alice_client: Client, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Noting when a login session was last used happens after the view; if the database
    is gone by then, the page the view made is still the answer."""
    db_session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=30)))
    db_session.commit()
    engine = get_database(app).engine

    def unavailable(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        raise OperationalError("UPDATE login_sessions", {}, Exception("server closed"))

    monkeypatch.setattr(engine, "begin", unavailable)
    response = alice_client.get("/tasks")
    assert response.status_code == 200


# -- outage and recovery -------------------------------------------------------------------


@requires_postgres
def test_the_app_recovers_by_itself_when_the_database_comes_back(
    make_app: MakeApp, database_url: str, db_session: Session
) -> None:
    """The database goes away (a forwarder in front of it is cut) and comes back: requests
    meanwhile answer 503 at once, and within seconds of its return the same app serves
    again, without a restart."""
    target = make_url(database_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
        app = make_app(DATABASE_URL=proxied)
        make_user(db_session, ALICE)
        client: Client = app.test_client()  # type: ignore[assignment]
        assert client.log_in(ALICE).status_code == 302
        assert client.submit("/tasks", {"title": "Before the outage"}).status_code == 302

        token = client.token()
        proxy.cut()
        for path in ("/tasks", "/tasks?status=all", "/healthz"):
            started = time.monotonic()
            assert client.get(path).status_code == 503
            assert time.monotonic() - started < 3
        started = time.monotonic()
        response = client.post("/tasks", data={"title": "During", "csrf_token": token})
        assert response.status_code == 503 and time.monotonic() - started < 3

        proxy.restore()
        back = time.monotonic()
        while client.get("/tasks").status_code != 200:
            assert time.monotonic() - back < 5, "not serving 5 s after the database returned"
            time.sleep(0.1)
        page = client.get("/tasks").get_data(as_text=True)
        assert "Before the outage" in page and "During" not in page


@requires_postgres
def test_a_connection_that_dies_after_the_view_ran_leaves_its_answer(
    make_app: Callable[..., Flask], db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """The server drops the request's connection between the view and the teardown (a
    restart, a pooler): the rollback at the end cannot run, and the answer the view made
    is what the user gets, not a bare 500; the next request gets a fresh connection."""
    app = make_app()
    make_user(db_session)
    admin = get_database(app).engine

    @app.after_request
    def drop_the_connection(response: object) -> object:
        if "db_session" in flask_g:
            pid = get_session().scalar(text("SELECT pg_backend_pid()"))
            with admin.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                connection.commit()
            wait_for(lambda: not _backend_alive(admin, pid), 20, "the backend to end")
        return response

    client: Client = app.test_client()  # type: ignore[assignment]
    client.log_in(ALICE)
    page = client.get("/tasks")
    assert page.status_code == 200 and "All open" in page.get_data(as_text=True)
    assert "database connection failed at its end" in caplog.text


def _backend_alive(engine: object, pid: int) -> bool:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return bool(
            connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
            )
        )
