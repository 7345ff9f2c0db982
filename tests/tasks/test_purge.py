"""Deleted tasks are kept 30 days (so Undo and a restore work), then removed for good with
their tag links, the counts staying exact; `flask purge-deleted` does it on demand."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.models import Task, TaskCount, User, task_tags
from todo_web.tasks.lifecycle import purge_deleted

from ..conftest import NOW
from ..factories import all_tasks, count_rows, make_task, tag_names

KEPT = timedelta(days=30)


def stored_counts(session: Session, user: User) -> dict[tuple[str, date | None], int]:
    """task_counts as the triggers keep them (rows at zero left out)."""
    rows = session.execute(
        select(TaskCount.status, TaskCount.due_date, TaskCount.n).where(
            TaskCount.user_id == user.id, TaskCount.n != 0
        )
    )
    return {(status, due): n for status, due, n in rows}


def counted_counts(session: Session, user: User) -> dict[tuple[str, date | None], int]:
    """The same, counted the slow way from the user's live tasks."""
    rows = session.execute(
        select(Task.status, Task.due_date, func.count())
        .where(Task.user_id == user.id, Task.deleted_at.is_(None))
        .group_by(Task.status, Task.due_date)
    )
    return {(status, due): n for status, due, n in rows}


def test_a_task_deleted_over_30_days_ago_is_purged_with_its_tag_links(
    clock: TimeMachineFixture, db_session: Session, alice: User, bob: User
) -> None:
    today = NOW.date()
    old = make_task(
        db_session, alice, "Deleted long ago", tags=("home", "work"), due_date=today,
        deleted_at=NOW - KEPT - timedelta(seconds=1),
    )  # fmt: skip
    recent = make_task(
        db_session, alice, "Deleted last month", tags=("home",), due_date=today,
        deleted_at=NOW - timedelta(days=29),
    )  # fmt: skip
    make_task(db_session, alice, "Live", tags=("home",), due_date=today)
    make_task(db_session, alice, "Done", status="completed", tags=("work",))
    make_task(db_session, bob, "Bob's old", deleted_at=NOW - timedelta(days=400))
    make_task(db_session, bob, "Bob's live")
    old_id = old.id
    counts_before = {user.id: stored_counts(db_session, user) for user in (alice, bob)}

    assert purge_deleted(db_session) == 2
    db_session.commit()

    titles = [t.title for t in all_tasks(db_session, alice)]
    assert titles == ["Deleted last month", "Live", "Done"]
    assert [t.title for t in all_tasks(db_session, bob)] == ["Bob's live"]
    assert db_session.get(Task, recent.id) is not None
    # The links went with the task; the tags stay (other tasks use them, and a tag is the
    # user's, not the task's).
    links = db_session.scalars(select(task_tags.c.task_id)).all()
    assert old_id not in links
    assert len(links) == 3
    assert tag_names(db_session, alice) == ["home", "work"]
    # Deleted tasks were never counted, so the counts neither moved nor drifted.
    for user in (alice, bob):
        assert stored_counts(db_session, user) == counts_before[user.id]
        assert stored_counts(db_session, user) == counted_counts(db_session, user)


def test_a_task_deleted_29_days_ago_is_kept_until_its_30_days_are_up(
    clock: TimeMachineFixture, db_session: Session, alice: User
) -> None:
    make_task(db_session, alice, "Deleted", deleted_at=NOW - timedelta(days=29))
    assert purge_deleted(db_session) == 0
    db_session.commit()
    clock.shift(timedelta(days=1))  # exactly 30 days: still kept
    assert purge_deleted(db_session) == 0
    clock.shift(timedelta(seconds=1))
    assert purge_deleted(db_session) == 1
    db_session.commit()
    assert count_rows(db_session, Task) == 0


def test_the_next_occurrence_outlives_the_purged_one(
    clock: TimeMachineFixture, db_session: Session, alice: User
) -> None:
    first = make_task(db_session, alice, "Water plants", recurrence="FREQ=WEEKLY")
    second = make_task(db_session, alice, "Water plants", recurs_from_id=first.id)
    first.deleted_at = NOW - timedelta(days=31)
    db_session.commit()
    assert purge_deleted(db_session) == 1
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(Task, second.id).recurs_from_id is None


def test_the_cli_purges_and_says_how_many(
    clock: TimeMachineFixture, app: Flask, db_session: Session, alice: User
) -> None:
    for n in range(3):
        make_task(db_session, alice, f"Old {n}", deleted_at=NOW - timedelta(days=31 + n))
    make_task(db_session, alice, "Recent", deleted_at=NOW - timedelta(days=1))
    result = app.test_cli_runner().invoke(args=["purge-deleted"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Purged 3 tasks deleted more than 30 days ago."
    assert [t.title for t in all_tasks(db_session)] == ["Recent"]

    result = app.test_cli_runner().invoke(args=["purge-deleted"])
    assert result.output.strip() == "Purged 0 tasks deleted more than 30 days ago."
