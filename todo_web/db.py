"""Engine, declarative base and the one-session-per-request rule.

A view asks for `get_session()`; the session is created on first use, lives in `flask.g`
and is closed at app-context teardown, rolled back first when the request failed. Views
commit once, at the end, after the query functions have done their work.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

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
    # The sqlite3 module's own transaction handling stays on: it opens the transaction at
    # the first write, not at the first read, so a request that reads and then writes waits
    # for another writer (busy_timeout) instead of failing on a stale snapshot.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def build_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    pool_timeout: int = 5,
    pool_recycle: int = 300,
    echo: bool = False,
) -> Engine:
    """An engine for PostgreSQL (pooled, pre-pinged) or SQLite (foreign keys on)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=pool_recycle,
        # Fail fast when the server is unreachable instead of hanging a worker.
        connect_args={"connect_timeout": 5},
    )


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
        )
    )
    app.extensions[EXTENSION_KEY] = database
    app.teardown_appcontext(_close_session)
    return database


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions[EXTENSION_KEY]


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = get_database().session_factory()
    return g.db_session


def close_request_session() -> None:
    """End the request's session early (rolling back anything not committed)."""
    _close_session(None)


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is not None:
            session.rollback()
    finally:
        session.close()  # rolls back whatever the view did not commit
