"""`flask --app wsgi seed` on a small scale: what it writes (lists, a tree of tasks in
manual order, counts that match), that its accounts log in and work, and that it keeps off
a database that already has users."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from todo_web.db import get_database
from todo_web.models import OPEN_STATUSES, Tag, Task, TaskCount, TaskList, User, task_tags
from todo_web.ordering import GAP
from todo_web.seed import HEAVY_EMAIL, SEED_PASSWORD
from todo_web.tasks.tree import path_segment

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
            select(User.email, func.count(Task.id))
            .join(Task, Task.user_id == User.id)
            .group_by(User.email)
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


def test_seed_gives_every_user_an_inbox_and_lists_with_true_open_counts(
    app: Flask, db_session: Session
) -> None:
    assert run_seed(app, *SMALL).exit_code == 0

    lists = db_session.scalars(select(TaskList)).all()
    by_owner: dict[int, list[TaskList]] = {}
    for task_list in lists:
        by_owner.setdefault(task_list.owner_id, []).append(task_list)
    assert set(by_owner) == set(db_session.scalars(select(User.id)))
    for owned in by_owner.values():
        assert [item.name for item in owned if item.is_inbox] == ["Inbox"]
        assert 5 <= len(owned) - 1 <= 15
        assert len({item.name.lower() for item in owned}) == len(owned)
        assert len({item.position for item in owned}) == len(owned)
        assert all(item.deleted_at is None for item in owned)
    # The lists differ from user to user: the count and names are drawn for each.
    assert len({tuple(sorted(item.name for item in owned)) for owned in by_owner.values()}) > 1

    # Each task is in a list of its own user's; the Inbox takes a share and so do others.
    owner_of = {item.id: item.owner_id for item in lists}
    tasks = db_session.scalars(select(Task)).all()
    assert all(owner_of[task.list_id] == task.user_id for task in tasks)
    inbox_ids = {item.id for item in lists if item.is_inbox}
    in_inbox = sum(task.list_id in inbox_ids for task in tasks)
    assert 0 < in_inbox < len(tasks) / 2

    # open_count is what a count of the list's open, live tasks says, for every list.
    real = dict(
        db_session.execute(
            select(Task.list_id, func.count())
            .where(Task.deleted_at.is_(None), Task.status.in_(OPEN_STATUSES))
            .group_by(Task.list_id)
        ).all()
    )
    assert {item.id: item.open_count for item in lists} == {
        item.id: real.get(item.id, 0) for item in lists
    }
    assert sum(real.values()) > 0


def test_seeded_subtasks_stay_in_their_parents_list_in_a_gapped_order(
    app: Flask, db_session: Session
) -> None:
    assert run_seed(app, *SMALL).exit_code == 0

    tasks = {task.id: task for task in db_session.scalars(select(Task))}
    subtasks = [task for task in tasks.values() if task.parent_id is not None]
    assert 0 < len(subtasks) < len(tasks) / 4

    def depth(task: Task) -> int:
        return 0 if task.parent_id is None else 1 + depth(tasks[task.parent_id])

    for task in subtasks:
        parent = tasks[task.parent_id]  # type: ignore[index]
        assert parent.list_id == task.list_id
        assert parent.user_id == task.user_id
        assert parent.id < task.id
        # What the app keeps true: nothing live under a deleted parent, nothing open under
        # a closed one.
        assert parent.deleted_at is None
        if task.status in OPEN_STATUSES:
            assert parent.status in OPEN_STATUSES
        assert 1 <= depth(task) <= 3

    # Each task's order_path is what the triggers would have written: its parent's, then
    # its own position.
    for task in tasks.values():
        above = tasks[task.parent_id].order_path if task.parent_id else ""
        assert task.order_path == above + path_segment(task.position)

    # Siblings (same list, same parent) are in the order they were made, with room for
    # the midpoint moves of todo_web.ordering between neighbours.
    siblings: dict[tuple[int, int | None], list[Task]] = {}
    for task in sorted(tasks.values(), key=lambda task: task.id):
        siblings.setdefault((task.list_id, task.parent_id), []).append(task)
    assert any(len(group) > 1 for group in siblings.values())
    for group in siblings.values():
        positions = [task.position for task in group]
        assert all(later - earlier >= GAP for earlier, later in itertools.pairwise(positions))


def test_seeded_list_page_shows_its_open_tasks_and_counts_keep_up(
    app: Flask, client: Client, db_session: Session
) -> None:
    """The counts triggers work again after the seed (on PostgreSQL it pauses them)."""
    assert run_seed(app, *SMALL).exit_code == 0
    heavy = db_session.scalar(select(User).where(User.email == HEAVY_EMAIL))
    assert heavy is not None
    fullest = db_session.scalars(
        select(TaskList)
        .where(TaskList.owner_id == heavy.id)
        .order_by(TaskList.open_count.desc(), TaskList.id)
    ).first()
    assert fullest is not None and fullest.open_count > 0
    before = fullest.open_count

    assert client.log_in(HEAVY_EMAIL, SEED_PASSWORD).status_code == 302
    page = client.get(f"/tasks?list={fullest.id}")
    assert page.status_code == 200
    assert total_count(page) == before

    response = client.submit("/tasks", {"title": "After the seed", "list": str(fullest.id)})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(TaskList, fullest.id).open_count == before + 1  # type: ignore[union-attr]
    assert total_count(client.get(f"/tasks?list={fullest.id}")) == before + 1


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
