"""Alembic environment.

The database URL comes from the same place the app takes it (DATABASE_URL, or the SQLite
file in instance/). Tests hand in the URL of their own database through
``config.attributes["url"]`` (tests/database.py).
"""

from __future__ import annotations

from pathlib import Path

from alembic import context
from sqlalchemy import Connection

from todo_web.config import database_url_from_env
from todo_web.db import UTCDateTime, build_engine
from todo_web.models import Base, PriorityType

PROJECT_ROOT = Path(__file__).resolve().parent.parent
target_metadata = Base.metadata

#: Indexes that only exist on PostgreSQL (full-text search) and are created by hand in a
#: migration; autogenerate must not offer to drop them.
POSTGRES_ONLY_INDEXES = {"ix_tasks_search"}


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES)


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write the app's column types as the plain SQLAlchemy types they store as, so that
    migrations do not import application code that may change later."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, PriorityType):
        return "sa.SmallInteger()"
    return False


def run_with_connection(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        _run_sqlite(connection)
        return
    _run(connection)


def _run_sqlite(connection: Connection) -> None:
    """Run with foreign keys off, as SQLite's own procedure for schema changes says.

    Batch mode changes a table by copying it and dropping the old one; with foreign keys on,
    that DROP fires ON DELETE CASCADE and empties every table that points at it (task_tags
    when tasks is rebuilt). The pragma only takes effect outside a transaction, so it is set
    before the migration's transaction and checked and restored after it.
    """
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        _run(connection)
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by the migration: {problems[:5]}")
    finally:
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=include_name,
        compare_type=True,
        render_item=render_item,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = context.config.attributes.get("url") or database_url_from_env(PROJECT_ROOT / "instance")
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            run_with_connection(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
run_migrations_online()
