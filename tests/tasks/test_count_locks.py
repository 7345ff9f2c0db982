"""Writers of several tasks at once never deadlock on the counts the triggers keep.

task_counts has a row per user, status and due date, and each list row carries its open
count and version: every write to tasks changes some of them. Two transactions that each
write several tasks (two bulk actions of one user in two tabs, a bulk action and a move)
used to take those rows' locks task by task, in opposite orders, and PostgreSQL failed one
of them with a deadlock (a 503). The triggers now note the changes and apply them at
commit in one order (migration b8e1d5c3a207); these tests interleave two such transactions
step by step and race real bulk requests, then check the counts against the tasks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from todo_web.db import get_database
from todo_web.models import ListMember, Task, TaskCount, User
from todo_web.tasks import lifecycle
from todo_web.tasks.counts import bring_up_to_date

from ..client import Client
from ..database import is_postgres
from ..factories import make_list, make_task, share
from ..lists import real_open_counts, stored_open_counts

MONDAY = date(2031, 3, 10)
TUESDAY = MONDAY + timedelta(days=1)

#: The bulk race: tasks and rounds enough that the row-by-row triggers deadlocked in
#: most runs.
TASKS = 32
ROUNDS = 10


def counts_by_key(session: Session, user: User) -> dict[tuple[str, date | None], int]:
    rows = session.execute(
        select(TaskCount.status, TaskCount.due_date, TaskCount.n).where(
            TaskCount.user_id == user.id, TaskCount.n != 0
        )
    )
    return {(str(status), due): n for status, due, n in rows}


def recounted(session: Session, user: User) -> dict[tuple[str, date | None], int]:
    """The user's counts the slow way (the tests' lists are all the user's own, or
    shared with every task unassigned)."""
    visible = select(ListMember.list_id).where(ListMember.user_id == user.id)
    rows = session.execute(
        select(Task.status, Task.due_date, func.count())
        .where(Task.list_id.in_(visible), Task.deleted_at.is_(None))
        .group_by(Task.status, Task.due_date)
    )
    return {(str(status), due): n for status, due, n in rows}


def assert_counts_right(session: Session, *users: User) -> None:
    session.expire_all()
    for user in users:
        assert counts_by_key(session, user) == recounted(session, user)
    assert stored_open_counts(session) == real_open_counts(session)


@pytest.mark.skipif(not is_postgres(), reason="SQLite runs one writing transaction at a time")
def test_two_transactions_writing_tasks_in_opposite_orders_both_commit(
    app: Flask, db_session: Session, alice: User
) -> None:
    """Transaction A completes a Tuesday task, then a Monday one, in the first list then
    the second; B does the opposite, step for step. Row by row, A held Tuesday's count and
    the first list while B held Monday's and the second list: deadlock."""
    work = make_list(db_session, alice, "Work")
    home = make_list(db_session, alice, "Home")
    a_first = make_task(db_session, alice, "A1", due_date=TUESDAY, task_list=work)
    b_first = make_task(db_session, alice, "B1", due_date=MONDAY, task_list=home)
    a_second = make_task(db_session, alice, "A2", due_date=MONDAY, task_list=home)
    b_second = make_task(db_session, alice, "B2", due_date=TUESDAY, task_list=work)
    engine = get_database(app).engine
    both_did_first = threading.Barrier(2, timeout=30)
    both_did_second = threading.Barrier(2, timeout=30)

    def complete_in_turn(first: int, second: int) -> None:
        with engine.connect() as connection:
            connection.execute(text("SET lock_timeout = '20s'"))
            complete = text(
                "UPDATE tasks SET status = 'completed', completed_at = now() WHERE id = :id"
            )
            connection.execute(complete, {"id": first})
            both_did_first.wait()
            connection.execute(complete, {"id": second})
            both_did_second.wait()
            connection.commit()

    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(complete_in_turn, a_first.id, a_second.id),
            pool.submit(complete_in_turn, b_first.id, b_second.id),
        ]
        for run in runs:
            run.result(timeout=60)  # a deadlock fails one of them here

    assert_counts_right(db_session, alice)
    assert counts_by_key(db_session, alice) == {("completed", MONDAY): 2, ("completed", TUESDAY): 2}


def test_concurrent_bulk_actions_of_one_user_all_succeed(
    make_app: Callable[..., Flask],
    db_session: Session,
    alice: User,
    bob: User,
) -> None:
    """Two tabs of Alice's and one of Bob's (who shares her Work list) complete and
    reopen tasks spread over dates and lists, all at once, over and over. Every request
    succeeds, and the counts of both stay exact.

    Bob's tasks are also Alice's, so a bulk action may wait for another's task rows: the
    app's lock and request time limits are raised so that a slow machine's waits are not
    failures. A deadlock still is: PostgreSQL detects it after a second, whatever the
    limits."""
    app = make_app(DATABASE_LOCK_TIMEOUT_MS=60_000, REQUEST_DEADLINE_SECONDS=120)
    work = make_list(db_session, alice, "Work")
    share(db_session, work, bob)
    # By id, the even tasks' dates go up and the odd ones' come down: the two tabs meet
    # the same count rows in opposite orders.
    days = 4

    def due(n: int) -> date:
        step = (n // 2) % days
        return MONDAY + timedelta(days=step if n % 2 == 0 else days - 1 - step)

    tasks = [
        make_task(
            db_session,
            alice,
            f"T{n}",
            due_date=due(n),
            task_list=work if (n // 2) % 2 else None,
            commit=False,
        )
        for n in range(TASKS)
    ]
    db_session.commit()
    ids = [task.id for task in tasks]
    # Alice's two tabs take alternate tasks, Bob the Work list's ones.
    batches = [ids[0::2], ids[1::2], [t.id for t in tasks if t.list_id == work.id]]
    clients = [_logged_in(app, alice), _logged_in(app, alice), _logged_in(app, bob)]

    def run(client: Client, batch: list[int], rounds: int) -> list[int]:
        statuses = []
        for round_ in range(rounds):
            action = "complete" if round_ % 2 == 0 else "reopen"
            order = batch if round_ % 3 else list(reversed(batch))
            pairs = [("action", action), *[("ids", str(i)) for i in order]]
            statuses.append(client.submit("/tasks/bulk", pairs).status_code)
        return statuses

    with ThreadPoolExecutor(len(clients)) as pool:
        runs = [
            pool.submit(run, client, batch, ROUNDS)
            for client, batch in zip(clients, batches, strict=True)
        ]
        statuses = [status for future in runs for status in future.result(timeout=300)]

    assert set(statuses) == {302}, statuses
    assert_counts_right(db_session, alice, bob)


def _logged_in(app: Flask, user: User) -> Client:
    client: Client = app.test_client()  # type: ignore[assignment]
    assert client.log_in(user.email).status_code == 302
    return client


def test_counts_can_be_read_up_to_date_inside_the_transaction(
    db_session: Session, alice: User
) -> None:
    """What a transaction changed shows in the counts it reads after
    `bring_up_to_date`, and the commit then applies nothing twice."""
    task = make_task(db_session, alice, "Call", due_date=MONDAY)
    lifecycle.complete_task(db_session, alice, task)
    bring_up_to_date(db_session)
    assert counts_by_key(db_session, alice) == {("completed", MONDAY): 1}
    make_task(db_session, alice, "Write", due_date=MONDAY, commit=False)
    bring_up_to_date(db_session)
    assert counts_by_key(db_session, alice) == {("completed", MONDAY): 1, ("pending", MONDAY): 1}
    db_session.commit()
    assert_counts_right(db_session, alice)
    pending_notes = db_session.scalar(text("SELECT count(*) FROM task_count_changes"))
    assert pending_notes == 0
