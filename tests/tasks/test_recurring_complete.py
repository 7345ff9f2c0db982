"""Completing a recurring task through the routes: the completed occurrence stays as history
and exactly one open occurrence follows, at the first date of the series after both its
due date and the user's today, in the user's wall-clock time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture
from werkzeug.test import TestResponse

from todo_web.models import Priority, Task, TaskStatus, User

from ..client import Client, task_ids
from ..factories import (
    all_tasks,
    get_task,
    make_task,
    set_timezone,
    successors,
    user_by_email,
)

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # Friday
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _stopped_at_now(clock: TimeMachineFixture) -> None:
    """Every test of this file runs on this clock unless it moves it (requested before the
    users and tasks are made)."""
    clock.move_to(NOW, tick=False)


def toggle_completed(client: Client, task_id: int) -> TestResponse:
    return client.submit(f"/tasks/{task_id}/toggle", {"state": "completed"})


def toggle_plain(client: Client, task_id: int) -> TestResponse:
    return client.submit(f"/tasks/{task_id}/toggle")


def toggle_htmx(client: Client, task_id: int) -> TestResponse:
    return client.submit(f"/tasks/{task_id}/toggle", {"state": "completed"}, htmx=True)


def bulk_complete(client: Client, task_id: int) -> TestResponse:
    return client.submit("/tasks/bulk", [("action", "complete"), ("ids", str(task_id))])


COMPLETIONS: dict[str, Callable[[Client, int], TestResponse]] = {
    "toggle state=completed": toggle_completed,
    "toggle without state": toggle_plain,
    "toggle htmx": toggle_htmx,
    "bulk complete": bulk_complete,
}


def recurring(session: Session, title: str = "Water the plants", **fields: object) -> Task:
    """A task of Alice's, due today and repeating daily unless told otherwise."""
    fields.setdefault("due_date", TODAY)
    fields.setdefault("recurrence", "FREQ=DAILY")
    return make_task(session, user_by_email(session), title, **fields)  # type: ignore[arg-type]


@pytest.fixture(params=list(COMPLETIONS), ids=list(COMPLETIONS))
def complete(request: pytest.FixtureRequest) -> Callable[[Client, int], TestResponse]:
    return COMPLETIONS[request.param]


def test_completing_keeps_the_occurrence_and_creates_the_next(
    alice_client: Client,
    db_session: Session,
    complete: Callable[[Client, int], TestResponse],
) -> None:
    user = user_by_email(db_session)
    tags = ("home", "garden")
    first = recurring(
        db_session,
        "Water the plants",
        description="The ferns twice",
        priority=Priority.HIGH,
        due_time=time(18, 30),
        recurrence="FREQ=WEEKLY;INTERVAL=2",
        tags=tags,
    )
    response = complete(alice_client, first.id)
    assert response.status_code in (200, 302)

    done = get_task(db_session, first.id)
    assert done.status == TaskStatus.COMPLETED and done.completed_at is not None
    assert done.due_date == TODAY  # history keeps its own date
    (following,) = successors(db_session, first.id)
    assert following.status == TaskStatus.PENDING and following.completed_at is None
    assert following.due_date == TODAY + timedelta(days=14)
    assert following.due_time == time(18, 30)
    assert (following.title, following.description) == ("Water the plants", "The ferns twice")
    assert following.priority == Priority.HIGH
    assert following.recurrence == "FREQ=WEEKLY;INTERVAL=2"
    assert sorted(t.name for t in following.tags) == ["garden", "home"]
    assert following.user_id == user.id and following.deleted_at is None
    assert len(all_tasks(db_session)) == 2


def test_a_task_missed_for_a_week_leaves_one_occurrence_after_today(
    alice_client: Client,
    db_session: Session,
    complete: Callable[[Client, int], TestResponse],
) -> None:
    missed = recurring(db_session, due_date=TODAY - timedelta(days=7))
    complete(alice_client, missed.id)
    (following,) = successors(db_session, missed.id)
    assert following.due_date == TODAY + timedelta(days=1)
    open_tasks = [t for t in all_tasks(db_session) if t.status == TaskStatus.PENDING]
    assert [t.id for t in open_tasks] == [following.id]


def test_completing_early_moves_past_the_due_date(
    alice_client: Client,
    db_session: Session,
    complete: Callable[[Client, int], TestResponse],
) -> None:
    early = recurring(db_session, due_date=date(2026, 11, 25), recurrence="FREQ=WEEKLY")
    complete(alice_client, early.id)
    (following,) = successors(db_session, early.id)
    assert following.due_date == date(2026, 12, 2)


def test_reopening_and_completing_again_creates_no_more(
    alice_client: Client, db_session: Session
) -> None:
    first = recurring(db_session)
    toggle_completed(alice_client, first.id)
    alice_client.submit(f"/tasks/{first.id}/toggle", {"state": "pending"})
    assert get_task(db_session, first.id).status == TaskStatus.PENDING
    toggle_plain(alice_client, first.id)
    alice_client.submit("/tasks/bulk", [("action", "reopen"), ("ids", str(first.id))])
    bulk_complete(alice_client, first.id)
    assert get_task(db_session, first.id).status == TaskStatus.COMPLETED
    assert len(successors(db_session, first.id)) == 1
    assert len(all_tasks(db_session)) == 2


def test_completing_twice_is_one_completion(
    clock: TimeMachineFixture, alice_client: Client, db_session: Session
) -> None:
    """A double click sends state=completed twice: the second changes nothing."""
    first = recurring(db_session)
    toggle_completed(alice_client, first.id)
    completed_at = get_task(db_session, first.id).completed_at
    clock.shift(timedelta(seconds=1))  # a second completion would stamp another time
    response = toggle_completed(alice_client, first.id)
    assert response.status_code == 302
    again = get_task(db_session, first.id)
    assert again.status == TaskStatus.COMPLETED and again.completed_at == completed_at
    assert len(all_tasks(db_session)) == 2


def test_completing_the_next_occurrence_continues_the_series(
    alice_client: Client, db_session: Session
) -> None:
    first = recurring(db_session, recurrence="FREQ=WEEKLY", due_date=date(2026, 11, 23))
    toggle_completed(alice_client, first.id)
    (second,) = successors(db_session, first.id)
    toggle_completed(alice_client, second.id)
    (third,) = successors(db_session, second.id)
    assert [first.due_date, second.due_date, third.due_date] == [
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 12, 7),
    ]


def test_the_htmx_answer_is_the_list_with_the_next_occurrence(
    alice_client: Client, db_session: Session
) -> None:
    first = recurring(db_session)
    response = toggle_htmx(alice_client, first.id)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert response.headers["HX-Retarget"] == "#task-list"
    # The open list as the user sees it: the completed one gone, the next one in.
    (following,) = successors(db_session, first.id)
    assert task_ids(html) == [following.id]
    assert 'id="task-counts"' in html and 'hx-swap-oob="true"' in html
    assert "Done. Next:" in html
    assert task_ids(alice_client.get("/tasks").get_data(as_text=True)) == [following.id]


def test_a_task_that_does_not_repeat_just_completes(
    alice_client: Client, db_session: Session, complete: Callable
) -> None:
    once = recurring(db_session, recurrence=None)
    complete(alice_client, once.id)
    assert get_task(db_session, once.id).status == TaskStatus.COMPLETED
    assert len(all_tasks(db_session)) == 1


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;COUNT=3",
        "FREQ=WEEKLY;COUNT=3",
        "FREQ=MONTHLY;BYMONTHDAY=20;COUNT=3",
    ],
)
def test_a_counted_series_ends_after_its_last_occurrence(
    alice_client: Client, db_session: Session, rule: str
) -> None:
    """COUNT=3: the task itself and two more; completing the third creates nothing."""
    current = recurring(db_session, recurrence=rule)
    chain = [current.id]
    for _ in range(5):
        toggle_completed(alice_client, chain[-1])
        following = successors(db_session, chain[-1])
        if not following:
            break
        chain.append(following[0].id)
    assert len(chain) == 3
    tasks = all_tasks(db_session)
    assert len(tasks) == 3
    assert all(t.status == TaskStatus.COMPLETED for t in tasks)


def test_a_counted_series_missed_for_a_while_ends_on_time(
    alice_client: Client, db_session: Session
) -> None:
    """Four daily dates from Nov 15: 15, 16, 17, 18. Completed on Nov 20, none is left."""
    late = recurring(db_session, recurrence="FREQ=DAILY;COUNT=4", due_date=date(2026, 11, 15))
    toggle_completed(alice_client, late.id)
    assert successors(db_session, late.id) == []


def test_a_counted_series_skips_missed_dates_but_keeps_the_later_ones(
    alice_client: Client, db_session: Session
) -> None:
    """Ten daily dates from Nov 15 (15..24): completed on the 20th, the next is the 21st
    and the series still ends on the 24th."""
    late = recurring(db_session, recurrence="FREQ=DAILY;COUNT=10", due_date=date(2026, 11, 15))
    chain = [late.id]
    for _ in range(10):
        toggle_completed(alice_client, chain[-1])
        following = successors(db_session, chain[-1])
        if not following:
            break
        chain.append(following[0].id)
    dates = [get_task(db_session, task_id).due_date for task_id in chain]
    assert dates == [date(2026, 11, 15), *(date(2026, 11, day) for day in range(21, 25))]


def test_a_series_with_an_until_ends(alice_client: Client, db_session: Session) -> None:
    last = recurring(db_session, recurrence="FREQ=DAILY;UNTIL=20261121")
    toggle_completed(alice_client, last.id)
    (following,) = successors(db_session, last.id)
    assert following.due_date == date(2026, 11, 21)
    toggle_completed(alice_client, following.id)
    assert successors(db_session, following.id) == []


def test_completion_counts_from_the_users_today(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    """At 10:00 UTC on Friday it is Saturday 00:00 at UTC+14: a daily task missed since
    Nov 1 moves to Sunday, the day after the user's today."""
    set_timezone(db_session, alice, "Pacific/Kiritimati")
    missed = recurring(db_session, due_date=date(2026, 11, 1))
    toggle_completed(alice_client, missed.id)
    (following,) = successors(db_session, missed.id)
    assert following.due_date == date(2026, 11, 22)


def test_a_weekly_task_stays_at_nine_across_the_clock_change(
    clock: TimeMachineFixture, alice: User, log_in: Callable[[User], Client], db_session: Session
) -> None:
    """Berlin leaves summer time on Sunday 2026-10-25: 09:00 on the Thursday before is
    07:00 UTC, 09:00 the Thursday after is 08:00 UTC. The wall clock stays at 09:00."""
    clock.move_to(datetime(2026, 10, 22, 7, 30, tzinfo=UTC), tick=False)
    alice_client = log_in(alice)  # after the move: a login is signed with its time
    set_timezone(db_session, alice, "Europe/Berlin")
    meeting = recurring(
        db_session, due_date=date(2026, 10, 22), due_time=time(9, 0), recurrence="FREQ=WEEKLY"
    )
    toggle_completed(alice_client, meeting.id)
    (following,) = successors(db_session, meeting.id)
    assert (following.due_date, following.due_time) == (date(2026, 10, 29), time(9, 0))


def test_a_task_just_after_midnight_keeps_its_weekday_across_the_clock_change(
    clock: TimeMachineFixture, alice: User, log_in: Callable[[User], Client], db_session: Session
) -> None:
    """Auckland leaves summer time on Sunday 2026-04-05 (UTC+13 to UTC+12). A Monday 00:30
    task expanded in UTC would slide to Sunday 23:30; in local time it stays on Monday."""
    clock.move_to(datetime(2026, 3, 29, 12, 0, tzinfo=UTC), tick=False)  # Mon 01:00 there
    alice_client = log_in(alice)  # after the move: a login is signed with its time
    set_timezone(db_session, alice, "Pacific/Auckland")
    early = recurring(
        db_session, due_date=date(2026, 3, 30), due_time=time(0, 30), recurrence="FREQ=WEEKLY"
    )
    toggle_completed(alice_client, early.id)
    (following,) = successors(db_session, early.id)
    assert (following.due_date, following.due_time) == (date(2026, 4, 6), time(0, 30))


def test_a_weekday_task_completed_on_friday_comes_back_on_monday(
    alice_client: Client, db_session: Session
) -> None:
    weekdays = recurring(db_session, recurrence="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    toggle_completed(alice_client, weekdays.id)
    (following,) = successors(db_session, weekdays.id)
    assert following.due_date == date(2026, 11, 23)


def test_a_quick_add_rule_completes_to_its_next_date(
    alice_client: Client, db_session: Session
) -> None:
    alice_client.submit("/tasks/quick", {"text": "Pay rent every month on the 1st #bills !high"})
    (rent,) = all_tasks(db_session)
    toggle_completed(alice_client, rent.id)
    (following,) = successors(db_session, rent.id)
    assert following.due_date == date(2027, 1, 1)
    assert following.recurrence == "FREQ=MONTHLY;BYMONTHDAY=1"
    assert following.priority == Priority.HIGH
    assert [t.name for t in following.tags] == ["bills"]


def test_completing_through_the_edit_form_creates_the_next_occurrence(
    alice_client: Client, db_session: Session
) -> None:
    """The status select of the edit form is one more way to complete a task."""
    weekly = recurring(db_session, recurrence="FREQ=WEEKLY", due_date=date(2026, 11, 23))
    response = alice_client.submit(
        f"/tasks/{weekly.id}/edit",
        {
            "title": "Water the plants",
            "priority": "medium",
            "status": "completed",
            "due_date": "2026-11-23",
            "repeat": "weekly",
            "interval": "1",
        },
    )
    assert response.status_code == 302
    assert get_task(db_session, weekly.id).status == TaskStatus.COMPLETED
    (following,) = successors(db_session, weekly.id)
    assert following.due_date == date(2026, 11, 30)
    # Saving the completed task again does not make another.
    alice_client.submit(
        f"/tasks/{weekly.id}/edit",
        {
            "title": "Water the plants, done",
            "priority": "medium",
            "status": "completed",
            "due_date": "2026-11-23",
            "repeat": "weekly",
            "interval": "1",
        },
    )
    assert len(successors(db_session, weekly.id)) == 1
    assert len(all_tasks(db_session)) == 2


def test_a_deleted_next_occurrence_is_not_recreated(
    alice_client: Client, db_session: Session
) -> None:
    first = recurring(db_session)
    toggle_completed(alice_client, first.id)
    (following,) = successors(db_session, first.id)
    alice_client.submit(f"/tasks/{following.id}/delete")
    alice_client.submit(f"/tasks/{first.id}/toggle", {"state": "pending"})
    toggle_completed(alice_client, first.id)
    assert len(all_tasks(db_session)) == 2


def test_another_users_recurring_task_is_404_and_unchanged(
    alice_client: Client, bob: User, db_session: Session
) -> None:
    theirs = make_task(db_session, bob, "Bob's", due_date=TODAY, recurrence="FREQ=DAILY")
    assert toggle_completed(alice_client, theirs.id).status_code == 404
    assert bulk_complete(alice_client, theirs.id).status_code == 404
    assert get_task(db_session, theirs.id).status == TaskStatus.PENDING
    assert len(all_tasks(db_session)) == 1


def test_bob_completes_his_own(bob: User, bob_client: Client, db_session: Session) -> None:
    """The successor belongs to the user who owns the series."""
    theirs = make_task(db_session, bob, "Bob's", due_date=TODAY, recurrence="FREQ=DAILY")
    toggle_completed(bob_client, theirs.id)
    (following,) = successors(db_session, theirs.id)
    assert following.user_id == bob.id
