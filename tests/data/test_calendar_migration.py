"""The calendar-secret migration fills every existing user and keeps their data, both ways."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from ..database import downgrade, fresh_database, upgrade

BEFORE = "211da63bfedb"
USER = text(
    "INSERT INTO users (email, password_hash, name, timezone, notify_task_changes, "
    "notify_daily_digest, session_token, created_at, updated_at) "
    "VALUES (:email, 'x', 'Someone', 'UTC', :no, :yes, 'token', :now, :now)"
)


def counts(url: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(  # type: ignore[return-value]
                connection.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("users", "tasks", "task_tags")
            )
    finally:
        engine.dispose()


def test_existing_users_get_a_secret_and_nothing_is_lost(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        upgrade(url, BEFORE)
        engine = create_engine(url)
        with engine.begin() as connection:
            for email in ("a@example.com", "b@example.com"):
                connection.execute(
                    USER, {"email": email, "no": False, "yes": True, "now": "2026-01-01"}
                )
            connection.execute(
                text(
                    "INSERT INTO tasks (user_id, title, description, status, priority, "
                    "created_at, updated_at) SELECT id, 'Task', '', 'pending', 2, :now, :now "
                    "FROM users"
                ),
                {"now": "2026-01-01"},
            )
            connection.execute(
                text("INSERT INTO tags (user_id, name) SELECT id, 'home' FROM users")
            )
            connection.execute(
                text(
                    "INSERT INTO task_tags (task_id, tag_id) SELECT tasks.id, tags.id "
                    "FROM tasks JOIN tags ON tags.user_id = tasks.user_id"
                )
            )
        engine.dispose()
        assert counts(url) == (2, 2, 2)

        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            secrets = connection.scalars(text("SELECT calendar_secret FROM users")).all()
        indexes = {index["name"]: index for index in inspect(engine).get_indexes("users")}
        engine.dispose()
        assert len(set(secrets)) == 2
        assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", secret) for secret in secrets)
        assert indexes["uq_users_calendar_secret"]["unique"]
        assert counts(url) == (2, 2, 2)

        downgrade(url, BEFORE)
        engine = create_engine(url)
        columns = {column["name"] for column in inspect(engine).get_columns("users")}
        engine.dispose()
        assert "calendar_secret" not in columns
        assert counts(url) == (2, 2, 2)
        upgrade(url)
        assert counts(url) == (2, 2, 2)
