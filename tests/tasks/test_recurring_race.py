"""Two completions of the same recurring task racing (a double click that beats the button's
`state` guard, two tabs, two devices) create ONE next occurrence, and the database is what
guarantees it: tasks.recurs_from_id is unique.

On PostgreSQL the requests really run at the same time: the first completion's UPDATE locks
the task row, so the second waits, then finds the occurrence already there; and should a
successor appear between the check and the insert anyway, the unique constraint refuses the
insert and the completion still commits. SQLite has one writer at a time: the loser waits
(busy_timeout) and normally succeeds too; if it waited too long it answers 503 "database is
locked", which these tests accept on SQLite only. Either way: one occurrence, never a 500.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from todo_web import recurrence
from todo_web.db import get_database, utcnow
from todo_web.models import Task, TaskStatus, User
from todo_web.tasks import lifecycle
from todo_web.timezones import local_today

from ..client import Client
from ..database import is_postgres
from ..factories import all_tasks, get_task, make_list, make_task, successors

ROUNDS = 5


def allowed_statuses() -> set[int]:
    # 302: the completion went through (or found the task already completed).
    # 503: SQLite only, the loser gave up waiting for the writer lock.
    return {302} if is_postgres() else {302, 503}


def today() -> date:
    return local_today("UTC")  # Alice's zone


def recurring(session: Session, user: User, title: str = "Water the plants") -> Task:
    return make_task(session, user, title, due_date=today(), recurrence="FREQ=DAILY")


def test_the_database_refuses_a_second_occurrence(alice: User, db_session: Session) -> None:
    first = recurring(db_session, alice)
    db_session.add(
        Task(user_id=alice.id, list_id=first.list_id, title="Next", recurs_from_id=first.id)
    )
    db_session.commit()
    db_session.add(
        Task(user_id=alice.id, list_id=first.list_id, title="Next again", recurs_from_id=first.id)
    )
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()
    assert len(successors(db_session, first.id)) == 1


def test_the_database_refuses_a_second_occurrence_from_raw_sql(
    alice: User, db_session: Session
) -> None:
    """Not just the ORM: a plain INSERT (a script, another service) is refused as well."""
    first = recurring(db_session, alice)
    row = {
        "user_id": alice.id,
        "list_id": first.list_id,
        "title": "Next",
        "recurs_from_id": first.id,
    }
    db_session.execute(insert(Task.__table__).values(**row))
    db_session.commit()
    with pytest.raises(IntegrityError):
        db_session.execute(insert(Task.__table__).values(**row))
    db_session.rollback()


# -- two requests --------------------------------------------------------------------------


def complete_at_once(client: Client, task_id: int, barrier: threading.Barrier) -> int:
    barrier.wait()
    return client.submit(f"/tasks/{task_id}/toggle", {"state": "completed"}).status_code


@pytest.mark.skipif(
    not is_postgres(),
    reason="on SQLite a completion holds the write lock from its first statement (BEGIN "
    "IMMEDIATE), so two cannot both read the task as open",
)
def test_two_requests_completing_at_once_create_one_occurrence(
    alice: User,
    alice_client: Client,
    log_in: Callable[[User], Client],
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    completions: list[int] = []
    original = lifecycle.complete_task
    both_read_it_open = threading.Barrier(2, timeout=10)

    def counted(session: Session, user: User, current: Task) -> Task | None:
        completions.append(current.id)
        # Neither request writes before both have read the task as open and decided to
        # complete it: the race happens in every round, however the threads are scheduled.
        both_read_it_open.wait()
        return original(session, user, current)

    monkeypatch.setattr(lifecycle, "complete_task", counted)
    clients = [alice_client, log_in(alice)]
    for client in clients:  # the CSRF tokens, before the race starts
        client.token()
    series = [recurring(db_session, alice, f"Task {n}") for n in range(ROUNDS)]
    overlapped = 0

    for current in series:
        completions.clear()
        both_read_it_open.reset()
        barrier = threading.Barrier(2, timeout=10)
        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = list(pool.map(complete_at_once, clients, [current.id] * 2, [barrier] * 2))

        assert set(statuses) <= allowed_statuses(), statuses
        assert 302 in statuses
        assert get_task(db_session, current.id).status == TaskStatus.COMPLETED
        assert len(successors(db_session, current.id)) == 1
        overlapped += completions.count(current.id) == 2

    assert len(all_tasks(db_session)) == 2 * ROUNDS
    # Both requests read the task as open and completed it in every round: the race was real
    # and the database settled it.
    assert overlapped == ROUNDS


@pytest.mark.skipif(not is_postgres(), reason="SQLite's writer lock rules this interleaving out")
def test_an_occurrence_created_between_check_and_insert_is_refused_without_a_500(
    app: Flask,
    alice: User,
    alice_client: Client,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worst case: another transaction commits the next occurrence after this request
    looked for one and before it inserts its own. The unique constraint refuses the second
    insert; the request still completes the task and answers normally."""
    current = recurring(db_session, alice)
    elsewhere = make_list(db_session, alice, "Elsewhere")
    original = recurrence.next_occurrence
    engine = get_database(app).engine

    def next_occurrence_after_a_rival(*args: object, **kwargs: object) -> date | None:
        # A connection of its own, committed at once. The rival row is a deleted one in
        # another list: a live task would wait for the user's task_counts row, and one in
        # the same list for the list's row (its version), which this very request (blocked
        # here, in the same thread) already holds; the unique recurs_from_id refuses the
        # request's insert all the same.
        with engine.begin() as rival:
            rival.execute(
                insert(Task.__table__).values(
                    user_id=alice.id,
                    list_id=elsewhere.id,
                    title="Rival",
                    due_date=today(),
                    recurs_from_id=current.id,
                    status="pending",
                    priority=2,
                    description="",
                    deleted_at=utcnow(),
                )
            )
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lifecycle.recurrence, "next_occurrence", next_occurrence_after_a_rival)
    response = alice_client.submit(f"/tasks/{current.id}/toggle", {"state": "completed"})
    assert response.status_code == 302
    assert get_task(db_session, current.id).status == TaskStatus.COMPLETED
    (only,) = successors(db_session, current.id)
    assert only.title == "Rival"


# -- two sessions, no HTTP -----------------------------------------------------------------


def complete_in_own_session(
    app: Flask, task_id: int, start: threading.Barrier | None = None
) -> tuple[str, int | None]:
    """Complete the task in a session of its own; ("ok", successor id or None) or
    ("locked", None) when SQLite gave up waiting for the writer lock."""
    session = get_database(app).session_factory()
    try:
        current = session.get(Task, task_id)
        assert current is not None
        user = session.get(User, current.user_id)
        assert user is not None
        if start is not None:
            start.wait()
        successor = lifecycle.complete_task(session, user, current)
        session.commit()
        return "ok", None if successor is None else successor.id
    except OperationalError as error:
        if is_postgres() or "locked" not in str(error):
            raise
        session.rollback()
        return "locked", None
    finally:
        session.close()


def test_two_sessions_completing_at_once_create_one_occurrence(
    app: Flask, alice: User, db_session: Session
) -> None:
    series = [recurring(db_session, alice, f"Task {n}") for n in range(ROUNDS)]
    for current in series:
        start = threading.Barrier(2, timeout=10)
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(
                pool.map(complete_in_own_session, [app] * 2, [current.id] * 2, [start] * 2)
            )
        outcomes = sorted(outcome for outcome, _ in results)
        if is_postgres():
            assert outcomes == ["ok", "ok"], results
        else:
            assert "ok" in outcomes, results
        created = [successor for _, successor in results if successor is not None]
        assert len(created) == 1, results
        assert [t.id for t in successors(db_session, current.id)] == created


def test_the_second_session_waits_for_the_first_and_creates_nothing(
    app: Flask, alice: User, db_session: Session
) -> None:
    """Session A completes and has not committed yet when session B completes the same task:
    B waits for A's lock, then sees A's occurrence and adds none of its own."""
    current = recurring(db_session, alice)
    engine = get_database(app).engine
    first = get_database(app).session_factory()
    try:
        first_task = first.get(Task, current.id)
        first_user = first.get(User, alice.id)
        assert first_task is not None and first_user is not None
        created = lifecycle.complete_task(first, first_user, first_task)
        assert created is not None
        first.flush()  # A's writes are in the database: A holds the task's lock
        with ThreadPoolExecutor(max_workers=1) as pool, waiting_for_a(first, engine) as b_waits:
            second = pool.submit(complete_in_own_session, app, current.id)
            b_waits(second)
            assert not second.done(), "B should be waiting for A's transaction"
            first.commit()
            assert second.result(timeout=30) == ("ok", None)
    finally:
        first.close()
    assert [t.id for t in successors(db_session, current.id)] == [created.id]
    assert get_task(db_session, current.id).status == TaskStatus.COMPLETED


# -- waiting for the other session to reach the lock ---------------------------------------

#: How long a test waits for another thread to reach a lock before failing (a bound, not a
#: pause: the wait ends as soon as the condition holds).
DEADLINE_SECONDS = 10


@contextmanager
def waiting_for_a(holder: Session, engine: Engine) -> Iterator[Callable[[Future[Any]], None]]:
    """`b_waits(future)` returns once another session is stuck behind the lock `holder`
    holds, and fails if `future` (that other session's work) ends first or the deadline
    passes. On PostgreSQL: pg_stat_activity shows a backend that `holder`'s backend blocks
    (pg_blocking_pids). On SQLite, which shows no waiters: a thread other than this one has
    sent its first write statement, which cannot return before `holder` commits (the
    writer lock, waited for by busy_timeout)."""
    if is_postgres():
        holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as observer:

            def blocked() -> bool:
                count = observer.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE :holder = ANY(pg_blocking_pids(pid))"
                    ),
                    {"holder": holder_pid},
                ).scalar_one()
                observer.rollback()  # pg_stat_activity is read once per transaction
                return bool(count)

            yield lambda future: wait_until(blocked, future, "B blocked by A's lock")
        return

    this_thread = threading.get_ident()
    writing = threading.Event()

    def note_a_write(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.get_ident() != this_thread and statement.lstrip().upper().startswith(
            ("UPDATE", "INSERT", "DELETE")
        ):
            writing.set()

    event.listen(engine, "before_cursor_execute", note_a_write)
    try:
        yield lambda future: wait_until(writing.is_set, future, "B's first write sent")
    finally:
        event.remove(engine, "before_cursor_execute", note_a_write)


def wait_until(condition: Callable[[], bool], other: Future[Any], what: str) -> None:
    """Poll `condition` until it holds; fail if `other` ends first or on the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    pause = threading.Event()  # never set: wait() is a short pause between polls
    while not condition():
        if other.done():
            pytest.fail(f"the other session finished before {what}: {other.result()!r}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {DEADLINE_SECONDS} s")
        pause.wait(0.01)
