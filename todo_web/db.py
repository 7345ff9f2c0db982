"""Engine, declarative base and the one-session-per-request rule.

A view asks for `get_session()`; the session is created on first use, lives in `flask.g`
and is closed at app-context teardown, rolled back first when the request failed. Views
commit once, at the end, after the query functions have done their work.

Time limits on PostgreSQL. Every transaction the app opens starts with ``SET LOCAL
statement_timeout``, ``lock_timeout`` and ``idle_in_transaction_session_timeout``
(`Timeouts`), so one slow query, a row lock held elsewhere or a transaction left open
cannot keep a web worker thread busy for long; the request then answers 503 like any
other database failure. Per transaction rather than once per connection because of
Neon's pooled endpoint: PgBouncer in transaction mode refuses the ``options`` startup
parameter, and a session-level ``SET`` would stay on whichever server connection ran it,
to be picked up by some other client's transactions, while this one's next transaction
may run on a server connection without it. ``SET LOCAL`` lives and dies with its
transaction, so it means the same thing through any pooler or none. They cost no round
trip: they are sent with ``BEGIN`` and the transaction's first statement, in one query
message (todo_web/pg_transactions.py). Migrations run without these limits
(`build_engine` without `timeouts`): building an index may rightly take longer.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from . import deadline, pg_transactions

logger = logging.getLogger("todo_web.db")

EXTENSION_KEY = "todo_web.db"

#: Constraint names are part of the schema that migrations compare, so they are fixed here.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored as naive
    UTC and given their zone back when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC timestamp is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # SQLite leaves foreign keys off per connection unless asked; WAL lets readers and one
    # writer work at once, and busy_timeout waits for the writer instead of failing at once.
    # The sqlite3 module's own transaction handling stays on for reads: it opens a
    # transaction at the first write only, so reads see the latest commit. Writers begin
    # their transaction themselves (`_begin_sqlite`).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


#: Requests that only read: their transactions begin deferred.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Outside requests: whether this thread's SQLite transactions take the write lock when
#: they begin (`begin_writes_immediately`).
_WRITES_IMMEDIATELY: ContextVar[bool] = ContextVar("sqlite_writes_immediately", default=False)


def begin_writes_immediately() -> None:
    """Make this thread's SQLite transactions, outside requests, begin immediate: for a
    worker, whose rounds read and then write."""
    _WRITES_IMMEDIATELY.set(True)


def _begin_sqlite(connection: Connection) -> None:
    """Begin a transaction that may write with ``BEGIN IMMEDIATE``: it takes the write
    lock at once, waiting up to busy_timeout for another writer. Left to the sqlite3
    module, the transaction would begin at the first write, after the reads; had another
    connection written in between, SQLite would refuse that write at once with "database
    is locked" (busy_timeout does not apply to a stale snapshot). Requests that may write
    (any method but GET, HEAD and OPTIONS) and workers' rounds begin immediate; page views
    and other work outside requests (the command line, a shell) keep the module's
    handling, so that reading never waits for a writer nor holds the write lock."""
    if has_request_context():
        immediate = request.method not in READING_METHODS
    else:
        immediate = _WRITES_IMMEDIATELY.get()
    if immediate:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass(frozen=True)
class Timeouts:
    """PostgreSQL time limits for every transaction, in milliseconds; 0 means none."""

    statement_ms: int = 0
    lock_ms: int = 0
    idle_in_transaction_ms: int = 0

    def set_local_sql(self) -> str:
        return "; ".join(
            [
                f"SET LOCAL statement_timeout = {int(self.statement_ms)}",
                f"SET LOCAL lock_timeout = {int(self.lock_ms)}",
                "SET LOCAL idle_in_transaction_session_timeout = "
                f"{int(self.idle_in_transaction_ms)}",
                # The app's queries read a page of rows through indexes; compiling one to
                # machine code (JIT, which PostgreSQL starts on a high cost estimate, as a
                # recursive list tree gets) costs tens of milliseconds and never pays back.
                "SET LOCAL jit = off",
            ]
        )


def build_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    pool_timeout: int = 5,
    pool_recycle: int = 300,
    echo: bool = False,
    timeouts: Timeouts | None = None,
) -> Engine:
    """An engine for PostgreSQL or SQLite.

    PostgreSQL: pooled. With `timeouts` (the app's engine), every transaction begins with
    its first statement and gets the limits in the same round trip, with no ping at
    checkout (`pg_transactions`); without (migrations, the seed command), psycopg2's own
    transactions and a ping at checkout. SQLite: foreign keys on; a file database gets the
    same pool limits, so a request that cannot get a connection also gives up after
    `pool_timeout` seconds."""
    if url.startswith("sqlite"):
        pool_args: dict[str, Any] = {}
        if make_url(url).database not in (None, "", ":memory:"):
            pool_args = {
                "pool_size": pool_size,
                "max_overflow": max_overflow,
                "pool_timeout": pool_timeout,
            }
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False}, **pool_args
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_pre_ping=timeouts is None,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=pool_recycle,
        # Fail fast when the server is unreachable instead of hanging a worker.
        connect_args={"connect_timeout": 5},
    )
    if timeouts is not None:
        limits = timeouts.set_local_sql() if timeouts != Timeouts() else ""
        pg_transactions.begin_with_first_statement(engine, limits)
    return engine


class Database:
    """The engine and session factory of one app."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False)


def init_app(app: Flask) -> Database:
    config = app.config
    database = Database(
        build_engine(
            config["DATABASE_URL"],
            pool_size=config["DATABASE_POOL_SIZE"],
            max_overflow=config["DATABASE_MAX_OVERFLOW"],
            pool_timeout=config["DATABASE_POOL_TIMEOUT"],
            pool_recycle=config["DATABASE_POOL_RECYCLE"],
            echo=config["SQL_ECHO"],
            timeouts=Timeouts(
                statement_ms=config["DATABASE_STATEMENT_TIMEOUT_MS"],
                lock_ms=config["DATABASE_LOCK_TIMEOUT_MS"],
                idle_in_transaction_ms=config["DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS"],
            ),
        )
    )
    app.extensions[EXTENSION_KEY] = database
    app.teardown_appcontext(_close_session)
    deadline.init_app(app, database.engine)
    return database


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions[EXTENSION_KEY]


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = get_database().session_factory()
    return g.db_session


def rollback_request_session() -> None:
    """Roll the request's session back (after a failed statement, so the error page can
    still query); its objects stay attached and reload on next use."""
    session: Session | None = g.get("db_session")
    if session is not None:
        _end_or_discard(session, session.rollback, "failed")


def close_request_session() -> None:
    """End the request's session early (rolling back anything not committed)."""
    _close_session(None)


def _close_session(exc: BaseException | None) -> None:
    """Roll back and close the request's session. A connection that died after the view
    ran (the server restarted, the pooler dropped it) cannot roll back; the answer the
    view made stands, so the error is logged, the connection discarded, and the request
    ends as it was going to."""
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    if exc is not None:
        _end_or_discard(session, session.rollback, "failed at its end")
    # close() rolls back whatever the view did not commit
    _end_or_discard(session, session.close, "failed at its end")


def _end_or_discard(session: Session, end: Callable[[], None], failed: str) -> None:
    """`end()` the session's transaction (rollback or close); on a connection that is
    gone there is nothing left to end, so the error is logged and the connection
    discarded instead of failing the request."""
    try:
        end()
    except DBAPIError as error:
        logger.warning("the request's database connection %s: %s", failed, error)
        session.invalidate()
