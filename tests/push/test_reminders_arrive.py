"""A reminder set through the task form arrives twice, on time: as a mail at the SMTP
sink and as a Web Push message the fake push service decrypts; and a push service that
hangs holds no mail back (the two workers run in threads of their own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.background import Workers
from todo_web.mail import enqueue as enqueue_mail
from todo_web.models import PushMessage, Reminder, User
from todo_web.push import enqueue as enqueue_push

from ..client import Client, submit_task
from ..factories import (
    make_push_subscription,
    push_rows,
    push_worker_for,
    set_timezone,
    task_titled,
    worker_for,
)
from ..push_service import FakePushService, Hang, wait_for
from ..smtp import SmtpServer

NOW = datetime(
    2026, 3, 6, 12, 0, tzinfo=UTC
)  # a Friday; New York changes to summer time on the 8th


@pytest.fixture(autouse=True)
def _at_now(clock: TimeMachineFixture) -> None:
    clock.move_to(NOW, tick=False)


def test_a_reminder_reaches_the_mail_and_the_push_service_within_a_minute(
    app: Flask,
    alice: User,
    alice_client: Client,
    db_session: Session,
    smtp_server: SmtpServer,
    push_service: FakePushService,
) -> None:
    set_timezone(db_session, alice, "America/New_York")
    alice.notify_daily_digest = False  # 08:30 there: the only mail is to be the reminder
    db_session.commit()
    phone = push_service.new_subscription()
    make_push_subscription(db_session, alice, phone)
    # Monday the 9th at 09:00 in New York, the day after the change to summer time
    # (UTC-4), half an hour before: 12:30 UTC, not 13:30.
    response = submit_task(
        alice_client, title="Call the bank", due_date="2026-03-09", due_time="09:00", remind="30"
    )
    assert response.status_code == 302
    task = task_titled(db_session, "Call the bank")
    fire_at = datetime(2026, 3, 9, 12, 30, tzinfo=UTC)
    assert db_session.get(Reminder, task.id).fire_at == fire_at  # type: ignore[union-attr]

    mail_worker, push_worker = worker_for(app, smtp_server.url), push_worker_for(app)
    # A second before its time nothing goes.
    assert mail_worker.run_once(fire_at - timedelta(seconds=1)).reminders == 0
    assert push_worker.run_once(fire_at - timedelta(seconds=1)).claimed == 0
    # The worker's next round, 30 s after: the mail and the push message both go.
    at = fire_at + timedelta(seconds=30)
    assert mail_worker.run_once(at).reminders == 1
    assert push_worker.run_once(at).sent == 1
    (mail,) = smtp_server.messages
    assert mail["Subject"] == "Reminder: Call the bank"
    assert mail["To"] == "alice@example.com"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"/tasks/{task.id}" in text and "Due today at 09:00 · Inbox" in text
    (message,) = phone.messages
    assert message == {
        "title": "Reminder: Call the bank",
        "body": "Due today at 09:00 · Inbox",
        "url": f"/tasks/{task.id}",
        "tag": f"reminder-{task.id}",
    }
    assert push_service.problems == []
    # Once: later rounds send nothing more.
    assert mail_worker.run_once(at + timedelta(minutes=5)).reminders == 0
    assert push_worker.run_once(at + timedelta(minutes=5)).claimed == 0
    assert len(smtp_server.messages) == 1 and len(phone.messages) == 1


def test_a_push_service_that_hangs_holds_no_mail_back(
    app: Flask,
    alice: User,
    db_session: Session,
    smtp_server: SmtpServer,
    push_service: FakePushService,
) -> None:
    app.config["MAIL_URL"] = smtp_server.url
    app.config["PUSH_TIMEOUT_SECONDS"] = 30
    phone = push_service.new_subscription()
    make_push_subscription(db_session, alice, phone)
    push_service.answer(phone, [Hang(seconds=60)])
    enqueue_push(
        db_session,
        alice.id,
        title="Reminder",
        body="Due now",
        url="/tasks",
        tag="t",
        dedupe_key=None,
    )
    db_session.commit()
    workers = Workers(app, interval=0.05)
    workers.start()
    try:
        # The push worker is stuck on the hanging service...
        wait_for(lambda: push_service.hanging > 0, timeout=30)
        # ...while a mail queued now goes out.
        enqueue_mail(
            db_session, kind="test", recipient="alice@example.com", subject="Meanwhile", text="x"
        )
        db_session.commit()
        wait_for(lambda: len(smtp_server.messages) == 1, timeout=30)
        assert smtp_server.messages[0]["Subject"] == "Meanwhile"
        (waiting,) = push_rows(db_session, PushMessage)
        assert waiting.sent_at is None
    finally:
        workers.stop.set()
        push_service.release()
        workers.join(timeout=30)
    assert not any(thread.is_alive() for thread in workers.threads)
