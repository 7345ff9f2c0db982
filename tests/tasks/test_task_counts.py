"""task_counts, kept by triggers, always agrees with counting the tasks themselves: after
creates, toggles, edits of the due date, deletes, restores, bulk changes, the purge, raw
SQL, and account deletion."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day

import pytest
from flask import Flask
from sqlalchemy import Select, func, select, text, update
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.db import get_database
from todo_web.lists.queries import inbox_of
from todo_web.models import OPEN_STATUSES, Task, TaskCount, User
from todo_web.tasks import lifecycle, reading
from todo_web.tasks.counts import bring_up_to_date, view_counts
from todo_web.tasks.listing import ListQuery

from ..database import is_postgres
from ..factories import make_user

#: The tests move the suite's clock here first: what the app stamps (completion and
#: deletion times, next occurrences) and what the counts are judged against agree.
NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
TODAY = NOW.date()


def direct_counts(session: Session, user: User) -> dict[str, int]:
    """The view counts the slow way: counting the user's live tasks."""
    live = [Task.user_id == user.id, Task.deleted_at.is_(None)]
    counts = {}
    for view in ("today", "upcoming", "overdue", "nodate", "completed"):
        condition = reading._view_condition(view, NOW)
        counts[view] = session.scalar(select(func.count()).where(*live, condition))
    counts["open"] = session.scalar(
        select(func.count()).where(*live, Task.status.in_(OPEN_STATUSES))
    )
    counts["all"] = session.scalar(select(func.count()).where(*live))
    counts["assigned"] = session.scalar(
        select(func.count()).where(
            *live, Task.status.in_(OPEN_STATUSES), Task.assignee_id == user.id
        )
    )
    return counts


def add(session: Session, user: User, title: str, **fields: object) -> Task:
    data = lifecycle.TaskData(title=title, **fields)  # type: ignore[arg-type]
    return lifecycle.create_task(session, user, data, inbox_of(session, user))


def check(session: Session, user: User) -> None:
    bring_up_to_date(session)
    assert view_counts(session, user, NOW) == direct_counts(session, user)


def test_triggers_exist_at_head(app: Flask) -> None:
    with get_database(app).engine.connect() as connection:
        if is_postgres():
            names = connection.scalars(
                text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'tasks'::regclass")
            ).all()
            assert "tasks_keep_counts" in names
        else:
            names = connection.scalars(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            assert {"tasks_counts_insert", "tasks_counts_delete", "tasks_counts_update"} <= set(
                names
            )


def test_counts_follow_every_kind_of_change(clock: TimeMachineFixture, db_session: Session) -> None:
    clock.move_to(NOW, tick=False)
    session = db_session
    user = make_user(session, "counts@example.com")
    other = make_user(session, "other@example.com")
    tasks = [
        add(session, user, "no date"),
        add(session, user, "overdue", due_date=TODAY - timedelta(days=3)),
        add(session, user, "late today", due_date=TODAY, due_time=time_of_day(9, 0)),
        add(session, user, "later today", due_date=TODAY, due_time=time_of_day(18, 0)),
        add(session, user, "next week", due_date=TODAY + timedelta(days=5)),
        add(session, user, "far", due_date=TODAY + timedelta(days=40)),
        add(session, user, "repeats", due_date=TODAY - timedelta(days=1), recurrence="FREQ=DAILY"),
    ]
    add(session, other, "someone else's", due_date=TODAY)
    check(session, user)

    lifecycle.toggle_task(session, user, tasks[1])  # completed
    lifecycle.toggle_task(session, user, tasks[6])  # completed, next occurrence created
    check(session, user)
    lifecycle.toggle_task(session, user, tasks[1])  # reopened
    check(session, user)

    lifecycle.update_task(
        session, user, tasks[0], lifecycle.TaskData(title="now dated", due_date=TODAY)
    )
    lifecycle.update_task(session, user, tasks[5], lifecycle.TaskData(title="undated now"))
    check(session, user)

    lifecycle.soft_delete(session, tasks[2])
    lifecycle.soft_delete(session, tasks[3])
    check(session, user)
    lifecycle.restore(session, tasks[3])
    check(session, user)

    # Writes that bypass the ORM are counted too.
    session.execute(update(Task).where(Task.id == tasks[4].id).values(status="cancelled"))
    session.execute(
        update(Task)
        .where(Task.user_id == user.id, Task.due_date.is_(None))
        .values(due_date=date(2030, 1, 1))
    )
    check(session, user)
    lifecycle.purge_deleted(session, now=NOW + timedelta(days=400))  # removes tasks[2]
    check(session, user)
    session.delete(tasks[4])
    check(session, user)
    assert view_counts(session, other, NOW)["all"] == 1


def test_list_total_from_counts_matches_a_count(
    clock: TimeMachineFixture, db_session: Session
) -> None:
    clock.move_to(NOW, tick=False)
    user = make_user(db_session, "total@example.com")
    for day in range(-5, 6):
        add(db_session, user, f"task {day}", due_date=TODAY + timedelta(days=day))
    add(db_session, user, "undated")
    lifecycle.toggle_task(db_session, user, add(db_session, user, "done"))
    bring_up_to_date(db_session)
    counts = view_counts(db_session, user, NOW)

    for query in (
        ListQuery(),
        ListQuery(status="all"),
        ListQuery(status="completed"),
        ListQuery(status="pending"),
        ListQuery(view="today"),
        ListQuery(view="upcoming"),
        ListQuery(view="nodate"),
        ListQuery(q="task"),
    ):
        fast = reading.list_tasks(db_session, user, query, NOW, counts=counts).total
        slow = reading.list_tasks(db_session, user, query, NOW).total
        assert fast == slow, query


def test_deleting_an_account_deletes_its_counts(
    clock: TimeMachineFixture, db_session: Session
) -> None:
    clock.move_to(NOW, tick=False)
    user = make_user(db_session, "leaving@example.com")
    add(db_session, user, "a", due_date=TODAY)
    add(db_session, user, "b")
    db_session.commit()

    db_session.delete(user)
    db_session.commit()

    assert db_session.scalar(select(func.count()).select_from(TaskCount)) == 0


def wait_for_a_lock_wait(app: Flask, timeout: float = 30.0) -> None:
    """Return once some backend of this database waits for a lock (PostgreSQL)."""
    deadline = time.monotonic() + timeout
    with get_database(app).engine.connect() as watcher:
        while True:
            waiting = watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            watcher.rollback()
            if waiting:
                return
            assert time.monotonic() < deadline, "no transaction ever waited for the row lock"
            time.sleep(0.01)


@pytest.mark.skipif(not is_postgres(), reason="row locks and deadlocks need PostgreSQL")
def test_a_move_locks_the_two_counts_in_a_fixed_order(
    clock: TimeMachineFixture, app: Flask
) -> None:
    """Completing a task due on day d changes the rows (pending, d) and (completed, d);
    reopening one changes the same two. If each locked "its old row first", one request
    completing and one reopening would each hold one row and wait for the other: a
    deadlock. Both must lock (completed, d) first: while another transaction holds that
    row, a completion waits without having locked (pending, d)."""
    clock.move_to(NOW, tick=False)
    factory = get_database(app).session_factory
    day = TODAY + timedelta(days=2)
    with factory() as session:
        user = make_user(session, "race@example.com")
        task_id = add(session, user, "to complete", due_date=day).id
        session.commit()
        user_id = user.id

    def bucket(status: str) -> Select[tuple[int]]:
        return select(TaskCount.id).where(
            TaskCount.user_id == user_id, TaskCount.status == status, TaskCount.due_date == day
        )

    with factory() as holder, factory() as other:
        # (completed, d) must exist for the holder to lock it.
        holder.add(TaskCount(user_id=user_id, status="completed", due_date=day, n=0))
        holder.commit()
        holder.execute(bucket("completed").with_for_update())

        def complete() -> None:
            with factory() as session, session.begin():
                session.execute(
                    update(Task)
                    .where(Task.id == task_id)
                    .values(status="completed", completed_at=NOW)
                )

        mover = threading.Thread(target=complete)
        mover.start()
        wait_for_a_lock_wait(app)  # the completion is now waiting for (completed, d)
        try:
            other.execute(text("SET lock_timeout = '200ms'"))
            assert other.execute(bucket("pending").with_for_update()).all()  # not locked
        finally:
            other.rollback()
            holder.rollback()
            mover.join(timeout=30)

    with factory() as session:
        user = session.get(User, user_id)
        assert user is not None
        assert view_counts(session, user, NOW) == direct_counts(session, user)
