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
import time as clock
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from todo_web import recurrence
from todo_web.db import get_database, utcnow
from todo_web.models import Task, TaskStatus, User
from todo_web.tasks import lifecycle
from todo_web.timezones import local_today

from ..accounts import add_task
from ..database import is_postgres
from ..helpers import login
from ..task_support import (
    ALICE,
    alice,
    all_tasks,
    send,
    session_csrf_token,
    successors,
    task,
)

ROUNDS = 5


def allowed_statuses() -> set[int]:
    # 302: the completion went through (or found the task already completed).
    # 503: SQLite only, the loser gave up waiting for the writer lock.
    return {302} if is_postgres() else {302, 503}


def today() -> date:
    return local_today("UTC")  # Alice's zone


def recurring(session: Session, user: User, title: str = "Water the plants") -> Task:
    created = add_task(session, user, title, due_date=today(), recurrence="FREQ=DAILY")
    session.commit()
    return created


def test_the_database_refuses_a_second_occurrence(db_session: Session) -> None:
    user = alice_from_scratch(db_session)
    first = recurring(db_session, user)
    db_session.add(Task(user_id=user.id, title="Next", recurs_from_id=first.id))
    db_session.commit()
    db_session.add(Task(user_id=user.id, title="Next again", recurs_from_id=first.id))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()
    assert len(successors(db_session, first.id)) == 1


def test_the_database_refuses_a_second_occurrence_from_raw_sql(db_session: Session) -> None:
    """Not just the ORM: a plain INSERT (a script, another service) is refused as well."""
    user = alice_from_scratch(db_session)
    first = recurring(db_session, user)
    row = {"user_id": user.id, "title": "Next", "recurs_from_id": first.id}
    db_session.execute(insert(Task.__table__).values(**row))
    db_session.commit()
    with pytest.raises(IntegrityError):
        db_session.execute(insert(Task.__table__).values(**row))
    db_session.rollback()


def alice_from_scratch(session: Session) -> User:
    from ..accounts import add_user

    user = add_user(session, ALICE)
    session.commit()
    return user


# -- two requests --------------------------------------------------------------------------


def second_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = login(client, ALICE, "correct horse")
    assert response.status_code == 302
    return client


def complete_at_once(client: FlaskClient, task_id: int, barrier: threading.Barrier) -> int:
    barrier.wait()
    return send(client, f"/tasks/{task_id}/toggle", {"state": "completed"}).status_code


def test_two_requests_completing_at_once_create_one_occurrence(
    app: Flask, user_client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    completions: list[int] = []
    original = lifecycle.complete_task

    def counted(session: Session, user: User, current: Task) -> Task | None:
        completions.append(current.id)
        return original(session, user, current)

    monkeypatch.setattr(lifecycle, "complete_task", counted)
    clients = [user_client, second_client(app)]
    for client in clients:  # fetch the CSRF tokens before the race starts
        session_csrf_token(client)
    user = alice(db_session)
    series = [recurring(db_session, user, f"Task {n}") for n in range(ROUNDS)]
    overlapped = 0

    for current in series:
        completions.clear()
        barrier = threading.Barrier(2, timeout=10)
        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = list(pool.map(complete_at_once, clients, [current.id] * 2, [barrier] * 2))

        assert set(statuses) <= allowed_statuses(), statuses
        assert 302 in statuses
        assert task(db_session, current.id).status == TaskStatus.COMPLETED
        assert len(successors(db_session, current.id)) == 1
        overlapped += completions.count(current.id) == 2

    assert len(all_tasks(db_session)) == 2 * ROUNDS
    # Both requests read the task as open and completed it in most rounds: the race was real
    # and the database settled it.
    assert overlapped >= 1


@pytest.mark.skipif(not is_postgres(), reason="SQLite's writer lock rules this interleaving out")
def test_an_occurrence_created_between_check_and_insert_is_refused_without_a_500(
    app: Flask, user_client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst case: another transaction commits the next occurrence after this request
    looked for one and before it inserts its own. The unique constraint refuses the second
    insert; the request still completes the task and answers normally."""
    user = alice(db_session)
    current = recurring(db_session, user)
    original = recurrence.next_occurrence
    engine = get_database(app).engine

    def next_occurrence_after_a_rival(*args: object, **kwargs: object) -> date | None:
        # A connection of its own, committed at once. The rival row is a deleted one: a
        # live task would wait for the user's task_counts row, which this very request
        # (blocked here, in the same thread) already holds; the unique recurs_from_id
        # refuses the request's insert all the same.
        with engine.begin() as rival:
            rival.execute(
                insert(Task.__table__).values(
                    user_id=user.id,
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
    response = send(user_client, f"/tasks/{current.id}/toggle", {"state": "completed"})
    assert response.status_code == 302
    assert task(db_session, current.id).status == TaskStatus.COMPLETED
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
    app: Flask, user_client: FlaskClient, db_session: Session
) -> None:
    user = alice(db_session)
    series = [recurring(db_session, user, f"Task {n}") for n in range(ROUNDS)]
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
    app: Flask, user_client: FlaskClient, db_session: Session
) -> None:
    """Session A completes and has not committed yet when session B completes the same task:
    B waits for A's lock, then sees A's occurrence and adds none of its own."""
    user = alice(db_session)
    current = recurring(db_session, user)
    first = get_database(app).session_factory()
    try:
        first_task = first.get(Task, current.id)
        first_user = first.get(User, user.id)
        assert first_task is not None and first_user is not None
        created = lifecycle.complete_task(first, first_user, first_task)
        assert created is not None
        with ThreadPoolExecutor(max_workers=1) as pool:
            second = pool.submit(complete_in_own_session, app, current.id)
            clock.sleep(0.5)  # let B reach the lock A holds
            assert not second.done(), "B should be waiting for A's transaction"
            first.commit()
            assert second.result(timeout=30) == ("ok", None)
    finally:
        first.close()
    assert [t.id for t in successors(db_session, current.id)] == [created.id]
    assert task(db_session, current.id).status == TaskStatus.COMPLETED
