"""Setting a reminder through the forms (CSRF on), and the reminders table following every
change: edits, completion, deletion, recurrence, the user's time zone and reminder hour,
assignees and membership of a shared list. The clock stands at conftest.NOW, Friday
2026-11-20 10:00 UTC; the tasks are due the Wednesday after."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.db import get_database
from todo_web.models import Reminder, Task, TaskList, TaskStatus, User

from ..client import Client, create_task_via_form, edit_fields, submit_task, text_of
from ..factories import (
    count_rows,
    get_task,
    make_list,
    make_task,
    make_user,
    outbox_rows,
    reminder_of,
    set_timezone,
    share,
    snapshot,
    successors,
    user_by_email,
    worker_for,
)

DUE_DAY = date(2026, 11, 25)  # a Wednesday
# 14:00 in Berlin (CET, +01:00) is 13:00 UTC: 30 minutes before is 12:30 UTC.
BERLIN_DUE = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
BERLIN_FIRE = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)

NEEDS_DATE = "A reminder needs a due date: pick one, or no reminder."
BAD_CHOICE = "Choose when to be reminded"


@pytest.fixture(autouse=True)
def _stopped(clock: TimeMachineFixture) -> None:
    """Every test runs at conftest.NOW, the clock standing still."""


@pytest.fixture
def berlin(alice: User, db_session: Session) -> User:
    return set_timezone(db_session, alice, "Europe/Berlin")


def create_reminded(client: Client, **fields: object) -> int:
    """A task due DUE_DAY at 14:00 with a reminder 30 minutes before, made by the form."""
    values: dict[str, object] = {
        "title": "Call the dentist",
        "due_date": DUE_DAY.isoformat(),
        "due_time": "14:00",
        "remind": "30",
        **fields,
    }
    return create_task_via_form(client, **values)


def fire_at(db_session: Session, task_id: int) -> datetime | None:
    row = reminder_of(db_session, task_id)
    assert row is not None, f"task {task_id} has no reminders row"
    return row.fire_at


def unchanged(app: Flask) -> tuple[object, ...]:
    """The users, tasks and reminders rows, to compare before and after a refused request."""
    with get_database(app).engine.connect() as connection:
        reminders = connection.execute(select(Reminder.__table__).order_by(Reminder.task_id)).all()
    return snapshot(app, ("users", "tasks")), [tuple(row) for row in reminders]


def edit(client: Client, db_session: Session, task_id: int, **changes: object) -> None:
    response = client.submit(
        f"/tasks/{task_id}/edit", edit_fields(get_task(db_session, task_id), **changes)
    )
    assert response.status_code == 302, text_of(response)


# -- creating ------------------------------------------------------------------------------


def test_create_with_a_reminder_schedules_it_in_the_users_zone(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client)
    task = get_task(db_session, task_id)
    assert task.remind_minutes == 30
    assert task.reminder_by_id == berlin.id
    row = reminder_of(db_session, task_id)
    assert row is not None
    assert row.recipient_id == berlin.id
    assert row.due_at == BERLIN_DUE
    assert row.fire_at == BERLIN_FIRE
    assert row.sent_due_at is None and row.sent_at is None


@pytest.mark.parametrize("minutes", [0, 10, 60, 1440])
def test_each_choice_is_minutes_before(
    alice_client: Client, alice: User, db_session: Session, minutes: int
) -> None:
    task_id = create_reminded(alice_client, remind=str(minutes))
    assert get_task(db_session, task_id).remind_minutes == minutes
    due = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert fire_at(db_session, task_id) == due - timedelta(minutes=minutes)


def test_a_date_only_task_is_reminded_at_the_reminder_hour(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client, due_time="", remind="0")
    row = reminder_of(db_session, task_id)
    assert row is not None
    assert row.due_at == row.fire_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # default 09:00


def test_a_reminder_without_a_due_date_is_refused(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    response = submit_task(alice_client, title="Someday", remind="30")
    assert response.status_code == 400
    assert NEEDS_DATE in text_of(response)
    assert count_rows(db_session, Task) == 0
    assert count_rows(db_session, Reminder) == 0


@pytest.mark.parametrize("value", ["15", "abc", "", "-30", "30.0", "NONE"])
def test_a_reminder_choice_not_offered_is_refused(
    alice_client: Client, alice: User, db_session: Session, value: str
) -> None:
    # An empty value is a field sent without a choice: not "none", so refused too (a form
    # that leaves the field out keeps the reminder; one that sends it blank says nothing).
    response = submit_task(
        alice_client, title="Odd", due_date=DUE_DAY.isoformat(), due_time="14:00", remind=value
    )
    assert response.status_code == 400
    assert BAD_CHOICE in text_of(response)
    assert count_rows(db_session, Task) == 0
    assert count_rows(db_session, Reminder) == 0


def test_none_and_no_field_make_no_reminder(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    for fields in ({"remind": "none"}, {}):
        task_id = create_task_via_form(alice_client, due_date=DUE_DAY.isoformat(), **fields)
        task = get_task(db_session, task_id)
        assert (task.remind_minutes, task.reminder_by_id) == (None, None)
        assert reminder_of(db_session, task_id) is None


# -- editing -------------------------------------------------------------------------------


def test_an_edit_without_the_field_keeps_the_reminder(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client)
    edit(alice_client, db_session, task_id, title="Call the dentist again")
    task = get_task(db_session, task_id)
    assert task.title == "Call the dentist again"
    assert (task.remind_minutes, task.reminder_by_id) == (30, berlin.id)
    assert fire_at(db_session, task_id) == BERLIN_FIRE


def test_an_edit_with_none_removes_the_reminder(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client)
    edit(alice_client, db_session, task_id, remind="none")
    task = get_task(db_session, task_id)
    assert (task.remind_minutes, task.reminder_by_id) == (None, None)
    assert reminder_of(db_session, task_id) is None


def test_an_edit_adding_a_reminder_schedules_it(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_task_via_form(alice_client, due_date=DUE_DAY.isoformat(), due_time="14:00")
    assert reminder_of(db_session, task_id) is None
    edit(alice_client, db_session, task_id, remind="30")
    assert fire_at(db_session, task_id) == BERLIN_FIRE


def test_an_edit_with_a_bad_choice_changes_nothing(
    alice_client: Client, berlin: User, db_session: Session, app: Flask
) -> None:
    task_id = create_reminded(alice_client)
    before = unchanged(app)
    task = get_task(db_session, task_id)
    response = alice_client.submit(f"/tasks/{task_id}/edit", edit_fields(task, remind="15"))
    assert response.status_code == 400
    response = alice_client.submit(
        f"/tasks/{task_id}/edit", edit_fields(task, due_date="", due_time="", remind="30")
    )
    assert response.status_code == 400
    assert NEEDS_DATE in text_of(response)
    assert unchanged(app) == before


def test_moving_the_due_date_and_time_moves_the_reminder(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client)
    edit(alice_client, db_session, task_id, due_time="16:45")
    assert fire_at(db_session, task_id) == datetime(2026, 11, 25, 15, 15, tzinfo=UTC)
    edit(alice_client, db_session, task_id, due_date="2026-11-27")
    assert fire_at(db_session, task_id) == datetime(2026, 11, 27, 15, 15, tzinfo=UTC)
    # Without the time, the reminder hour (09:00 Berlin, 08:00 UTC) is the due moment.
    edit(alice_client, db_session, task_id, due_time="")
    row = reminder_of(db_session, task_id)
    assert row is not None
    assert row.due_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert row.fire_at == datetime(2026, 11, 27, 7, 30, tzinfo=UTC)


def test_removing_the_due_date_removes_the_reminder(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client)
    task = get_task(db_session, task_id)
    # The edit form as the page shows it carries the reminder; without it, the date goes
    # and the reminder with it.
    response = alice_client.submit(
        f"/tasks/{task_id}/edit", edit_fields(task, due_date="", due_time="")
    )
    assert response.status_code == 302, text_of(response)
    task = get_task(db_session, task_id)
    assert (task.due_date, task.remind_minutes, task.reminder_by_id) == (None, None, None)
    assert reminder_of(db_session, task_id) is None


# -- completing, deleting, repeating -------------------------------------------------------


def test_completing_cancels_and_reopening_arms_again(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client)
    assert alice_client.submit(f"/tasks/{task_id}/toggle").status_code == 302
    assert get_task(db_session, task_id).status == TaskStatus.COMPLETED
    row = reminder_of(db_session, task_id)
    assert row is not None and row.fire_at is None and row.due_at == BERLIN_DUE
    assert alice_client.submit(f"/tasks/{task_id}/toggle").status_code == 302
    assert get_task(db_session, task_id).status == TaskStatus.PENDING
    assert fire_at(db_session, task_id) == BERLIN_FIRE


def test_cancelling_by_status_stops_it(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client)
    edit(alice_client, db_session, task_id, status="cancelled")
    assert fire_at(db_session, task_id) is None
    edit(alice_client, db_session, task_id, status="in_progress")
    assert fire_at(db_session, task_id) == BERLIN_FIRE


def test_deleting_cancels_and_restoring_arms_again(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client)
    assert alice_client.submit(f"/tasks/{task_id}/delete").status_code == 302
    assert fire_at(db_session, task_id) is None
    assert alice_client.submit(f"/tasks/{task_id}/restore").status_code == 302
    assert fire_at(db_session, task_id) == BERLIN_FIRE


def test_completing_a_recurring_task_reminds_of_the_next_occurrence(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    task_id = create_reminded(alice_client, repeat="weekly")
    assert alice_client.submit(f"/tasks/{task_id}/toggle").status_code == 302
    [successor] = successors(db_session, task_id)
    assert successor.due_date == date(2026, 12, 2)
    assert (successor.remind_minutes, successor.reminder_by_id) == (30, berlin.id)
    row = reminder_of(db_session, successor.id)
    assert row is not None
    assert row.recipient_id == berlin.id
    assert row.due_at == datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    assert row.fire_at == datetime(2026, 12, 2, 12, 30, tzinfo=UTC)
    assert fire_at(db_session, task_id) is None  # the completed occurrence: nothing more


# -- the user's time zone and reminder hour ------------------------------------------------


def test_changing_the_time_zone_reschedules(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    timed = create_reminded(alice_client)
    date_only = create_reminded(alice_client, title="Dated", due_time="", remind="0")
    response = alice_client.submit("/settings", {"name": "Alice", "timezone": "America/New_York"})
    assert response.status_code in (200, 302), text_of(response)
    assert user_by_email(db_session).timezone == "America/New_York"
    # 14:00 EST is 19:00 UTC; 09:00 EST is 14:00 UTC.
    assert fire_at(db_session, timed) == datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
    assert fire_at(db_session, date_only) == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def test_changing_the_reminder_hour_reschedules_date_only_tasks(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    timed = create_reminded(alice_client)
    date_only = create_reminded(alice_client, title="Dated", due_time="", remind="10")
    assert fire_at(db_session, date_only) == datetime(2026, 11, 25, 7, 50, tzinfo=UTC)
    response = alice_client.submit("/settings/notifications", {"reminder_hour": "18"})
    assert response.status_code in (200, 302), text_of(response)
    assert user_by_email(db_session).reminder_hour == 18
    assert fire_at(db_session, date_only) == datetime(2026, 11, 25, 16, 50, tzinfo=UTC)
    assert fire_at(db_session, timed) == BERLIN_FIRE


@pytest.mark.parametrize("hour", ["24", "-1", "abc", "", "9.5"])
def test_an_invalid_reminder_hour_is_refused(
    alice_client: Client, berlin: User, db_session: Session, app: Flask, hour: str
) -> None:
    create_reminded(alice_client, due_time="")
    before = unchanged(app)
    response = alice_client.submit(
        "/settings/notifications", {"reminder_hour": hour, "notify_daily_digest": "y"}
    )
    assert response.status_code == 400
    assert "Choose an hour from 00:00 to 23:00." in text_of(response)
    assert unchanged(app) == before


def test_a_notifications_post_without_the_hour_keeps_it(
    alice_client: Client, berlin: User, db_session: Session
) -> None:
    berlin.reminder_hour = 7
    db_session.commit()
    date_only = create_reminded(alice_client, due_time="", remind="0")
    assert fire_at(db_session, date_only) == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    response = alice_client.submit("/settings/notifications", {"notify_daily_digest": "y"})
    assert response.status_code in (200, 302), text_of(response)
    user = user_by_email(db_session)
    assert user.notify_daily_digest is True and user.reminder_hour == 7
    assert fire_at(db_session, date_only) == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


# -- shared lists --------------------------------------------------------------------------


@pytest.fixture
def team(berlin: User, bob: User, db_session: Session) -> TaskList:
    """Alice's list Team, Bob an editor; Bob lives in Kolkata (+05:30)."""
    set_timezone(db_session, bob, "Asia/Kolkata")
    team = make_list(db_session, berlin, "Team")
    share(db_session, team, bob)
    return team


# 14:00 in Kolkata is 08:30 UTC: 30 minutes before is 08:00 UTC.
KOLKATA_FIRE = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_an_assigned_task_reminds_the_assignee_on_their_clock(
    alice_client: Client, berlin: User, bob: User, team: TaskList, db_session: Session
) -> None:
    task_id = create_reminded(alice_client, list=team.id, assignee=bob.id)
    task = get_task(db_session, task_id)
    assert (task.assignee_id, task.reminder_by_id) == (bob.id, berlin.id)
    row = reminder_of(db_session, task_id)
    assert row is not None
    assert row.recipient_id == bob.id
    assert row.fire_at == KOLKATA_FIRE


def test_unassigning_sends_it_back_to_who_set_it(
    alice_client: Client, berlin: User, bob: User, team: TaskList, db_session: Session
) -> None:
    task_id = create_reminded(alice_client, list=team.id, assignee=bob.id)
    edit(alice_client, db_session, task_id, assignee="")
    assert get_task(db_session, task_id).assignee_id is None
    row = reminder_of(db_session, task_id)
    assert row is not None
    assert (row.recipient_id, row.fire_at) == (berlin.id, BERLIN_FIRE)


def test_assigning_later_moves_it_to_the_assignee(
    alice_client: Client, berlin: User, bob: User, team: TaskList, db_session: Session
) -> None:
    task_id = create_reminded(alice_client, list=team.id)
    assert fire_at(db_session, task_id) == BERLIN_FIRE
    edit(alice_client, db_session, task_id, assignee=str(bob.id))
    row = reminder_of(db_session, task_id)
    assert row is not None
    assert (row.recipient_id, row.fire_at) == (bob.id, KOLKATA_FIRE)


def test_the_assignees_time_zone_change_moves_it(
    alice_client: Client,
    berlin: User,
    bob: User,
    team: TaskList,
    db_session: Session,
    log_in: Callable[[User], Client],
) -> None:
    task_id = create_reminded(alice_client, list=team.id, assignee=bob.id)
    bob_client = log_in(bob)
    response = bob_client.submit("/settings", {"name": "Bob", "timezone": "UTC"})
    assert response.status_code in (200, 302), text_of(response)
    assert fire_at(db_session, task_id) == datetime(2026, 11, 25, 13, 30, tzinfo=UTC)


def test_removing_the_assignee_from_the_list_sends_it_back_to_who_set_it(
    alice_client: Client, berlin: User, bob: User, team: TaskList, db_session: Session
) -> None:
    task_id = create_reminded(alice_client, list=team.id, assignee=bob.id)
    response = alice_client.submit(f"/lists/{team.id}/members/{bob.id}/remove")
    assert response.status_code == 302, text_of(response)
    assert get_task(db_session, task_id).assignee_id is None
    row = reminder_of(db_session, task_id)
    assert row is not None
    assert (row.recipient_id, row.fire_at) == (berlin.id, BERLIN_FIRE)


def test_a_removed_member_is_not_reminded_of_the_lists_tasks(
    alice_client: Client,
    berlin: User,
    bob: User,
    team: TaskList,
    db_session: Session,
    app: Flask,
    log_in: Callable[[User], Client],
    clock: TimeMachineFixture,
) -> None:
    bob_client = log_in(bob)
    task_id = create_reminded(bob_client, list=team.id)  # Bob set it; no one assigned
    row = reminder_of(db_session, task_id)
    assert row is not None and (row.recipient_id, row.fire_at) == (bob.id, KOLKATA_FIRE)
    response = alice_client.submit(f"/lists/{team.id}/members/{bob.id}/remove")
    assert response.status_code == 302, text_of(response)
    clock.move_to(KOLKATA_FIRE, tick=False)
    report = worker_for(app, None).run_once(KOLKATA_FIRE)
    assert report.reminders == 0
    assert outbox_rows(db_session, kind="reminder") == []
    row = reminder_of(db_session, task_id)
    assert row is None or row.fire_at is None


# -- who may set a reminder ----------------------------------------------------------------


def test_a_viewer_cannot_set_a_reminder(
    berlin: User, bob: User, db_session: Session, app: Flask, bob_client: Client
) -> None:
    team = make_list(db_session, berlin, "Team")
    share(db_session, team, bob, "viewer")
    task = make_task(db_session, berlin, "Look", task_list=team, due_date=DUE_DAY)
    before = unchanged(app)
    response = bob_client.submit(f"/tasks/{task.id}/edit", edit_fields(task, remind="30"))
    assert response.status_code == 403
    assert unchanged(app) == before
    assert get_task(db_session, task.id).remind_minutes is None


def test_a_non_member_cannot_set_a_reminder(
    berlin: User, db_session: Session, app: Flask, log_in: Callable[[User], Client]
) -> None:
    team = make_list(db_session, berlin, "Team")
    task = make_task(db_session, berlin, "Look", task_list=team, due_date=DUE_DAY)
    dave = make_user(db_session, "dave@example.com")
    before = unchanged(app)
    response = log_in(dave).submit(f"/tasks/{task.id}/edit", edit_fields(task, remind="30"))
    assert response.status_code == 404
    assert unchanged(app) == before
