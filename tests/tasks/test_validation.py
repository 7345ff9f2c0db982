"""Bad input on every field and query parameter: a 4xx or the form with its errors, never a
500, and nothing written."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from ..client import Client, create_task_via_form, submit_task, total_count
from ..factories import get_task, snapshot

GOOD = {
    "title": "Fine",
    "description": "",
    "priority": "medium",
    "status": "pending",
    "due_date": "2026-06-01",
    "due_time": "10:00",
    "tags": "ok",
    "repeat": "none",
}

BAD_FIELDS = [
    ("title", "", "A task needs a title."),
    ("title", "   \t ", "A task needs a title."),
    ("title", "\x00\x00", "A task needs a title."),
    ("title", "x" * 201, "Keep the title under 201 characters."),
    ("description", "d" * 10_001, "10000 characters"),
    ("priority", "urgent", "Not a valid choice"),
    ("priority", "", "Not a valid choice"),
    ("priority", "3", "Not a valid choice"),
    ("status", "done", "Not a valid choice"),
    ("status", "", "Not a valid choice"),
    ("due_date", "2026-02-30", "Not a valid date value."),
    ("due_date", "2026-13-01", "Not a valid date value."),
    ("due_date", "tomorrow", "Not a valid date value."),
    ("due_date", "01/06/2026", "Not a valid date value."),
    ("due_date", "10000-01-01", "Not a valid date value."),
    ("due_time", "25:00", "Not a valid time value."),
    ("due_time", "12:60", "Not a valid time value."),
    ("due_time", "noon", "Not a valid time value."),
    ("due_time", "-1:00", "Not a valid time value."),
    ("tags", "t" * 51, "Tags can be at most 50 characters long."),
    ("tags", ",".join(f"tag{n}" for n in range(21)), "A task can have at most 20 tags."),
    ("tags", "a" * 2001, "2000 characters"),
    ("repeat", "hourly", "Not a valid choice"),
    ("repeat", "custom", "Not a valid choice"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_bad_field_on_create(
    alice_client: Client, app: Flask, field: str, value: str, message: str, htmx: bool
) -> None:
    before = snapshot(app)
    response = submit_task(alice_client, htmx=htmx, **{**GOOD, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_bad_field_on_edit(
    alice_client: Client, app: Flask, field: str, value: str, message: str, htmx: bool
) -> None:
    task_id = create_task_via_form(alice_client, **GOOD)
    before = snapshot(app)
    response = alice_client.submit(f"/tasks/{task_id}/edit", {**GOOD, field: value}, htmx=htmx)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert snapshot(app) == before


def test_fields_at_their_limits_are_accepted(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(
        alice_client,
        **{
            **GOOD,
            "title": "T" * 200,
            "description": "D" * 10_000,
            "tags": ",".join(f"{n:02d}" + "x" * 48 for n in range(20)),
            "due_date": "0001-01-01",
            "due_time": "23:59",
        },
    )
    task = get_task(db_session, task_id)
    assert task is not None
    assert len(task.title) == 200 and len(task.description) == 10_000
    assert len(task.tags) == 20
    assert alice_client.get(f"/tasks/{task_id}").status_code == 200
    assert alice_client.get("/tasks?sort=due&status=all").status_code == 200


def test_nul_characters_are_dropped_not_fatal(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(
        alice_client, title="Hel\x00lo", description="a\x00b", tags="x\x00y, \x00"
    )
    task = get_task(db_session, task_id)
    assert task is not None
    assert (task.title, task.description) == ("Hello", "ab")
    assert [t.name for t in task.tags] == ["xy"]


def test_posting_without_a_csrf_token_changes_nothing(alice_client: Client, app: Flask) -> None:
    task_id = create_task_via_form(alice_client, title="x")
    before = snapshot(app)
    for url in ("/tasks", f"/tasks/{task_id}/edit", f"/tasks/{task_id}/toggle"):
        assert alice_client.post(url, data={**GOOD, "csrf_token": "forged"}).status_code == 400
    assert snapshot(app) == before


def test_create_errors_page_keeps_what_was_typed(alice_client: Client) -> None:
    response = submit_task(alice_client, title="Keep this", due_time="09:00", tags="mine")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Keep this"' in html and 'value="mine"' in html
    assert "Pick a date for this time." in html
    assert '<details class="create-more" open>' in html


BAD_QUERIES = [
    ("status=sleeping", "Unknown status"),
    ("status=ALL%01", "Unknown status"),
    ("priority=urgent", "Unknown priority"),
    ("due=yesterday", "Unknown due"),
    ("sort=colour", "Unknown sort"),
    ("sort=created;drop", "Unknown sort"),
    ("order=up", "Unknown order"),
    ("page=abc", "page must be a whole number."),
    ("page=1.5", "page must be a whole number."),
    ("page=--5", "page must be a whole number."),
    ("page=-", "page must be a whole number."),
    ("page=%EF%BC%95", "page must be a whole number."),  # a full-width digit five
    ("page=1e3", "page must be a whole number."),
    ("page=99999999999999999999", "page must be a whole number."),
    ("per_page=ten", "per_page must be a whole number."),
    ("per_page=--1", "per_page must be a whole number."),
    ("per_page=0x10", "per_page must be a whole number."),
    ("&".join(f"tag=t{n}" for n in range(11)), "at most 10 tags"),
]


@pytest.mark.parametrize(("query", "message"), BAD_QUERIES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_bad_query_parameter_is_400_with_a_message(
    alice_client: Client, query: str, message: str, htmx: bool
) -> None:
    create_task_via_form(alice_client, title="Still listed")
    alice_client.get("/tasks")  # clear the "Added" message
    headers = {"HX-Request": "true"} if htmx else {}
    response = alice_client.get(f"/tasks?{query}", headers=headers)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    # The user still sees their list (the default one) under the message.
    assert total_count(html) == 1


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-3",
        "page=00002",
        "per_page=-0",
        "status=%20Completed%20",
        "q=",
        "tag=",
        "tag=%20%20",
        "priority=&due=&sort=&order=",
        "unknown=parameter",
        "tag=" + "t" * 500,
    ],
)
def test_odd_but_harmless_query_parameters(alice_client: Client, query: str) -> None:
    response = alice_client.get(f"/tasks?{query}")
    assert response.status_code == 200
