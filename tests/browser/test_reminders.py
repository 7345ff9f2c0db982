"""A reminder set in the browser arrives: Alice turns notifications on for her browser
(the page posts its subscription, as the settings' switch does; this Chromium cannot get
one from a real push service, so it is one the fake service made), sets a reminder on the
new-task form, and when the workers run 30 seconds after its time the SMTP sink holds the
mail and the fake push service has decrypted the message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from todo_web.models import PushSubscription, Reminder
from todo_web.timezones import local_today, zone

from ..factories import push_rows, push_worker_for, task_titled, worker_for
from ..push_service import FakePushService
from ..smtp import SmtpServer

pytestmark = pytest.mark.browser

POST_SUBSCRIPTION = """async (subscription) => {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const answer = await fetch("/settings/push", {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-CSRFToken": token},
    body: JSON.stringify(subscription),
  });
  return answer.status;
}"""


def test_a_reminder_set_in_the_browser_reaches_mail_and_push(
    app: Flask,
    logged_in: Callable[..., Any],
    db_session: Session,
    smtp_server: SmtpServer,
    push_service: FakePushService,
) -> None:
    page = logged_in()
    phone = push_service.new_subscription()
    page.goto("/settings")
    assert page.evaluate(POST_SUBSCRIPTION, phone.json) == 201
    (stored,) = push_rows(db_session, PushSubscription)
    assert stored.endpoint == phone.endpoint

    # Due the day after tomorrow at 10:00 on Alice's clock (UTC), reminded 30 min before.
    due = local_today("UTC") + timedelta(days=2)
    page.goto("/tasks/new")
    page.fill("#create-title", "Renew the passport")
    page.fill("#create-due_date", due.isoformat())
    page.fill("#create-due_time", "10:00")
    page.select_option("#create-remind", "30")
    page.get_by_role("button", name="Add task").click()
    expect(page.locator("#task-list")).to_contain_text("Renew the passport")
    task = task_titled(db_session, "Renew the passport")
    fire_at = datetime.combine(due, time(9, 30), tzinfo=zone("UTC")).astimezone(UTC)
    reminder = db_session.get(Reminder, task.id)
    assert reminder is not None and reminder.fire_at == fire_at

    mail_worker, push_worker = worker_for(app, smtp_server.url), push_worker_for(app)
    early = fire_at - timedelta(seconds=1)
    assert mail_worker.run_once(early).reminders == 0 and push_worker.run_once(early).claimed == 0
    on_time = fire_at + timedelta(seconds=30)
    assert mail_worker.run_once(on_time).reminders == 1
    assert push_worker.run_once(on_time).sent == 1

    reminders = [m for m in smtp_server.messages if m["Subject"].startswith("Reminder")]
    assert [m["Subject"] for m in reminders] == ["Reminder: Renew the passport"]
    assert f"/tasks/{task.id}" in reminders[0].get_body(preferencelist=("plain",)).get_content()
    (message,) = phone.messages
    assert message["title"] == "Reminder: Renew the passport"
    assert message["url"] == f"/tasks/{task.id}"
    assert message["body"].startswith("Due ") and message["body"].endswith("at 10:00 · Inbox")
    assert push_service.problems == []
