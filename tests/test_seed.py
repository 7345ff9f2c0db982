"""`flask --app wsgi seed` on a small scale: what it writes, that its accounts log in and
work, and that it keeps off a database that already has users."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from todo_web.db import get_database
from todo_web.models import Tag, Task, TaskCount, User, task_tags
from todo_web.seed import HEAVY_EMAIL, SEED_PASSWORD

from .client import Client, total_count
from .database import is_postgres

requires_postgres = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL time limits")

SMALL = ["seed", "--users", "3", "--tasks-per-user", "20", "--heavy-tasks", "60"]


def run_seed(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args))


def test_seed_writes_users_tasks_and_tags(app: Flask, db_session: Session) -> None:
    result = run_seed(app, *SMALL)

    assert result.exit_code == 0, result.output
    assert "Seeded 4 users" in result.output
    assert HEAVY_EMAIL in result.output
    emails = set(db_session.scalars(select(User.email)))
    assert emails == {"user1@seed.example", "user2@seed.example", "user3@seed.example", HEAVY_EMAIL}
    per_user = dict(
        db_session.execute(
            select(User.email, func.count(Task.id)).join(Task).group_by(User.email)
        ).all()
    )
    assert per_user == {**{f"user{n}@seed.example": 20 for n in (1, 2, 3)}, HEAVY_EMAIL: 60}

    tasks = db_session.scalars(select(Task)).all()
    assert {task.status for task in tasks} >= {"pending", "completed"}
    assert len({task.priority for task in tasks}) == 3
    dated = [task.due_date for task in tasks if task.due_date]
    assert dated and min(dated) < max(dated)
    assert all(task.due_date for task in tasks if task.recurrence)
    # Tags belong to the task's own user, never to someone else's.
    cross_user = db_session.scalar(
        select(func.count())
        .select_from(task_tags)
        .join(Task, Task.id == task_tags.c.task_id)
        .join(Tag, Tag.id == task_tags.c.tag_id)
        .where(Tag.user_id != Task.user_id)
    )
    assert cross_user == 0
    assert db_session.scalar(select(func.count()).select_from(task_tags)) > 0
    # The per-user counts (task_counts) were built for the seeded tasks too.
    counted = dict(
        db_session.execute(
            select(TaskCount.user_id, func.sum(TaskCount.n)).group_by(TaskCount.user_id)
        ).all()
    )
    live = dict(
        db_session.execute(
            select(Task.user_id, func.count())
            .where(Task.deleted_at.is_(None))
            .group_by(Task.user_id)
        ).all()
    )
    assert counted == live


def test_seeded_user_logs_in_sees_tasks_and_adds_one(app: Flask, client: Client) -> None:
    assert run_seed(app, *SMALL).exit_code == 0

    assert client.log_in("user2@seed.example", SEED_PASSWORD).status_code == 302
    total = total_count(client.get("/tasks?status=all"))
    assert 0 < total <= 20

    # Ids were assigned by the seed: the sequences must have moved past them.
    response = client.submit("/tasks", {"title": "After the seed"})
    assert response.status_code == 302
    assert "After the seed" in client.get("/tasks").get_data(as_text=True)


def test_seed_refuses_a_database_with_users_unless_forced(app: Flask, db_session: Session) -> None:
    assert run_seed(app, *SMALL).exit_code == 0

    refused = run_seed(app, *SMALL)
    assert refused.exit_code != 0
    assert "already has 4 users" in refused.output
    assert db_session.scalar(select(func.count()).select_from(User)) == 4

    forced = run_seed(
        app, "seed", "--users", "2", "--tasks-per-user", "5", "--heavy-tasks", "5", "--force"
    )
    assert forced.exit_code == 0, forced.output
    emails = set(db_session.scalars(select(User.email)))
    assert {"user4@seed.example", "user5@seed.example", "heavy2@seed.example"} <= emails
    assert db_session.scalar(select(func.count()).select_from(User)) == 7


def test_same_seed_value_gives_the_same_tasks(app: Flask, db_session: Session) -> None:
    once = ["seed", "--users", "1", "--tasks-per-user", "15", "--heavy-tasks", "0"]
    assert run_seed(app, *once).exit_code == 0
    first = db_session.scalars(select(Task.title).order_by(Task.id)).all()
    assert run_seed(app, *once, "--force").exit_code == 0
    both = db_session.scalars(select(Task.title).order_by(Task.id)).all()
    assert both[15:] == first


@requires_postgres
def test_seed_is_not_held_to_the_web_requests_statement_timeout(
    make_app: Callable[..., Flask],
) -> None:
    """The app's engine cancels any statement after DATABASE_STATEMENT_TIMEOUT_MS; the seed
    builds indexes and counts over a million rows and must not be cut off by that limit."""
    strict = make_app(DATABASE_STATEMENT_TIMEOUT_MS=1)
    with (
        pytest.raises(OperationalError, match="statement timeout"),
        get_database(strict).engine.begin() as connection,
    ):
        connection.execute(text("SELECT pg_sleep(0.05)"))

    result = run_seed(strict, *SMALL)

    assert result.exit_code == 0, result.output
    assert "Seeded 4 users" in result.output
