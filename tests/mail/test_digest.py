"""The daily digest: 08:00 in the user's time zone, today's and overdue tasks, one per
user per day however many workers run."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.db import get_database, utcnow
from todo_web.mail.digest import schedule_digests, write_digest
from todo_web.models import Outbox, Priority, TaskStatus, User

from ..database import is_postgres
from ..factories import (
    count_rows,
    make_list,
    make_task,
    make_user,
    outbox_rows,
    set_timezone,
    worker_for,
)
from ..smtp import SmtpServer, html_body, text_body

# 2026-11-23 is a Monday; New York is UTC-5 in November, so 08:00 there is 13:00 UTC.
TODAY = date(2026, 11, 23)
NY_EIGHT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _stopped_that_morning(clock: TimeMachineFixture) -> None:
    """The tasks and the digest mails are written in the small hours of TODAY (UTC); the
    worker runs later that day."""
    clock.move_to(datetime.combine(TODAY, time(0, 0), tzinfo=UTC), tick=False)


@pytest.fixture
def alices_day(alice: User, db_session: Session) -> None:
    """Alice lives in New York and has tasks of every kind around TODAY."""
    set_timezone(db_session, alice, "America/New_York")
    for title, fields in (
        ("Overdue report", {"due_date": TODAY - timedelta(days=2)}),
        (
            "Call the dentist",
            {"due_date": TODAY, "due_time": time(9, 30), "priority": Priority.HIGH},
        ),
        ("Due tomorrow", {"due_date": TODAY + timedelta(days=1)}),
        ("No due date", {}),
        (
            "Already done",
            {"due_date": TODAY, "status": TaskStatus.COMPLETED, "completed_at": utcnow()},
        ),
        ("Deleted one", {"due_date": TODAY, "deleted_at": utcnow()}),
    ):
        make_task(db_session, alice, title, commit=False, **fields)  # type: ignore[arg-type]
    db_session.commit()


def schedule(app: Flask, session: Session, now: datetime) -> int:
    with app.app_context():
        written = schedule_digests(session, now)
    session.commit()
    return written


def test_no_digest_before_eight_local_time(
    app: Flask, db_session: Session, alice: User, alices_day: None
) -> None:
    assert schedule(app, db_session, NY_EIGHT - timedelta(minutes=1)) == 0
    assert count_rows(db_session, Outbox) == 0


def test_digest_at_eight_local_time_lists_todays_and_overdue_tasks(
    app: Flask, db_session: Session, alice: User, alices_day: None, smtp_server: SmtpServer
) -> None:
    report = worker_for(app, smtp_server.url).run_once(NY_EIGHT)
    assert (report.digests, report.sent) == (1, 1)
    [row] = outbox_rows(db_session)
    assert row.kind == "daily_digest" and row.user_id == alice.id
    assert row.dedupe_key == f"digest:{alice.id}:2026-11-23"
    [message] = smtp_server.messages
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "Your tasks for Monday 23 November: 1 due today, 1 overdue"
    text = text_body(message)
    assert "Call the dentist at 09:30 (high)" in text
    assert "Overdue report (due 2026-11-21" in text
    for absent in ("Due tomorrow", "No due date", "Already done", "Deleted one"):
        assert absent not in text
    assert text.index("Due today") < text.index("Overdue")
    assert "http://127.0.0.1:5000/tasks/" in text and "http://127.0.0.1:5000/settings" in text
    assert "Call the dentist" in html_body(message)


def test_at_most_one_digest_per_day(
    app: Flask, db_session: Session, alice: User, alices_day: None, smtp_server: SmtpServer
) -> None:
    worker = worker_for(app, smtp_server.url)
    for minutes in (0, 1, 30, 120):
        worker.run_once(NY_EIGHT + timedelta(minutes=minutes))
    assert len(smtp_server.messages) == 1
    # The next local day brings the next digest.
    worker.run_once(NY_EIGHT + timedelta(days=1))
    assert len(smtp_server.messages) == 2
    assert [row.dedupe_key for row in outbox_rows(db_session)] == [
        f"digest:{alice.id}:2026-11-23",
        f"digest:{alice.id}:2026-11-24",
    ]


def test_late_worker_catches_up_until_noon_only(
    app: Flask, db_session: Session, alice: User, alices_day: None
) -> None:
    assert schedule(app, db_session, NY_EIGHT + timedelta(hours=4, seconds=-1)) == 1
    assert schedule(app, db_session, NY_EIGHT + timedelta(days=1, hours=4)) == 0


def test_each_user_in_their_own_time_zone(app: Flask, db_session: Session) -> None:
    tokyo = make_user(db_session, "kenji@example.com", name="Kenji", timezone="Asia/Tokyo")
    make_task(db_session, tokyo, "Tokyo task", due_date=date(2026, 11, 24))
    utc = make_user(db_session, "uma@example.com", name="Uma")
    make_task(db_session, utc, "UTC task", due_date=date(2026, 11, 23))
    db_session.commit()
    # 23:00 UTC on the 23rd is 08:00 on the 24th in Tokyo, and late evening in UTC.
    assert schedule(app, db_session, datetime(2026, 11, 23, 23, 0, tzinfo=UTC)) == 1
    [row] = outbox_rows(db_session)
    assert row.recipient == "kenji@example.com"
    assert row.dedupe_key == f"digest:{tokyo.id}:2026-11-24"
    assert schedule(app, db_session, datetime(2026, 11, 24, 8, 0, tzinfo=UTC)) == 1
    assert outbox_rows(db_session)[-1].recipient == "uma@example.com"


def test_no_digest_when_switched_off_or_nothing_is_due(app: Flask, db_session: Session) -> None:
    off = make_user(db_session, "off@example.com", notify_daily_digest=False)
    make_task(db_session, off, "Due today", due_date=TODAY)
    make_user(db_session, "idle@example.com")  # on by default, but nothing due
    db_session.commit()
    assert off.notify_daily_digest is False
    assert schedule(app, db_session, datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) == 0


def test_digest_is_on_by_default(db_session: Session) -> None:
    user = make_user(db_session)
    db_session.commit()
    assert user.notify_daily_digest is True and user.notify_task_changes is False


def test_the_database_refuses_a_second_digest_for_the_same_day(
    app: Flask, db_session: Session, alice: User, alices_day: None
) -> None:
    """Two schedulers that both saw no digest yet: the unique dedupe key settles it."""
    factory = get_database(app).session_factory
    with factory() as first, factory() as second, app.app_context():
        a = first.get(User, alice.id)
        b = second.get(User, alice.id)
        assert write_digest(first, a, TODAY) is True
        first.commit()
        assert write_digest(second, b, TODAY) is False
        second.commit()
    assert count_rows(db_session, Outbox) == 1


@pytest.mark.skipif(
    not is_postgres(),
    reason="concurrent writers need PostgreSQL; SQLite runs a single worker",
)
def test_two_workers_at_eight_write_one_digest(
    app: Flask, db_session: Session, alice: User, alices_day: None, smtp_server: SmtpServer
) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        worker = worker_for(app, smtp_server.url)
        try:
            start.wait()
            worker.run_once(NY_EIGHT)
            worker.run_once(NY_EIGHT + timedelta(minutes=1))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert count_rows(db_session, Outbox) == 1
    assert len(smtp_server.messages) == 1


def test_the_digest_groups_the_tasks_by_list(
    app: Flask, db_session: Session, alice: User, smtp_server: SmtpServer
) -> None:
    """Under each list's name, Inbox first, then Alice's order (not the order of names or
    of creation); today's tasks before the overdue ones within a list."""
    set_timezone(db_session, alice, "America/New_York")
    zoo = make_list(db_session, alice, "Zoo")
    home = make_list(db_session, alice, "Home")
    make_list(db_session, alice, "Nothing due")
    home.position, zoo.position = 1, 2  # Alice moved Home above Zoo
    db_session.commit()
    yesterday = TODAY - timedelta(days=1)
    make_task(db_session, alice, "Feed the lions", due_date=TODAY, task_list=zoo)
    make_task(db_session, alice, "Fix the tap", due_date=yesterday, task_list=home)
    paint = make_task(db_session, alice, "Paint", due_date=TODAY, task_list=home)
    make_task(db_session, alice, "Walls", due_date=yesterday, parent=paint)
    make_task(db_session, alice, "Inbox errand", due_date=TODAY)
    make_task(db_session, alice, "Later", due_date=TODAY + timedelta(days=1), task_list=zoo)

    worker_for(app, smtp_server.url).run_once(NY_EIGHT)
    [message] = smtp_server.messages
    assert message["Subject"] == "Your tasks for Monday 23 November: 3 due today, 2 overdue"
    text = text_body(message).replace("\r\n", "\n")
    order = [
        "Inbox\n",
        "Inbox errand",
        "Home\n",
        "Due today (1)",
        "Paint",
        "Overdue (2)",
        "Fix the tap (due 2026-11-22",
        "Walls (due 2026-11-22",
        "Zoo\n",
        "Feed the lions",
    ]
    place = 0
    for part in order:  # each after the one before
        place = text.index(part, place) + len(part)
    assert "Nothing due" not in text and "Later" not in text
    html = html_body(message)
    headings = [html.index(f">{name}</h2>") for name in ("Inbox", "Home", "Zoo")]
    assert headings == sorted(headings)
    assert html.index(">Home</h2>") < html.index("Paint") < html.index(">Zoo</h2>")


def test_the_digest_counts_what_it_leaves_out(
    app: Flask,
    db_session: Session,
    alice: User,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("todo_web.mail.digest.SECTION_LIMIT", 2)
    set_timezone(db_session, alice, "America/New_York")
    work = make_list(db_session, alice, "Work")
    for n in range(3):
        make_task(db_session, alice, f"Today {n}", due_date=TODAY, task_list=work, commit=False)
        make_task(db_session, alice, f"Late {n}", due_date=TODAY - timedelta(days=n + 1))
    worker_for(app, smtp_server.url).run_once(NY_EIGHT)
    text = text_body(smtp_server.messages[0])
    assert "Today 0" in text and "Today 1" in text and "Today 2" not in text
    assert "Late 2" in text and "Late 0" not in text  # the longest overdue first
    assert "… and 1 more due today: http://127.0.0.1:5000/tasks?due=today" in text
    assert "… and 1 more overdue: http://127.0.0.1:5000/tasks?due=overdue" in text
