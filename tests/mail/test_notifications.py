"""`task_changed`: a mail about a task, only for users who asked, in the caller's
transaction."""

from __future__ import annotations

from datetime import date, time

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from todo_web.lists.queries import inbox_of
from todo_web.models import Outbox, Priority, Task
from todo_web.notifications import task_changed

from ..factories import count_rows, make_task, make_user, outbox_rows, worker_for
from ..smtp import SmtpServer, html_body, text_body


@pytest.mark.parametrize("event", ["created", "updated", "deleted"])
def test_mail_for_each_event_when_opted_in(
    app: Flask, db_session: Session, smtp_server: SmtpServer, event: str
) -> None:
    alice = make_user(db_session, notify_task_changes=True)
    task = make_task(
        db_session,
        alice,
        "Pay <rent>",
        due_date=date(2026, 12, 1),
        due_time=time(9, 0),
        priority=Priority.HIGH,
    )
    with app.app_context():
        task_changed(db_session, alice, task, event)  # type: ignore[arg-type]
    db_session.commit()
    [row] = outbox_rows(db_session)
    assert (row.kind, row.recipient, row.user_id) == (f"task_{event}", alice.email, alice.id)

    worker_for(app, smtp_server.url).run_once()
    [message] = smtp_server.messages
    assert message["Subject"] == f"Task {event}: Pay <rent>"
    text = text_body(message)
    assert "Pay <rent>" in text and "Due: 2026-12-01 09:00" in text and "Priority: high" in text
    expected_link = "http://127.0.0.1:5000/tasks" + ("" if event == "deleted" else f"/{task.id}")
    assert expected_link in text.split()
    html = html_body(message)
    assert "Pay &lt;rent&gt;" in html and "<rent>" not in html  # escaped in HTML


def test_no_mail_unless_opted_in(app: Flask, db_session: Session) -> None:
    bob = make_user(db_session, "bob@example.com")  # task mails are off by default
    task = make_task(db_session, bob, "Quiet task")
    with app.app_context():
        task_changed(db_session, bob, task, "created")
    db_session.commit()
    assert count_rows(db_session, Outbox) == 0


def test_the_mail_shares_the_callers_transaction(app: Flask, db_session: Session) -> None:
    alice = make_user(db_session, notify_task_changes=True)
    db_session.commit()
    task = Task(user_id=alice.id, list_id=inbox_of(db_session, alice).id, title="Never saved")
    db_session.add(task)
    with app.app_context():
        task_changed(db_session, alice, task, "created")  # flushes to get the task's id
    assert task.id is not None
    db_session.rollback()
    assert count_rows(db_session, Outbox) == 0 and count_rows(db_session, Task) == 0


def test_unknown_event_is_a_programming_error(app: Flask, db_session: Session) -> None:
    alice = make_user(db_session, notify_task_changes=True)
    task = make_task(db_session, alice, "T")
    with app.app_context(), pytest.raises(ValueError):
        task_changed(db_session, alice, task, "renamed")  # type: ignore[arg-type]


def test_long_titles_are_shortened_in_the_subject(app: Flask, db_session: Session) -> None:
    alice = make_user(db_session, notify_task_changes=True)
    task = make_task(db_session, alice, "word " * 40)
    with app.app_context():
        task_changed(db_session, alice, task, "updated")
    db_session.commit()
    subject = outbox_rows(db_session)[0].payload["subject"]
    assert len(subject) <= len("Task updated: ") + 80 and subject.endswith("…")
