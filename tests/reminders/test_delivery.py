"""Reminders reaching the SMTP sink: the worker's round at and around a reminder's time,
once per occurrence however many rounds or workers run, late after the worker was down,
never for a task done or deleted by then, and at the right UTC across a DST change. The
clock is moved, never waited on."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.models import PushMessage, User

from ..client import Client, create_task_via_form, edit_fields
from ..database import is_postgres
from ..factories import (
    count_rows,
    get_task,
    make_tasks,
    outbox_rows,
    reminder_of,
    set_timezone,
    worker_for,
)
from ..smtp import SmtpServer, text_body

# conftest.NOW is Friday 2026-11-20 10:00 UTC; the task is due the Wednesday after, 14:00
# UTC (Alice lives in UTC), its reminder 30 minutes before.
DUE = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
FIRE = DUE - timedelta(minutes=30)
TITLE = "Call the dentist"


@pytest.fixture(autouse=True)
def _stopped(clock: TimeMachineFixture) -> None:
    """The clock stands at conftest.NOW before anyone logs in; tests move it."""


@pytest.fixture
def reminded(alice_client: Client, alice: User, clock: TimeMachineFixture) -> int:
    """The task, its reminder set through the create form at conftest.NOW."""
    return create_task_via_form(
        alice_client,
        title=TITLE,
        due_date=DUE.date().isoformat(),
        due_time=f"{DUE:%H:%M}",
        remind="30",
    )


@pytest.fixture
def run_at(
    app: Flask, smtp_server: SmtpServer, clock: TimeMachineFixture
) -> Callable[[datetime], int]:
    """`run_at(instant)`: the clock moved there and one worker round run then; how many
    reminders it handed over."""

    def run(instant: datetime) -> int:
        clock.move_to(instant, tick=False)
        return worker_for(app, smtp_server.url).run_once(instant).reminders

    return run


def reminder_mails(smtp_server: SmtpServer) -> list[EmailMessage]:
    return [m for m in smtp_server.messages if "eminder: " in str(m["Subject"])]


def test_a_reminder_goes_at_its_time_and_not_before(
    app: Flask,
    reminded: int,
    run_at: Callable[[datetime], int],
    smtp_server: SmtpServer,
    db_session: Session,
) -> None:
    assert run_at(FIRE - timedelta(seconds=1)) == 0
    assert reminder_mails(smtp_server) == []
    assert outbox_rows(db_session, kind="reminder") == []

    assert run_at(FIRE + timedelta(seconds=30)) == 1
    [mail] = reminder_mails(smtp_server)
    assert mail["Subject"] == f"Reminder: {TITLE}"
    assert mail["To"] == "alice@example.com"
    body = text_body(mail)
    assert f"{app.config['BASE_URL']}/tasks/{reminded}" in body
    assert "today at 14:00" in body
    assert "late" not in body
    row = reminder_of(db_session, reminded)
    assert row is not None
    assert (row.fire_at, row.sent_due_at) == (None, DUE)
    assert row.sent_at == FIRE + timedelta(seconds=30)


def test_a_reminder_goes_once(
    app: Flask,
    reminded: int,
    run_at: Callable[[datetime], int],
    smtp_server: SmtpServer,
    db_session: Session,
) -> None:
    at = FIRE + timedelta(seconds=30)
    assert run_at(at) == 1
    # A second worker's round at the same time, and rounds later on: nothing more.
    assert worker_for(app, smtp_server.url).run_once(at).reminders == 0
    for later in (timedelta(minutes=1), timedelta(hours=1), timedelta(days=2)):
        assert run_at(at + later) == 0
    assert len(reminder_mails(smtp_server)) == 1
    assert len(outbox_rows(db_session, kind="reminder")) == 1


def test_no_push_message_without_a_subscription(
    reminded: int, run_at: Callable[[datetime], int], db_session: Session
) -> None:
    assert run_at(FIRE + timedelta(seconds=30)) == 1
    assert count_rows(db_session, PushMessage) == 0


def test_a_reminder_missed_while_the_worker_was_down_goes_once_marked_late(
    reminded: int, run_at: Callable[[datetime], int], smtp_server: SmtpServer
) -> None:
    back = FIRE + timedelta(hours=1)
    assert run_at(back) == 1
    [mail] = reminder_mails(smtp_server)
    assert mail["Subject"] == f"Late reminder: {TITLE}"
    body = text_body(mail)
    assert "This reminder is late" in body
    assert f"it was due at {FIRE:%H:%M}" in body
    assert run_at(back + timedelta(minutes=1)) == 0
    assert len(reminder_mails(smtp_server)) == 1


def test_a_few_seconds_after_its_time_is_not_late(
    reminded: int, run_at: Callable[[datetime], int], smtp_server: SmtpServer
) -> None:
    assert run_at(FIRE + timedelta(seconds=60)) == 1
    [mail] = reminder_mails(smtp_server)
    assert mail["Subject"] == f"Reminder: {TITLE}"


def test_a_task_completed_while_the_worker_was_down_is_not_reminded_of(
    reminded: int,
    alice_client: Client,
    run_at: Callable[[datetime], int],
    clock: TimeMachineFixture,
    smtp_server: SmtpServer,
    db_session: Session,
) -> None:
    clock.move_to(FIRE + timedelta(minutes=10), tick=False)
    assert alice_client.submit(f"/tasks/{reminded}/toggle").status_code == 302
    assert run_at(FIRE + timedelta(hours=1)) == 0
    assert reminder_mails(smtp_server) == []
    assert outbox_rows(db_session, kind="reminder") == []


def test_a_deleted_task_is_not_reminded_of(
    reminded: int,
    alice_client: Client,
    run_at: Callable[[datetime], int],
    smtp_server: SmtpServer,
    db_session: Session,
) -> None:
    assert alice_client.submit(f"/tasks/{reminded}/delete").status_code == 302
    assert run_at(FIRE + timedelta(seconds=30)) == 0
    assert run_at(DUE + timedelta(hours=1)) == 0
    assert reminder_mails(smtp_server) == []
    assert outbox_rows(db_session, kind="reminder") == []


def test_a_reminder_moved_later_waits_for_its_new_time(
    reminded: int,
    alice_client: Client,
    run_at: Callable[[datetime], int],
    smtp_server: SmtpServer,
    db_session: Session,
) -> None:
    task = get_task(db_session, reminded)
    response = alice_client.submit(f"/tasks/{reminded}/edit", edit_fields(task, due_time="16:00"))
    assert response.status_code == 302
    assert run_at(FIRE + timedelta(seconds=30)) == 0
    assert run_at(FIRE + timedelta(hours=2, seconds=30)) == 1
    [mail] = reminder_mails(smtp_server)
    assert mail["Subject"] == f"Reminder: {TITLE}"
    assert "today at 16:00" in text_body(mail)


def test_a_task_reopened_before_its_time_is_reminded_of(
    reminded: int,
    alice_client: Client,
    run_at: Callable[[datetime], int],
    smtp_server: SmtpServer,
) -> None:
    assert alice_client.submit(f"/tasks/{reminded}/toggle").status_code == 302  # done
    assert alice_client.submit(f"/tasks/{reminded}/toggle").status_code == 302  # open again
    assert run_at(FIRE + timedelta(seconds=30)) == 1
    [mail] = reminder_mails(smtp_server)
    assert mail["Subject"] == f"Reminder: {TITLE}"


# -- daylight saving -----------------------------------------------------------------------

# The US moves its clocks forward on Sunday 14 March 2027; the Monday after, 09:00 in New
# York is 13:00 UTC (EDT), where it was 14:00 UTC (EST) when the reminder was set.
MONDAY = date(2027, 3, 15)
NY_NINE = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize("due_time", ["09:00", ""], ids=["timed", "reminder hour"])
def test_a_reminder_after_spring_forward_goes_at_the_new_utc_time(
    alice_client: Client,
    alice: User,
    db_session: Session,
    run_at: Callable[[datetime], int],
    smtp_server: SmtpServer,
    due_time: str,
) -> None:
    set_timezone(db_session, alice, "America/New_York")
    task_id = create_task_via_form(
        alice_client,
        title="Stand-up",
        due_date=MONDAY.isoformat(),
        due_time=due_time,
        remind="0",
    )
    row = reminder_of(db_session, task_id)
    assert row is not None and row.fire_at == NY_NINE
    assert run_at(NY_NINE - timedelta(seconds=1)) == 0
    assert run_at(NY_NINE + timedelta(seconds=30)) == 1
    [mail] = reminder_mails(smtp_server)
    assert mail["Subject"] == "Reminder: Stand-up"  # on time, not an hour late
    assert run_at(NY_NINE + timedelta(hours=1)) == 0  # 14:00 UTC: nothing more
    assert len(reminder_mails(smtp_server)) == 1


# -- several workers -----------------------------------------------------------------------


@pytest.mark.skipif(
    not is_postgres(),
    reason="several workers need PostgreSQL (FOR UPDATE SKIP LOCKED); on SQLite run one worker",
)
def test_several_workers_send_each_reminder_once(
    app: Flask,
    alice: User,
    db_session: Session,
    smtp_server: SmtpServer,
    clock: TimeMachineFixture,
) -> None:
    count = 40
    make_tasks(
        db_session,
        alice,
        count,
        "Reminded",
        due_date=DUE.date(),
        due_time=DUE.time(),
        remind_minutes=30,
        reminder_by_id=alice.id,
    )
    at = FIRE + timedelta(seconds=30)
    clock.move_to(at, tick=False)
    smtp_server.recorder.delay = 0.002  # sending takes a moment, so the workers overlap
    start = threading.Barrier(3)
    handed: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        worker = worker_for(app, smtp_server.url, batch_size=5)
        try:
            start.wait()
            total = 0
            while True:
                report = worker.run_once(at)
                total += report.reminders
                if not (report.claimed or report.reminders):
                    break
            handed[name] = total
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert not any(thread.is_alive() for thread in threads)
    assert sum(handed.values()) == count
    subjects = Counter(str(m["Subject"]) for m in reminder_mails(smtp_server))
    assert len(subjects) == count and set(subjects.values()) == {1}
    assert len(outbox_rows(db_session, kind="reminder")) == count
