"""The migrations build the schema the models describe, and undo it cleanly."""

from __future__ import annotations

import warnings
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from todo_web.db import Base

from .database import downgrade, fresh_database, upgrade

APP_TABLES = {"users", "tasks", "tags", "task_tags", "outbox"}


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        upgrade(url)
        assert table_names(url) >= APP_TABLES
        downgrade(url, "base")
        assert table_names(url) == set()
        upgrade(url)
        assert table_names(url) >= APP_TABLES


def test_models_match_migrations(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        upgrade(url)
        engine = create_engine(url)
        try:
            with engine.connect() as connection, warnings.catch_warnings():
                # SQLite cannot reflect expression indexes; Alembic says so and skips them.
                warnings.filterwarnings("ignore", message=".*expression-based index.*")
                context = MigrationContext.configure(
                    connection,
                    opts={
                        "compare_type": True,
                        "include_name": lambda name, type_, parents: name != "ix_tasks_search",
                    },
                )
                differences = compare_metadata(context, Base.metadata)
        finally:
            engine.dispose()
    assert differences == []


def test_upgrades_keep_existing_data(tmp_path: Path) -> None:
    """A database with users, tasks and tags keeps them through every later migration (on
    SQLite, batch mode rebuilds tables: cascades must not fire)."""
    with fresh_database(tmp_path) as url:
        upgrade(url, "5d1c0e7a9b21")  # users, tasks, tags and the search index
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "INSERT INTO users (id, email, password_hash, name, timezone, "
                    "notify_task_changes, notify_daily_digest, session_token, created_at, "
                    "updated_at) VALUES (1, 'a@example.com', 'x', 'A', 'UTC', false, true, "
                    "'t', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
                connection.exec_driver_sql(
                    "INSERT INTO tasks (id, user_id, title, description, status, priority, "
                    "created_at, updated_at) VALUES (1, 1, 'Kept', '', 'pending', 2, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
                connection.exec_driver_sql(
                    "INSERT INTO tags (id, user_id, name) VALUES (1, 1, 'x')"
                )
                connection.exec_driver_sql("INSERT INTO task_tags (task_id, tag_id) VALUES (1, 1)")
            upgrade(url)
            with engine.connect() as connection:
                counts = {
                    table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                    for table in ("users", "tasks", "tags", "task_tags")
                }
        finally:
            engine.dispose()
    assert counts == {"users": 1, "tasks": 1, "tags": 1, "task_tags": 1}
