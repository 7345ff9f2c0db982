"""The schedule fields of the create and edit forms: `repeat` + `interval` stored as an RRULE,
custom rules (from quick add) kept through the edit form, the first date of a repeat typed
without a date, and the previews of the dates to come (edit page, GET /tasks/repeat-preview).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.models import Task, User

from ..client import Client
from ..factories import all_tasks, get_task, make_task, set_timezone

# A Friday. Every test of this file runs on this clock unless it says otherwise.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
MONDAY = date(2026, 11, 23)

FORM = {
    "title": "Water the plants",
    "description": "",
    "priority": "medium",
    "status": "pending",
    "due_date": "",
    "due_time": "",
    "tags": "",
    "repeat": "none",
    "interval": "1",
}


@pytest.fixture(autouse=True)
def _stopped_at_now(clock: TimeMachineFixture) -> None:
    clock.move_to(NOW, tick=False)


@pytest.fixture
def rent(alice: User, db_session: Session) -> Task:
    """Alice's rent, due on the 1st of every month: a rule no preset gives."""
    return make_task(
        db_session,
        alice,
        "Rent",
        due_date=date(2026, 12, 1),
        recurrence="FREQ=MONTHLY;BYMONTHDAY=1",
    )


def create(client: Client, **fields: str) -> object:
    return client.submit("/tasks", {**FORM, **fields})


def edit(client: Client, task_id: int, **fields: str) -> object:
    return client.submit(f"/tasks/{task_id}/edit", {**FORM, **fields})


def dates_in(html: str) -> list[date]:
    """The dates of a schedule preview (`<time datetime="YYYY-MM-DD">`)."""
    return [
        date.fromisoformat(found)
        for found in re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)">', html)
    ]


def selected_option(html: str, name: str) -> str | None:
    """The value of the selected option of the <select name=...> in the page."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    for option in re.finditer(r"<option([^>]*)>", select.group(1)):
        attributes = option.group(1)
        if re.search(r"\bselected\b", attributes):
            value = re.search(r'value="([^"]*)"', attributes)
            return value.group(1) if value else None
    return None


def input_value(html: str, name: str) -> str | None:
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert field, f"no input {name}"
    value = re.search(r'value="([^"]*)"', field.group(0))
    return value.group(1) if value else None


# -- create --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repeat", "interval", "rule"),
    [
        ("none", "1", None),
        ("none", "4", None),
        ("daily", "1", "FREQ=DAILY"),
        ("daily", "3", "FREQ=DAILY;INTERVAL=3"),
        ("weekdays", "1", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("weekdays", "2", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR"),
        ("weekly", "1", "FREQ=WEEKLY"),
        ("weekly", "2", "FREQ=WEEKLY;INTERVAL=2"),
        ("monthly", "1", "FREQ=MONTHLY"),
        ("monthly", "", "FREQ=MONTHLY"),  # an empty interval means 1
        ("yearly", "365", "FREQ=YEARLY;INTERVAL=365"),
    ],
)
def test_create_stores_the_repeat_as_an_rrule(
    alice_client: Client, db_session: Session, repeat: str, interval: str, rule: str | None
) -> None:
    response = create(
        alice_client, repeat=repeat, interval=interval, due_date="2026-11-23", due_time="09:00"
    )
    assert response.status_code == 302
    (created,) = all_tasks(db_session)
    assert created.recurrence == rule
    assert (created.due_date, created.due_time) == (MONDAY, time(9, 0))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"repeat": "hourly"}, "Not a valid choice"),
        ({"repeat": "custom"}, "Not a valid choice"),  # no stored rule to keep on create
        ({"repeat": "weekly", "interval": "0"}, "between 1 and 365"),
        ({"repeat": "weekly", "interval": "366"}, "between 1 and 365"),
        ({"repeat": "weekly", "interval": "-2"}, "between 1 and 365"),
        ({"repeat": "weekly", "interval": "two"}, "Not a valid integer"),
        ({"repeat": "weekly", "interval": "1e9"}, "Not a valid integer"),
    ],
)
def test_create_refuses_a_bad_schedule(
    alice_client: Client, db_session: Session, fields: dict[str, str], message: str
) -> None:
    response = create(alice_client, due_date="2026-11-23", **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert all_tasks(db_session) == []


def test_create_refuses_a_bad_schedule_for_htmx_with_the_form(
    alice_client: Client, db_session: Session
) -> None:
    response = alice_client.submit(
        "/tasks", {**FORM, "repeat": "weekly", "interval": "0"}, htmx=True
    )
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#create-form"
    assert "between 1 and 365" in response.get_data(as_text=True)
    assert all_tasks(db_session) == []


def test_a_repeat_without_a_date_starts_today(alice_client: Client, db_session: Session) -> None:
    create(alice_client, repeat="weekly")
    (created,) = all_tasks(db_session)
    assert (created.recurrence, created.due_date) == ("FREQ=WEEKLY", TODAY)


def test_a_weekday_repeat_without_a_date_starts_on_the_next_weekday(
    clock: TimeMachineFixture, alice: User, log_in: Callable[[User], Client], db_session: Session
) -> None:
    clock.move_to(datetime(2026, 11, 21, 12, 0, tzinfo=UTC), tick=False)  # a Saturday
    create(log_in(alice), repeat="weekdays")
    (created,) = all_tasks(db_session)
    assert created.due_date == MONDAY


def test_the_first_date_of_a_repeat_is_the_users_today(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    """At 10:00 UTC on Friday it is already Saturday 00:00 at UTC+14."""
    set_timezone(db_session, alice, "Pacific/Kiritimati")
    create(alice_client, repeat="daily")
    (created,) = all_tasks(db_session)
    assert created.due_date == date(2026, 11, 21)


def test_no_repeat_without_a_date_stays_undated(alice_client: Client, db_session: Session) -> None:
    create(alice_client)
    (created,) = all_tasks(db_session)
    assert (created.recurrence, created.due_date) == (None, None)


# -- edit ----------------------------------------------------------------------------------


def test_edit_shows_the_stored_preset(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    weekly = make_task(
        db_session, alice, "Review", due_date=MONDAY, recurrence="FREQ=WEEKLY;INTERVAL=2"
    )
    html = alice_client.get(f"/tasks/{weekly.id}/edit").get_data(as_text=True)
    assert selected_option(html, "repeat") == "weekly"
    assert input_value(html, "interval") == "2"
    assert 'value="custom"' not in html


@pytest.mark.parametrize(
    ("repeat", "interval", "rule"),
    [
        ("monthly", "1", "FREQ=MONTHLY"),
        ("weekdays", "1", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ("daily", "5", "FREQ=DAILY;INTERVAL=5"),
        ("none", "1", None),
    ],
)
def test_edit_changes_the_repeat(
    alice: User,
    alice_client: Client,
    db_session: Session,
    repeat: str,
    interval: str,
    rule: str | None,
) -> None:
    weekly = make_task(db_session, alice, "Review", due_date=MONDAY, recurrence="FREQ=WEEKLY")
    response = edit(
        alice_client,
        weekly.id,
        title="Review",
        due_date="2026-11-23",
        repeat=repeat,
        interval=interval,
    )
    assert response.status_code == 302
    assert get_task(db_session, weekly.id).recurrence == rule


def test_edit_refuses_a_bad_interval_and_keeps_the_rule(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    weekly = make_task(db_session, alice, "Review", due_date=MONDAY, recurrence="FREQ=WEEKLY")
    response = edit(
        alice_client,
        weekly.id,
        title="Review",
        due_date="2026-11-23",
        repeat="daily",
        interval="0",
    )
    assert response.status_code == 400
    assert "between 1 and 365" in response.get_data(as_text=True)
    assert get_task(db_session, weekly.id).recurrence == "FREQ=WEEKLY"


def test_a_quick_add_rule_shows_as_custom_and_survives_an_unchanged_save(
    alice_client: Client, db_session: Session
) -> None:
    alice_client.submit("/tasks/quick", {"text": "Pay rent every month on the 1st #bills !high"})
    (rent,) = all_tasks(db_session)
    assert rent.recurrence == "FREQ=MONTHLY;BYMONTHDAY=1"
    assert rent.due_date == date(2026, 12, 1)

    html = alice_client.get(f"/tasks/{rent.id}/edit").get_data(as_text=True)
    assert selected_option(html, "repeat") == "custom"
    assert "Custom: every month on the 1st" in html

    # Save the form as the page filled it in, changing only the title.
    response = edit(
        alice_client,
        rent.id,
        title="Pay the rent",
        priority="high",
        due_date="2026-12-01",
        tags="bills",
        repeat="custom",
        interval="1",
    )
    assert response.status_code == 302
    saved = get_task(db_session, rent.id)
    assert saved.title == "Pay the rent"
    assert saved.recurrence == "FREQ=MONTHLY;BYMONTHDAY=1"
    assert [t.name for t in saved.tags] == ["bills"]


def test_a_custom_rule_is_replaced_when_a_preset_is_chosen(
    alice: User, rent: Task, alice_client: Client, db_session: Session
) -> None:
    edit(alice_client, rent.id, title="Rent", due_date="2026-12-01", repeat="yearly")
    assert get_task(db_session, rent.id).recurrence == "FREQ=YEARLY"
    # Now that the rule is a preset, "custom" is no longer a choice.
    response = edit(alice_client, rent.id, title="Rent", due_date="2026-12-01", repeat="custom")
    assert response.status_code == 400
    assert get_task(db_session, rent.id).recurrence == "FREQ=YEARLY"


def test_the_inline_editor_keeps_a_custom_rule_too(
    alice: User, rent: Task, alice_client: Client, db_session: Session
) -> None:
    fragment = alice_client.get(f"/tasks/{rent.id}/edit", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and selected_option(html, "repeat") == "custom"
    response = alice_client.submit(
        f"/tasks/{rent.id}/edit",
        {**FORM, "title": "Rent", "due_date": "2026-12-01", "repeat": "custom"},
        htmx=True,
    )
    assert response.status_code == 200
    assert f'data-task-id="{rent.id}"' in response.get_data(as_text=True)
    assert get_task(db_session, rent.id).recurrence == "FREQ=MONTHLY;BYMONTHDAY=1"


def test_clearing_the_date_of_a_repeating_task_starts_it_today(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    weekly = make_task(
        db_session, alice, "Review", due_date=date(2026, 10, 1), recurrence="FREQ=WEEKLY"
    )
    edit(alice_client, weekly.id, title="Review", due_date="", repeat="weekly")
    assert get_task(db_session, weekly.id).due_date == TODAY


# -- previews ------------------------------------------------------------------------------


def test_the_edit_page_shows_the_next_three_dates(
    alice: User, rent: Task, alice_client: Client, db_session: Session
) -> None:
    weekly = make_task(db_session, alice, "Review", due_date=MONDAY, recurrence="FREQ=WEEKLY")
    overdue = make_task(
        db_session, alice, "Report", due_date=date(2026, 11, 2), recurrence="FREQ=MONTHLY"
    )
    plain = make_task(db_session, alice, "Once", due_date=MONDAY)

    html = alice_client.get(f"/tasks/{weekly.id}/edit").get_data(as_text=True)
    assert dates_in(html) == [MONDAY, date(2026, 11, 30), date(2026, 12, 7)]
    assert "Repeats every Monday" in html
    # An overdue task moves past today: the missed dates are not offered.
    html = alice_client.get(f"/tasks/{overdue.id}/edit").get_data(as_text=True)
    assert dates_in(html) == [date(2026, 12, 2), date(2027, 1, 2), date(2027, 2, 2)]
    html = alice_client.get(f"/tasks/{rent.id}/edit").get_data(as_text=True)
    assert dates_in(html) == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    html = alice_client.get(f"/tasks/{plain.id}/edit").get_data(as_text=True)
    assert dates_in(html) == []
    # The inline editor shows them as well.
    fragment = alice_client.get(f"/tasks/{weekly.id}/edit", headers={"HX-Request": "true"})
    assert dates_in(fragment.get_data(as_text=True)) == [
        MONDAY,
        date(2026, 11, 30),
        date(2026, 12, 7),
    ]


def test_the_edit_page_shows_when_a_counted_series_runs_out(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    counted = make_task(
        db_session, alice, "Course", due_date=MONDAY, recurrence="FREQ=WEEKLY;COUNT=2"
    )
    html = alice_client.get(f"/tasks/{counted.id}/edit").get_data(as_text=True)
    assert dates_in(html) == [MONDAY, date(2026, 11, 30)]
    assert "2 times" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"repeat": "weekly", "interval": "1", "due_date": "2026-11-23"},
            [MONDAY, date(2026, 11, 30), date(2026, 12, 7)],
        ),
        (
            {"repeat": "weekly", "interval": "2", "due_date": "2026-11-23"},
            [MONDAY, date(2026, 12, 7), date(2026, 12, 21)],
        ),
        (
            {"repeat": "daily", "interval": "1", "due_date": ""},
            [TODAY, date(2026, 11, 21), date(2026, 11, 22)],
        ),
        (
            {"repeat": "weekdays", "interval": "1", "due_date": ""},
            [TODAY, MONDAY, date(2026, 11, 24)],
        ),
        (
            {"repeat": "monthly", "interval": "1", "due_date": "2027-01-31"},
            [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31)],
        ),
        (
            {"repeat": "yearly", "interval": "1", "due_date": "2028-02-29"},
            [date(2028, 2, 29), date(2032, 2, 29), date(2036, 2, 29)],
        ),
        # A date in the past: the task would move past today.
        (
            {"repeat": "daily", "interval": "1", "due_date": "2026-11-01"},
            [date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)],
        ),
        # A date that does not parse counts as none.
        (
            {"repeat": "daily", "interval": "1", "due_date": "2026-13-45"},
            [TODAY, date(2026, 11, 21), date(2026, 11, 22)],
        ),
    ],
)
def test_repeat_preview_answers_the_dates_for_the_fields_as_typed(
    alice_client: Client, params: dict[str, str], expected: list[date]
) -> None:
    response = alice_client.get(
        "/tasks/repeat-preview", query_string=params, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert dates_in(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"repeat": "none"},
        {"repeat": "custom"},
        {},
    ],
)
def test_repeat_preview_is_empty_without_a_preset(
    alice_client: Client, params: dict[str, str]
) -> None:
    response = alice_client.get("/tasks/repeat-preview", query_string=params)
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == ""


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"repeat": "weekly", "interval": "0"}, "between 1 and 365"),
        ({"repeat": "weekly", "interval": "999"}, "between 1 and 365"),
        ({"repeat": "fortnightly"}, "Choose how the task repeats"),
    ],
)
def test_repeat_preview_explains_a_bad_schedule(
    alice_client: Client, params: dict[str, str], message: str
) -> None:
    response = alice_client.get("/tasks/repeat-preview", query_string=params)
    assert response.status_code == 200  # shown in place, under the fields
    html = response.get_data(as_text=True)
    assert message in html and "field-error" in html


@pytest.mark.parametrize("interval", ["two", "1.5", "9" * 40])
def test_repeat_preview_never_fails_on_a_malformed_interval(
    alice_client: Client, interval: str
) -> None:
    response = alice_client.get(
        "/tasks/repeat-preview", query_string={"repeat": "weekly", "interval": interval}
    )
    assert response.status_code in (200, 400)


def test_repeat_preview_uses_the_users_today(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    set_timezone(db_session, alice, "Pacific/Kiritimati")  # already Saturday there
    response = alice_client.get("/tasks/repeat-preview", query_string={"repeat": "daily"})
    assert dates_in(response.get_data(as_text=True))[0] == date(2026, 11, 21)


def test_repeat_preview_needs_a_login(client: Client) -> None:
    response = client.get("/tasks/repeat-preview", query_string={"repeat": "daily"})
    assert response.status_code == 302 and "/auth/login" in response.location
