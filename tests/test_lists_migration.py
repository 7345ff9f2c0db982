"""The lists migration on a filled database: every user gets an Inbox holding their tasks in
the order they were made, open counts are exact and kept by triggers from then on, the
task_counts triggers survive SQLite's table rebuild, and the downgrade keeps every task."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine

from .database import downgrade, fresh_database, upgrade

BEFORE = "c41d7e0a5b92"
LISTS = "a7c3e19b5d24"


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A database at the revision before lists with two users: Ann with six tasks (two
    completed, one deleted), Ben with three; tags on some."""
    with fresh_database(tmp_path) as url:
        upgrade(url, BEFORE)
        engine = create_engine(url)
        with engine.begin() as connection:
            for user_id, email in ((1, "ann@example.com"), (2, "ben@example.com")):
                connection.exec_driver_sql(
                    "INSERT INTO users (id, email, password_hash, name, timezone, "
                    "notify_task_changes, notify_daily_digest, session_token, created_at, "
                    f"updated_at) VALUES ({user_id}, '{email}', 'x', 'N', 'UTC', false, true, "
                    f"'t{user_id}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            rows = [
                (10, 1, "pending", None),
                (11, 1, "completed", None),
                (12, 1, "in_progress", None),
                (13, 1, "pending", "CURRENT_TIMESTAMP"),
                (14, 1, "completed", None),
                (15, 1, "pending", None),
                (20, 2, "pending", None),
                (21, 2, "cancelled", None),
                (22, 2, "pending", None),
            ]
            for task_id, user_id, status, deleted in rows:
                completed = "CURRENT_TIMESTAMP" if status == "completed" else "NULL"
                connection.exec_driver_sql(
                    "INSERT INTO tasks (id, user_id, title, description, status, priority, "
                    "completed_at, deleted_at, created_at, updated_at) VALUES "
                    f"({task_id}, {user_id}, 'T{task_id}', '', '{status}', 2, {completed}, "
                    f"{deleted or 'NULL'}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            connection.exec_driver_sql("INSERT INTO tags (id, user_id, name) VALUES (1, 1, 'x')")
            connection.exec_driver_sql("INSERT INTO task_tags (task_id, tag_id) VALUES (10, 1)")
        try:
            yield url, engine
        finally:
            engine.dispose()


def rows(connection: Connection, sql: str) -> list[tuple]:
    return [tuple(row) for row in connection.exec_driver_sql(sql).all()]


def task_counts(connection: Connection) -> list[tuple]:
    return rows(
        connection,
        "SELECT user_id, status, n FROM task_counts WHERE n > 0 ORDER BY user_id, status",
    )


def test_every_user_gets_an_inbox_with_their_tasks_in_order(
    filled: tuple[str, Engine],
) -> None:
    url, engine = filled
    with engine.connect() as connection:
        counts_before = task_counts(connection)
    upgrade(url, LISTS)
    with engine.begin() as connection:
        lists = rows(
            connection,
            "SELECT owner_id, name, is_inbox, open_count FROM lists ORDER BY owner_id",
        )
        assert [(o, n, bool(i), c) for o, n, i, c in lists] == [
            (1, "Inbox", True, 3),  # 10, 12, 15 (13 is deleted)
            (2, "Inbox", True, 2),  # 20, 22
        ]
        placed = rows(
            connection,
            "SELECT tasks.id FROM tasks JOIN lists ON lists.id = tasks.list_id "
            "AND lists.owner_id = tasks.user_id WHERE tasks.parent_id IS NULL "
            "ORDER BY tasks.user_id, tasks.position",
        )
        assert [row[0] for row in placed] == [10, 11, 12, 13, 14, 15, 20, 21, 22]
        assert task_counts(connection) == counts_before
        # The triggers of both counts work on the rebuilt table.
        inbox = connection.exec_driver_sql("SELECT id FROM lists WHERE owner_id = 1").scalar_one()
        connection.exec_driver_sql(
            "INSERT INTO tasks (id, user_id, list_id, title, description, status, priority, "
            f"position, created_at, updated_at) VALUES (30, 1, {inbox}, 'New', '', 'pending', "
            "2, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        connection.exec_driver_sql(
            "UPDATE tasks SET status = 'completed', completed_at = CURRENT_TIMESTAMP WHERE id = 10"
        )
        assert rows(connection, f"SELECT open_count FROM lists WHERE id = {inbox}") == [(3,)]
        # Ann: a pending task added and one completed: pending stays 2, completed 2 -> 3.
        ann = {s: n for u, s, n in task_counts(connection) if u == 1}
        assert (ann["pending"], ann["completed"]) == (2, 3)
        assert rows(connection, "SELECT count(*) FROM task_tags") == [(1,)]


def test_the_downgrade_keeps_every_task_and_the_counts_working(
    filled: tuple[str, Engine],
) -> None:
    url, engine = filled
    upgrade(url, LISTS)
    downgrade(url, BEFORE)
    with engine.begin() as connection:
        assert rows(connection, "SELECT count(*) FROM tasks") == [(9,)]
        assert rows(connection, "SELECT count(*) FROM task_tags") == [(1,)]
        before = task_counts(connection)
        connection.exec_driver_sql(
            "UPDATE tasks SET status = 'pending', completed_at = NULL WHERE id = 11"
        )
        after = dict(((u, s), n) for u, s, n in task_counts(connection))
        assert after[(1, "pending")] == dict(((u, s), n) for u, s, n in before)[(1, "pending")] + 1
    upgrade(url)  # and up again, to head
