"""The outbox and the worker: delivery, retries with back-off, giving up, leases, and
several workers sharing one outbox without sending a mail twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.db import get_database
from todo_web.mail import enqueue, outbox
from todo_web.mail import worker as worker_module
from todo_web.mail.outbox import RetryPolicy, claim, mark_sent
from todo_web.models import Outbox
from todo_web.notifications import task_changed

from ..database import is_postgres
from ..factories import count_rows, make_task, make_user, outbox_rows, worker_for
from ..ports import free_port
from ..smtp import SmtpServer

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _stopped_at_now(clock: TimeMachineFixture) -> None:
    """Mail is queued (stamped with the app's clock) at NOW, then the worker runs at NOW or
    later."""
    clock.move_to(NOW, tick=False)


def queue(session: Session, n: int = 1, recipient: str = "alice@example.com") -> list[int]:
    ids = [
        enqueue(session, kind="test", recipient=recipient, subject=f"Mail {i}", text=f"Body {i}")
        for i in range(n)
    ]
    session.commit()
    return [i for i in ids if i is not None]


def test_the_worker_delivers(app: Flask, db_session: Session, smtp_server: SmtpServer) -> None:
    queue(db_session, 3)
    report = worker_for(app, smtp_server.url).run_once(NOW)
    assert report.sent == 3
    assert sorted(m["Subject"] for m in smtp_server.messages) == ["Mail 0", "Mail 1", "Mail 2"]
    rows = outbox_rows(db_session)
    assert all(row.sent_at == NOW and row.attempts == 1 and row.last_error is None for row in rows)
    # Nothing is sent twice.
    assert worker_for(app, smtp_server.url).run_once(NOW + timedelta(hours=1)).sent == 0
    assert len(smtp_server.messages) == 3


def test_a_round_claims_one_batch(app: Flask, db_session: Session, smtp_server: SmtpServer) -> None:
    queue(db_session, 7)
    worker = worker_for(app, smtp_server.url, batch_size=3)
    assert [worker.run_once(NOW).sent for _ in range(4)] == [3, 3, 1, 0]
    assert len(smtp_server.messages) == 7


def test_a_mail_exists_only_if_its_transaction_commits(
    app: Flask, db_session: Session, smtp_server: SmtpServer
) -> None:
    enqueue(db_session, kind="test", recipient="a@example.com", subject="Rolled back", text="x")
    db_session.rollback()
    assert count_rows(db_session, Outbox) == 0
    assert worker_for(app, smtp_server.url).run_once(NOW).claimed == 0


def test_mail_waits_while_the_server_is_down_and_goes_out_when_it_is_back(
    app: Flask, db_session: Session
) -> None:
    server = SmtpServer()  # not started: nothing listens on its port
    worker = worker_for(app, f"{server.url}?timeout=2")
    alice = make_user(db_session, notify_task_changes=True)
    task = make_task(db_session, alice, "Water the plants")
    with app.app_context():
        task_changed(db_session, alice, task, "created")
    db_session.commit()  # the task is saved although no mail can be sent
    [row] = outbox_rows(db_session)

    now = NOW
    waits = []
    for attempt in range(1, 5):
        report = worker.run_once(now)
        assert (report.sent, report.retried) == (0, 1)
        [row] = outbox_rows(db_session)
        assert row.attempts == attempt and row.sent_at is None and row.failed_at is None
        assert "cannot connect" in row.last_error
        waits.append(row.next_attempt_at - now)
        # Not due before its time: the next round leaves it alone.
        assert worker.run_once(row.next_attempt_at - timedelta(seconds=1)).claimed == 0
        now = row.next_attempt_at
    assert waits == [timedelta(seconds=30 * 2**i) for i in range(4)]

    server.start()
    try:
        assert worker.run_once(now).sent == 1
        [message] = server.messages
        assert message["Subject"] == "Task created: Water the plants"
        [row] = outbox_rows(db_session)
        assert row.sent_at == now and row.attempts == 5 and row.last_error is None
        assert count_rows(db_session, type(task)) == 1
    finally:
        server.stop()


def test_backoff_is_capped() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 8, 9, 20)] == [
        30,
        60,
        120,
        3600,
        3600,
        3600,
    ]


def test_gives_up_after_the_last_attempt_and_keeps_the_error(
    app: Flask, db_session: Session
) -> None:
    policy = RetryPolicy(max_attempts=3)
    worker = worker_for(app, f"smtp://127.0.0.1:{free_port()}?timeout=2", policy=policy)
    queue(db_session)
    now = NOW
    for _ in range(3):
        worker.run_once(now)
        now += timedelta(hours=2)
    [row] = outbox_rows(db_session)
    assert row.attempts == 3 and row.failed_at is not None and row.sent_at is None
    assert "cannot connect" in row.last_error
    assert worker.run_once(now + timedelta(days=1)).claimed == 0


def test_a_permanent_refusal_is_not_retried(
    app: Flask, db_session: Session, smtp_server: SmtpServer
) -> None:
    smtp_server.recorder.refuse["nobody@example.com"] = "550 5.1.1 No such user"
    queue(db_session, recipient="nobody@example.com")
    queue(db_session, recipient="alice@example.com")
    report = worker_for(app, smtp_server.url).run_once(NOW)
    assert (report.sent, report.failed) == (1, 1)
    refused, delivered = outbox_rows(db_session)
    assert refused.failed_at == NOW and refused.attempts == 1
    assert refused.last_error.startswith("550")
    assert delivered.sent_at == NOW


def test_a_crashed_workers_mails_are_sent_when_the_lease_runs_out(
    app: Flask, db_session: Session, smtp_server: SmtpServer
) -> None:
    policy = RetryPolicy()
    queue(db_session, 2)
    # A worker claims both mails and dies before sending them.
    claimed = claim(db_session, NOW, limit=10, policy=policy)
    assert len(claimed) == 2
    worker = worker_for(app, smtp_server.url, policy=policy)
    assert worker.run_once(NOW + policy.lease - timedelta(seconds=1)).claimed == 0
    assert worker.run_once(NOW + policy.lease).sent == 2
    assert len(smtp_server.messages) == 2
    # The dead worker's late report cannot undo the new worker's outcome: attempts fences it.
    mark_sent(db_session, claimed[0], NOW + timedelta(hours=5))
    assert outbox_rows(db_session)[0].sent_at == NOW + policy.lease


def test_a_batch_the_database_dropped_out_of_is_settled_by_the_next_round(
    app: Flask, db_session: Session, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away while a batch is being sent (a restart): the mail the server
    took but the worker could not record is not sent again, and the rest do not wait for
    their lease to run out."""
    queue(db_session, 4)
    worker = worker_for(app, smtp_server.url)
    recorded = []
    really_mark_sent = outbox.mark_sent

    def mark_sent_until_the_database_goes(session, mail, now):  # type: ignore[no-untyped-def]
        if len(recorded) == 1:
            raise OperationalError("UPDATE outbox", {}, Exception("server closed the connection"))
        recorded.append(mail.id)
        return really_mark_sent(session, mail, now)

    monkeypatch.setattr(worker_module.outbox, "mark_sent", mark_sent_until_the_database_goes)
    with pytest.raises(OperationalError):
        worker.run_once(NOW)
    assert len(smtp_server.messages) == 2  # the second was accepted, then the database went
    monkeypatch.undo()

    later = NOW + timedelta(seconds=5)  # long before a lease would run out
    report = worker.run_once(later)
    assert report.sent == 2
    subjects = Counter(message["Subject"] for message in smtp_server.messages)
    assert subjects == Counter({f"Mail {i}": 1 for i in range(4)})
    rows = outbox_rows(db_session)
    assert all(row.sent_at is not None for row in rows)
    assert [row.sent_at for row in rows] == [NOW, later, later, later]


def test_a_malformed_row_fails_alone(
    app: Flask, db_session: Session, smtp_server: SmtpServer
) -> None:
    db_session.add(Outbox(kind="test", recipient="a@example.com", payload={"nonsense": True}))
    db_session.commit()
    queue(db_session)
    report = worker_for(app, smtp_server.url).run_once(NOW)
    assert (report.sent, report.failed) == (1, 1)
    assert "KeyError" in outbox_rows(db_session)[0].last_error


def test_old_mails_are_purged(app: Flask, db_session: Session, smtp_server: SmtpServer) -> None:
    queue(db_session, 2)
    worker_for(app, smtp_server.url).run_once(NOW)
    assert count_rows(db_session, Outbox) == 2
    worker_for(app, smtp_server.url).run_once(NOW + timedelta(days=31))
    assert count_rows(db_session, Outbox) == 0


def test_cli_runs_one_round(app: Flask, db_session: Session, smtp_server: SmtpServer) -> None:
    queue(db_session)
    app.config["MAIL_URL"] = smtp_server.url
    result = app.test_cli_runner().invoke(args=["mail-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent: 1" in result.output
    assert len(smtp_server.messages) == 1


def test_cli_rejects_a_bad_mail_url(app: Flask) -> None:
    app.config["MAIL_URL"] = "http://mail.example"
    result = app.test_cli_runner().invoke(args=["mail-worker", "--once"])
    assert result.exit_code != 0
    assert "MAIL_URL" in result.output and "smtp://" in result.output


def test_without_mail_url_mails_go_to_the_log(
    app: Flask, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    queue(db_session)
    with caplog.at_level("INFO", logger="todo_web.mail"):
        assert worker_for(app, None).run_once(NOW).sent == 1
    assert "Subject: Mail 0" in caplog.text


def test_run_forever_stops_when_asked(
    app: Flask, db_session: Session, smtp_server: SmtpServer
) -> None:
    queue(db_session, 3)
    stop = threading.Event()
    worker = worker_for(app, smtp_server.url, batch_size=2)
    thread = threading.Thread(target=worker.run_forever, args=(0.05, stop))
    thread.start()
    deadline = time.monotonic() + 10
    while len(smtp_server.messages) < 3 and time.monotonic() < deadline:
        stop.wait(0.02)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(smtp_server.messages) == 3


postgres_only = pytest.mark.skipif(
    not is_postgres(),
    reason="several workers need PostgreSQL (FOR UPDATE SKIP LOCKED); on SQLite run one worker",
)


@postgres_only
def test_claims_skip_rows_another_worker_holds(app: Flask, db_session: Session) -> None:
    queue(db_session, 4)
    factory = get_database(app).session_factory
    with factory() as holder, factory() as other:
        # A worker in the middle of its claim transaction holds locks on the first two rows.
        held = holder.scalars(
            select(Outbox.id).order_by(Outbox.id).limit(2).with_for_update()
        ).all()
        other.execute(text("SET LOCAL lock_timeout = '2s'"))  # blocking would fail the test
        claimed = claim(other, NOW, limit=10, policy=RetryPolicy())
        assert {mail.id for mail in claimed}.isdisjoint(held)
        assert len(claimed) == 2
        holder.rollback()


@postgres_only
def test_two_workers_never_send_one_mail_twice(
    app: Flask, db_session: Session, smtp_server: SmtpServer
) -> None:
    ids = queue(db_session, 60)
    smtp_server.recorder.delay = 0.005  # sending takes a moment, so the workers overlap
    start = threading.Barrier(2)
    claimed_by: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        worker = worker_for(app, smtp_server.url, batch_size=3)
        try:
            start.wait()
            total = 0
            while (report := worker.run_once(NOW)).claimed:
                total += report.sent
            claimed_by[name] = total
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    message_ids = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert len(message_ids) == 60 and set(message_ids.values()) == {1}
    assert sum(claimed_by.values()) == 60
    assert all(claimed_by.values()), f"one worker did all the work: {claimed_by}"
    rows = outbox_rows(db_session)
    assert [row.id for row in rows] == ids
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
