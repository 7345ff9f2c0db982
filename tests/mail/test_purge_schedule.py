"""The worker purges deleted tasks (and old mails) once an hour, among all workers: each
round asks, one worker per hour gets to run it, never two at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web import jobs
from todo_web.db import get_database
from todo_web.models import JobRun, Task, User

from ..conftest import NOW
from ..factories import all_tasks, count_rows, make_task, worker_for

HOUR = timedelta(hours=1)


def deleted_long_ago(session: Session, user: User, title: str = "Old") -> Task:
    return make_task(session, user, title, deleted_at=NOW - timedelta(days=30, seconds=1))


def test_a_worker_round_purges_deleted_tasks(
    clock: TimeMachineFixture, app: Flask, db_session: Session, alice: User
) -> None:
    deleted_long_ago(db_session, alice)
    make_task(db_session, alice, "Recent", deleted_at=NOW - timedelta(days=29))
    report = worker_for(app, None).run_once(NOW)
    assert report.purged_tasks == 1
    assert [t.title for t in all_tasks(db_session)] == ["Recent"]


def test_the_purge_runs_once_an_hour_across_workers(
    clock: TimeMachineFixture, app: Flask, db_session: Session, alice: User
) -> None:
    first, second = worker_for(app, None), worker_for(app, None)
    assert first.run_once(NOW).purged_tasks == 0  # nothing to purge, but the hour is taken
    deleted_long_ago(db_session, alice)
    # Neither the worker that ran it nor another one purges again within the hour.
    assert first.run_once(NOW + 30 * timedelta(minutes=1)).purged_tasks == 0
    assert second.run_once(NOW + HOUR - timedelta(seconds=1)).purged_tasks == 0
    assert count_rows(db_session, Task) == 1
    # An hour after the last run, the first worker to ask runs it.
    assert second.run_once(NOW + HOUR).purged_tasks == 1
    assert first.run_once(NOW + HOUR + timedelta(minutes=1)).purged_tasks == 0
    assert count_rows(db_session, Task) == 0


def test_a_worker_asks_at_most_once_an_hour(
    clock: TimeMachineFixture, app: Flask, db_session: Session
) -> None:
    worker = worker_for(app, None)
    worker.run_once(NOW)
    db_session.query(JobRun).delete()  # as if the row were gone: the worker does not even ask
    db_session.commit()
    worker.run_once(NOW + timedelta(minutes=59))
    assert count_rows(db_session, JobRun) == 0
    worker.run_once(NOW + HOUR)
    assert count_rows(db_session, JobRun) == 1


def ask_together(app: Flask, at: datetime, workers: int = 4) -> list[bool]:
    """`workers` sessions claim the purge at the same moment; which of them won."""
    database = get_database(app)
    start = threading.Barrier(workers)
    results: list[bool] = []

    def ask() -> None:
        with database.session_factory() as session:
            start.wait(timeout=10)
            results.append(jobs.claim(session, "purge", at, HOUR).won)

    threads = [threading.Thread(target=ask) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(results)


def test_workers_asking_at_the_same_moment_get_one_run_between_them(app: Flask) -> None:
    assert ask_together(app, NOW) == [False, False, False, True]  # the first run (an INSERT)
    assert ask_together(app, NOW + HOUR - timedelta(seconds=1)) == [False] * 4
    assert ask_together(app, NOW + HOUR) == [False, False, False, True]  # an UPDATE


def test_mail_worker_once_reports_the_purge(
    clock: TimeMachineFixture, app: Flask, db_session: Session, alice: User
) -> None:
    deleted_long_ago(db_session, alice)
    app.config["MAIL_URL"] = None
    result = app.test_cli_runner().invoke(args=["mail-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "deleted tasks purged: 1" in result.output
    assert count_rows(db_session, Task) == 0
