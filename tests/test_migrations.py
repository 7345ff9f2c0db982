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
