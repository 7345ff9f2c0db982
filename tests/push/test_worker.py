"""Queueing push messages and the push worker, through the fake push service: delivery
(decrypted and read back), retries with back-off, time-outs, gone and refused
subscriptions, a database that drops out mid-round, and the purge."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.models import PushMessage, PushSubscription, User
from todo_web.push import enqueue
from todo_web.push import worker as worker_module
from todo_web.push.messages import PAYLOAD_MAX, build_payload
from todo_web.push.sender import parse_retry_after
from todo_web.push.worker import PushWorker
from todo_web.queue import RetryPolicy

from ..factories import count_rows, make_push_subscription, make_user, push_rows, push_worker_for
from ..ports import free_port
from ..push_service import Answer, FakePushService, FakeSubscription, Hang, wait_for

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _stopped_at_now(clock: TimeMachineFixture) -> None:
    clock.move_to(NOW, tick=False)


def remind(session: Session, user: User, n: int = 1, **fields: str) -> int:
    """Queue `n` messages to every browser of `user` and commit; how many were queued."""
    queued = 0
    for i in range(n):
        values = {
            "title": f"Due soon: Task {i}",
            "body": "Water the plants",
            "url": f"/tasks/{i + 1}",
            "tag": f"reminder-{i + 1}",
            **fields,
        }
        queued += enqueue(session, user.id, dedupe_key=None, **values)  # type: ignore[arg-type]
    session.commit()
    return queued


def browser_of(session: Session, user: User, service: FakePushService) -> FakeSubscription:
    browser = service.new_subscription()
    make_push_subscription(session, user, browser)
    return browser


def test_each_browser_of_the_user_gets_the_message_decrypted(
    app: Flask, db_session: Session, push_service: FakePushService
) -> None:
    alice, bob = make_user(db_session), make_user(db_session, "bob@example.com")
    phone = browser_of(db_session, alice, push_service)
    laptop = browser_of(db_session, alice, push_service)
    bobs = browser_of(db_session, bob, push_service)
    assert remind(db_session, alice) == 2

    report = push_worker_for(app).run_once(NOW)
    assert (report.sent, report.claimed) == (2, 2)
    expected = {
        "title": "Due soon: Task 0",
        "body": "Water the plants",
        "url": "/tasks/1",
        "tag": "reminder-1",
    }
    assert phone.messages == [expected] and laptop.messages == [expected]
    assert bobs.messages == []
    assert push_service.problems == []
    [received, _] = push_service.received
    assert received.vapid_key == app.jinja_env.globals["push_public_key"]
    assert received.claims is not None
    assert received.claims["aud"] == push_service.origin
    assert received.claims["sub"] == "mailto:no-reply@localhost"
    assert int(received.headers["ttl"]) == 4 * 3600
    rows = push_rows(db_session, PushMessage)
    assert all(row.sent_at == NOW and row.attempts == 1 for row in rows)
    # Nothing goes twice.
    assert push_worker_for(app).run_once(NOW + timedelta(hours=1)).claimed == 0
    assert len(push_service.received) == 2


def test_enqueue_is_part_of_the_callers_transaction_and_dedupes(
    app: Flask, db_session: Session, push_service: FakePushService
) -> None:
    alice = make_user(db_session)
    assert remind(db_session, make_user(db_session, "nobody@example.com")) == 0
    browser_of(db_session, alice, push_service)
    browser_of(db_session, alice, push_service)

    enqueue(db_session, alice.id, title="t", body="b", url="/tasks", tag="x", dedupe_key=None)
    db_session.rollback()
    assert count_rows(db_session, PushMessage) == 0

    fields = {"title": "t", "body": "b", "url": "/tasks/7", "tag": "reminder-7"}
    assert enqueue(db_session, alice.id, dedupe_key="reminder:7:2026-11-22", **fields) == 2
    assert enqueue(db_session, alice.id, dedupe_key="reminder:7:2026-11-22", **fields) == 0
    db_session.commit()
    keys = sorted(row.dedupe_key for row in push_rows(db_session, PushMessage))
    ids = sorted(row.id for row in push_rows(db_session, PushSubscription))
    assert keys == [f"reminder:7:2026-11-22:{i}" for i in ids]


def test_a_long_body_is_shortened_to_fit_a_push_message(
    app: Flask, db_session: Session, push_service: FakePushService
) -> None:
    alice = make_user(db_session)
    browser = browser_of(db_session, alice, push_service)
    remind(db_session, alice, body="ü" * 5000, title="T" * 500)
    assert push_worker_for(app).run_once(NOW).sent == 1
    [payload] = browser.messages
    assert payload["body"].endswith("…") and set(payload["body"][:-1]) == {"ü"}
    assert len(payload["title"]) == 200
    assert PAYLOAD_MAX - 5 < len(json.dumps(payload, ensure_ascii=False).encode()) <= PAYLOAD_MAX


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "tasks/1", "/\\x"])
def test_the_link_must_be_a_path_of_this_site(url: str) -> None:
    with pytest.raises(ValueError, match="path"):
        build_payload(title="t", body="b", url=url, tag="x")


def test_a_busy_service_is_retried_with_back_off(
    app: Flask, db_session: Session, push_service: FakePushService
) -> None:
    alice = make_user(db_session)
    browser = browser_of(db_session, alice, push_service)
    push_service.answer(browser, [503, 429, Answer(503, {"Retry-After": "600"}), 201])
    remind(db_session, alice)
    worker = push_worker_for(app)

    now, waits = NOW, []
    for attempt in range(1, 4):
        report = worker.run_once(now)
        assert (report.sent, report.retried) == (0, 1)
        [row] = push_rows(db_session, PushMessage)
        assert row.attempts == attempt and row.sent_at is None and row.failed_at is None
        waits.append(row.next_attempt_at - now)
        assert worker.run_once(row.next_attempt_at - timedelta(seconds=1)).claimed == 0
        now = row.next_attempt_at
    # 30 s, 60 s, then the service's Retry-After (600 s) over the back-off's 120 s.
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=600)]
    assert "503" in row.last_error
    assert worker.run_once(now).sent == 1
    assert len(browser.messages) == 1
    [row] = push_rows(db_session, PushMessage)
    assert row.sent_at == now and row.last_error is None


def test_a_hanging_service_is_given_up_on_after_the_timeout(
    app: Flask, db_session: Session, push_service: FakePushService
) -> None:
    app.config["PUSH_TIMEOUT_SECONDS"] = 0.5
    alice = make_user(db_session)
    slow = browser_of(db_session, alice, push_service)
    push_service.answer(slow, [Hang(30)])
    remind(db_session, alice)
    worker = push_worker_for(app)

    started = time.monotonic()
    report = worker.run_once(NOW)
    assert time.monotonic() - started < 5
    assert report.retried == 1
    [row] = push_rows(db_session, PushMessage)
    assert "no answer within 0.5 s" in row.last_error
    assert row.next_attempt_at == NOW + timedelta(seconds=30)
    assert worker.run_once(row.next_attempt_at).sent == 1
    assert len(slow.messages) == 1


def test_an_unreachable_service_is_retried(app: Flask, db_session: Session) -> None:
    alice = make_user(db_session)
    db_session.add(
        PushSubscription(
            user_id=alice.id,
            endpoint=f"https://127.0.0.1:{free_port()}/push/nobody",
            p256dh="BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU",
            auth="AAECAwQFBgcICQoLDA0ODw",
        )
    )
    db_session.commit()
    remind(db_session, alice)
    assert push_worker_for(app).run_once(NOW).retried == 1
    [row] = push_rows(db_session, PushMessage)
    assert "cannot connect" in row.last_error and row.failed_at is None


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_deleted_with_its_messages(
    app: Flask, db_session: Session, push_service: FakePushService, status: int
) -> None:
    alice = make_user(db_session)
    gone = browser_of(db_session, alice, push_service)
    kept = browser_of(db_session, alice, push_service)
    push_service.answer(gone, [status])
    remind(db_session, alice, 2)  # two messages to each browser
    report = push_worker_for(app, batch_size=1).run_once(NOW)
    assert report.gone == 1
    [row] = push_rows(db_session, PushSubscription)
    assert row.endpoint == kept.endpoint
    assert {m.subscription_id for m in push_rows(db_session, PushMessage)} == {row.id}
    assert push_worker_for(app).run_once(NOW).sent == 2
    assert len(kept.messages) == 2 and gone.messages == []


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_a_refusal_is_final_and_keeps_the_services_answer(
    app: Flask, db_session: Session, push_service: FakePushService, status: int
) -> None:
    alice = make_user(db_session)
    browser = browser_of(db_session, alice, push_service)
    push_service.answer(browser, [Answer(status, body="VAPID key mismatch")])
    remind(db_session, alice)
    report = push_worker_for(app).run_once(NOW)
    assert (report.failed, report.retried) == (1, 0)
    [row] = push_rows(db_session, PushMessage)
    assert row.failed_at == NOW and row.attempts == 1
    assert row.last_error.startswith(str(status)) and "VAPID key mismatch" in row.last_error
    assert push_worker_for(app).run_once(NOW + timedelta(days=1)).claimed == 0
    assert count_rows(db_session, PushSubscription) == 1


def test_gives_up_after_the_last_attempt(
    app: Flask, db_session: Session, push_service: FakePushService
) -> None:
    alice = make_user(db_session)
    browser = browser_of(db_session, alice, push_service)
    push_service.answer(browser, [500] * 3)
    remind(db_session, alice)
    worker = push_worker_for(app, policy=RetryPolicy(max_attempts=3))
    now = NOW
    for _ in range(3):
        worker.run_once(now)
        now += timedelta(hours=2)
    [row] = push_rows(db_session, PushMessage)
    assert row.attempts == 3 and row.failed_at is not None and "500" in row.last_error


def test_a_round_the_database_dropped_out_of_is_settled_by_the_next(
    app: Flask, db_session: Session, push_service: FakePushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The push service took the second message, then the database went away before the
    worker could record it: it is not sent again, and the rest go at once."""
    alice = make_user(db_session)
    browsers = [browser_of(db_session, alice, push_service) for _ in range(4)]
    remind(db_session, alice)
    worker = push_worker_for(app)
    recorded: list[int] = []
    really_mark_sent = worker_module.messages.mark_sent

    def mark_sent_until_the_database_goes(session, message, now):  # type: ignore[no-untyped-def]
        if len(recorded) == 1:
            raise OperationalError("UPDATE push_messages", {}, Exception("connection closed"))
        recorded.append(message.id)
        return really_mark_sent(session, message, now)

    monkeypatch.setattr(worker_module.messages, "mark_sent", mark_sent_until_the_database_goes)
    with pytest.raises(OperationalError):
        worker.run_once(NOW)
    assert len(push_service.received) == 2
    monkeypatch.undo()

    assert worker.run_once(NOW + timedelta(seconds=5)).sent == 2
    assert Counter(len(browser.messages) for browser in browsers) == Counter({1: 4})
    assert all(row.sent_at is not None for row in push_rows(db_session, PushMessage))


def test_old_messages_are_purged_once_an_hour(
    app: Flask, db_session: Session, push_service: FakePushService
) -> None:
    alice = make_user(db_session)
    browser_of(db_session, alice, push_service)
    remind(db_session, alice, 2)
    old, recent = push_rows(db_session, PushMessage)
    old.sent_at = NOW - timedelta(days=31)
    recent.sent_at = NOW - timedelta(days=29)
    db_session.commit()

    worker = push_worker_for(app)
    assert worker.run_once(NOW).purged == 1
    assert [row.id for row in push_rows(db_session, PushMessage)] == [recent.id]
    # Another worker, in the same hour, leaves the purge to the one that ran it.
    recent.sent_at = NOW - timedelta(days=40)
    db_session.commit()
    assert push_worker_for(app).run_once(NOW + timedelta(minutes=30)).purged == 0
    assert push_worker_for(app).run_once(NOW + timedelta(hours=1)).purged == 1


def test_the_worker_runs_in_a_thread_until_stopped(
    app: Flask, db_session: Session, push_service: FakePushService
) -> None:
    alice = make_user(db_session)
    browser = browser_of(db_session, alice, push_service)
    worker = PushWorker.from_app(app)
    assert worker is not None
    stop = threading.Event()
    thread = worker.start_thread(0.05, stop)
    try:
        remind(db_session, alice, 3)
        wait_for(lambda: len(browser.messages) == 3)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_no_worker_without_a_key(make_app) -> None:  # type: ignore[no-untyped-def]
    assert PushWorker.from_app(make_app(VAPID_PRIVATE_KEY=None)) is None


def test_retry_after_as_seconds_or_a_date() -> None:
    assert parse_retry_after("120", NOW) == timedelta(seconds=120)
    assert parse_retry_after("Sun, 22 Nov 2026 09:40:00 GMT", NOW) == timedelta(minutes=10)
    assert parse_retry_after("Sun, 22 Nov 2026 09:00:00 GMT", NOW) == timedelta(0)
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None
