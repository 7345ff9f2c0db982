"""The sharing migration on a filled database: every list gets its owner as a member, tasks
learn who made and completed them, the counts stay exact and are kept per member from then
on (triggers on tasks and on list_members, recreated after SQLite's rebuild), and the
downgrade leaves each user counting their own lists' tasks again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine

from .database import downgrade, fresh_database, upgrade

LISTS = "a7c3e19b5d24"
SHARING = "e5b8d2c6f013"


def rows(connection: Connection, sql: str) -> list[tuple]:
    return [tuple(row) for row in connection.exec_driver_sql(sql).all()]


def stored_counts(connection: Connection) -> list[tuple]:
    return rows(
        connection,
        "SELECT user_id, status, due_date, n FROM task_counts WHERE n <> 0 "
        "ORDER BY user_id, status, due_date",
    )


def counted_per_member(connection: Connection) -> list[tuple]:
    """The counts the slow way: each member's live tasks of their lists, without the tasks
    assigned to someone else."""
    return rows(
        connection,
        "SELECT m.user_id, t.status, t.due_date, count(*) FROM tasks t "
        "JOIN list_members m ON m.list_id = t.list_id "
        "WHERE t.deleted_at IS NULL AND (t.assignee_id IS NULL OR t.assignee_id = m.user_id) "
        "GROUP BY m.user_id, t.status, t.due_date ORDER BY m.user_id, t.status, t.due_date",
    )


def counted_per_owner(connection: Connection) -> list[tuple]:
    return rows(
        connection,
        "SELECT user_id, status, due_date, count(*) FROM tasks WHERE deleted_at IS NULL "
        "GROUP BY user_id, status, due_date ORDER BY user_id, status, due_date",
    )


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """At the lists revision: Ann (Inbox and Work) and Ben (Inbox), tasks in each, some
    completed, one deleted, some with due dates."""
    with fresh_database(tmp_path) as url:
        upgrade(url, LISTS)
        engine = create_engine(url)
        with engine.begin() as connection:
            for user_id, email in ((1, "ann@example.com"), (2, "ben@example.com")):
                connection.exec_driver_sql(
                    "INSERT INTO users (id, email, password_hash, name, timezone, "
                    "notify_task_changes, notify_daily_digest, session_token, created_at, "
                    f"updated_at) VALUES ({user_id}, '{email}', 'x', 'N', 'UTC', false, true, "
                    f"'t{user_id}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            for list_id, owner, name, inbox in (
                (1, 1, "Inbox", True),
                (2, 1, "Work", False),
                (3, 2, "Inbox", True),
            ):
                connection.exec_driver_sql(
                    "INSERT INTO lists (id, owner_id, name, is_inbox, position, open_count, "
                    f"created_at) VALUES ({list_id}, {owner}, '{name}', "
                    f"{'true' if inbox else 'false'}, {list_id}, 0, CURRENT_TIMESTAMP)"
                )
            for task_id, owner, list_id, status, due, deleted in (
                (10, 1, 1, "pending", "'2026-12-01'", False),
                (11, 1, 1, "completed", "NULL", False),
                (12, 1, 2, "pending", "'2026-12-01'", False),
                (13, 1, 2, "pending", "NULL", True),
                (14, 1, 2, "in_progress", "'2026-12-03'", False),
                (20, 2, 3, "pending", "NULL", False),
                (21, 2, 3, "completed", "'2026-11-30'", False),
            ):
                completed = "CURRENT_TIMESTAMP" if status == "completed" else "NULL"
                connection.exec_driver_sql(
                    "INSERT INTO tasks (id, user_id, list_id, position, title, description, "
                    "status, priority, due_date, completed_at, deleted_at, created_at, "
                    f"updated_at) VALUES ({task_id}, {owner}, {list_id}, {task_id}, "
                    f"'T{task_id}', '', '{status}', 2, {due}, {completed}, "
                    f"{'CURRENT_TIMESTAMP' if deleted else 'NULL'}, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                )
        try:
            yield url, engine
        finally:
            engine.dispose()


def test_owners_become_members_and_tasks_learn_who_made_them(
    filled: tuple[str, Engine],
) -> None:
    url, engine = filled
    with engine.connect() as connection:
        before = stored_counts(connection)
    upgrade(url, SHARING)
    with engine.connect() as connection:
        assert rows(connection, "SELECT list_id, user_id, role FROM list_members ORDER BY 1") == [
            (1, 1, "owner"),
            (2, 1, "owner"),
            (3, 2, "owner"),
        ]
        made = rows(connection, "SELECT id, created_by_id, completed_by_id FROM tasks ORDER BY id")
        assert made == [
            (10, 1, None),
            (11, 1, 1),
            (12, 1, None),
            (13, 1, None),
            (14, 1, None),
            (20, 2, None),
            (21, 2, 2),
        ]
        assert stored_counts(connection) == before == counted_per_member(connection)
        assert rows(connection, "SELECT id, version, member_count FROM lists ORDER BY id") == [
            (1, 0, 1),
            (2, 0, 1),
            (3, 0, 1),
        ]


def test_after_the_upgrade_counts_follow_members_and_assignees(
    filled: tuple[str, Engine],
) -> None:
    """The triggers at work: Ben joins Work (its tasks join his counts), a task there is
    assigned to Ann (it leaves Ben's), tasks change, a list is made (its owner becomes a
    member), Ben leaves. After each step the stored counts equal the slow count."""
    url, engine = filled
    upgrade(url, SHARING)
    steps = [
        "INSERT INTO list_members (list_id, user_id, role, created_at) "
        "VALUES (2, 2, 'editor', CURRENT_TIMESTAMP)",
        "UPDATE tasks SET assignee_id = 1 WHERE id = 12",
        "UPDATE tasks SET status = 'completed', completed_at = CURRENT_TIMESTAMP WHERE id = 14",
        "UPDATE tasks SET due_date = '2026-12-09' WHERE id = 12",
        "UPDATE tasks SET assignee_id = 2 WHERE id = 12",
        "INSERT INTO tasks (id, user_id, list_id, position, title, description, status, "
        "priority, created_at, updated_at) VALUES (15, 1, 2, 15, 'T15', '', 'pending', 2, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "UPDATE tasks SET deleted_at = CURRENT_TIMESTAMP WHERE id = 10",
        "UPDATE tasks SET list_id = 1 WHERE id = 15",
        "INSERT INTO lists (id, owner_id, name, is_inbox, position, open_count, created_at) "
        "VALUES (4, 2, 'Home', false, 4, 0, CURRENT_TIMESTAMP)",
        "UPDATE tasks SET assignee_id = NULL WHERE id = 12",
        "DELETE FROM list_members WHERE list_id = 2 AND user_id = 2",
        "DELETE FROM tasks WHERE id = 11",
    ]
    for step in steps:
        with engine.begin() as connection:
            connection.exec_driver_sql(step)
        with engine.connect() as connection:
            assert stored_counts(connection) == counted_per_member(connection), step
    with engine.connect() as connection:
        assert (4, 2, "owner") in rows(
            connection, "SELECT list_id, user_id, role FROM list_members"
        )
        # Each list's member count, kept by the triggers, is its members.
        assert rows(connection, "SELECT id, member_count FROM lists ORDER BY id") == rows(
            connection,
            "SELECT lists.id, count(list_members.user_id) FROM lists "
            "LEFT JOIN list_members ON list_members.list_id = lists.id "
            "GROUP BY lists.id ORDER BY lists.id",
        )
        versions = dict(rows(connection, "SELECT id, version FROM lists"))
        open_counts = dict(rows(connection, "SELECT id, open_count FROM lists"))
        live_open = dict(
            rows(
                connection,
                "SELECT list_id, count(*) FROM tasks WHERE deleted_at IS NULL "
                "AND status IN ('pending', 'in_progress') GROUP BY list_id",
            )
        )
    # Every write to a list's tasks moved its version on; a move, both lists'.
    assert versions[2] >= 7 and versions[1] >= 3 and versions[3] == 0
    assert {k: v for k, v in open_counts.items() if v} == live_open


def test_the_downgrade_counts_each_owners_tasks_again(filled: tuple[str, Engine]) -> None:
    url, engine = filled
    upgrade(url, SHARING)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO list_members (list_id, user_id, role, created_at) "
            "VALUES (2, 2, 'editor', CURRENT_TIMESTAMP)"
        )
        connection.exec_driver_sql("UPDATE tasks SET assignee_id = 2 WHERE id = 12")
    downgrade(url, LISTS)
    with engine.connect() as connection:
        assert stored_counts(connection) == counted_per_owner(connection)
        columns = rows(connection, "SELECT * FROM tasks WHERE id = 12")
    assert len(columns) == 1
    with engine.begin() as connection:
        # The earlier triggers are back: a new task counts for its owner alone.
        connection.exec_driver_sql(
            "INSERT INTO tasks (id, user_id, list_id, position, title, description, status, "
            "priority, created_at, updated_at) VALUES (16, 1, 2, 16, 'T16', '', 'pending', 2, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    with engine.connect() as connection:
        assert stored_counts(connection) == counted_per_owner(connection)
    upgrade(url, SHARING)
    with engine.connect() as connection:
        assert stored_counts(connection) == counted_per_member(connection)
