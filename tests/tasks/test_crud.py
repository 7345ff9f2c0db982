"""Create, detail, edit, toggle, delete and undo, as plain form posts (no JavaScript)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import Flask
from sqlalchemy.orm import Session

from todo_web.models import Priority, TaskStatus, User

from ..client import Client, create_task_via_form, edit_fields, list_ids, submit_task, task_ids
from ..factories import get_task, make_task, snapshot

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def age(db_session: Session, task_id: int) -> None:
    """Move the task's timestamps into the past, so any change to them is visible."""
    task = get_task(db_session, task_id)
    task.created_at = task.updated_at = LONG_AGO
    db_session.commit()


# -- create --------------------------------------------------------------------------------


def test_create_with_every_field(alice_client: Client, alice: User, db_session: Session) -> None:
    response = submit_task(
        alice_client,
        title="  Write the report  ",
        description="Quarterly numbers\nand the summary",
        priority="high",
        status="in_progress",
        due_date="2026-03-14",
        due_time="09:30",
        tags="work, writing",
        repeat="weekly",
        next="/tasks?status=all",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks?status=all"

    [task_id] = list_ids(alice_client, "?status=all")
    task = get_task(db_session, task_id)
    assert task.user_id == alice.id
    assert task.title == "Write the report"
    assert task.description == "Quarterly numbers\nand the summary"
    assert task.priority is Priority.HIGH
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.due_date == date(2026, 3, 14)
    assert task.due_time == time(9, 30)
    assert [tag.name for tag in task.tags] == ["work", "writing"]
    assert task.recurrence == "FREQ=WEEKLY"
    assert task.completed_at is None and task.deleted_at is None
    assert task.created_at.tzinfo is not None and task.updated_at.tzinfo is not None


def test_create_with_only_a_title_takes_the_defaults(
    alice_client: Client, db_session: Session
) -> None:
    task = get_task(db_session, create_task_via_form(alice_client, title="Buy milk"))
    assert task.priority is Priority.MEDIUM
    assert task.status == TaskStatus.PENDING
    assert (task.due_date, task.due_time, task.recurrence) == (None, None, None)
    assert task.description == "" and task.tags == []


def test_each_repeat_choice_is_stored_as_a_rule(alice_client: Client, db_session: Session) -> None:
    rules = {
        "none": None,
        "daily": "FREQ=DAILY",
        "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "weekly": "FREQ=WEEKLY",
        "monthly": "FREQ=MONTHLY",
        "yearly": "FREQ=YEARLY",
    }
    for repeat, rule in rules.items():
        task_id = create_task_via_form(alice_client, title=f"Repeat {repeat}", repeat=repeat)
        assert get_task(db_session, task_id).recurrence == rule
        page = alice_client.get(f"/tasks/{task_id}/edit").get_data(as_text=True)
        assert f'<option selected value="{repeat}">' in page


def test_create_as_completed_records_when(alice_client: Client, db_session: Session) -> None:
    before = datetime.now(UTC)
    task = get_task(
        db_session, create_task_via_form(alice_client, title="Done already", status="completed")
    )
    assert task.status == TaskStatus.COMPLETED
    assert task.completed_at is not None and task.completed_at >= before.replace(microsecond=0)


def test_create_shows_the_task_and_a_message(alice_client: Client) -> None:
    response = submit_task(alice_client, title="Call the plumber")
    page = alice_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Call the plumber" in page
    assert "Added “Call the plumber”." in page


def test_create_redirects_only_to_local_paths(alice_client: Client) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        response = submit_task(alice_client, title="x", next=target)
        assert response.status_code == 302
        assert response.headers["Location"] == "/tasks"


def test_the_form_with_every_field_is_loaded_when_opened(alice_client: Client) -> None:
    """The list page carries quick add; the full create form comes from /tasks/new: alone
    for htmx (swapped into the list page), as a page of its own without JavaScript."""
    page = alice_client.get("/tasks").get_data(as_text=True)
    assert 'id="create-form"' not in page
    assert 'hx-get="/tasks/new" hx-trigger="toggle once"' in page
    assert '<a href="/tasks/new">' in page

    fragment = alice_client.get(
        "/tasks/new", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/tasks"}
    ).get_data(as_text=True)
    assert "<html" not in fragment
    assert 'id="create-form"' in fragment and 'hx-post="/tasks"' in fragment
    for field in ("title", "description", "priority", "status", "due_date", "due_time", "tags"):
        assert f'name="{field}"' in fragment

    standalone = alice_client.get("/tasks/new").get_data(as_text=True)
    assert "<html" in standalone and 'id="create-form"' in standalone
    assert "hx-post" not in standalone.split('id="create-form"')[1].split(">")[0]
    assert 'name="next" value="/tasks"' in standalone


def test_the_form_page_creates_and_comes_back_to_the_list(alice_client: Client) -> None:
    html = alice_client.get("/tasks/new").get_data(as_text=True)
    next_path = html.split('name="next" value="')[1].split('"')[0]
    response = alice_client.submit(
        "/tasks",
        {"title": "From the full form", "priority": "high", "next": next_path},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"
    assert "From the full form" in alice_client.get("/tasks").get_data(as_text=True)


def test_the_form_page_needs_a_login(client: Client) -> None:
    response = client.get("/tasks/new")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_create_time_without_date_is_refused(alice_client: Client, app: Flask) -> None:
    before = snapshot(app)
    response = submit_task(alice_client, title="Lunch", due_time="12:00")
    assert response.status_code == 400
    assert "Pick a date for this time." in response.get_data(as_text=True)
    assert snapshot(app) == before


# -- detail --------------------------------------------------------------------------------


def test_detail_shows_every_field(alice_client: Client) -> None:
    task_id = create_task_via_form(
        alice_client,
        title="Pay rent",
        description="Transfer to the landlord",
        priority="high",
        due_date="2026-05-01",
        due_time="08:00",
        tags="home, money",
        repeat="monthly",
    )
    response = alice_client.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'data-task-id="{task_id}"' in page
    for text in ("Pay rent", "Transfer to the landlord", "High", "2026-05-01", "08:00"):
        assert text in page
    assert "Repeats" in page and "every month" in page
    assert 'href="/tasks?tag=home"' in page and 'href="/tasks?tag=money"' in page


def test_missing_task_is_404(alice_client: Client) -> None:
    assert alice_client.get("/tasks/999999").status_code == 404
    assert alice_client.get("/tasks/999999/edit").status_code == 404
    assert alice_client.submit("/tasks/999999/toggle").status_code == 404


# -- edit ----------------------------------------------------------------------------------


def test_edit_page_is_filled_in(alice_client: Client) -> None:
    task_id = create_task_via_form(
        alice_client,
        title="Plan trip",
        description="Book the train",
        priority="low",
        status="in_progress",
        due_date="2026-07-01",
        due_time="18:45",
        tags="travel, family",
        repeat="yearly",
    )
    response = alice_client.get(f"/tasks/{task_id}/edit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Plan trip"' in page
    assert "Book the train</textarea>" in page
    assert '<option selected value="low">' in page
    assert '<option selected value="in_progress">' in page
    assert 'value="2026-07-01"' in page and 'value="18:45"' in page
    assert 'value="family, travel"' in page
    assert '<option selected value="yearly">' in page
    assert 'name="csrf_token"' in page


def test_edit_without_javascript_saves_and_redirects(
    alice_client: Client, db_session: Session
) -> None:
    task_id = create_task_via_form(alice_client, title="Old title", tags="a")
    age(db_session, task_id)
    task = get_task(db_session, task_id)
    response = alice_client.submit(
        f"/tasks/{task_id}/edit",
        edit_fields(
            task,
            title="New title",
            description="More words",
            priority="high",
            due_date="2026-01-02",
            due_time="07:05",
            tags="b, c",
            repeat="daily",
            next=f"/tasks/{task_id}",
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tasks/{task_id}"
    task = get_task(db_session, task_id)
    assert task.title == "New title"
    assert task.description == "More words"
    assert task.priority is Priority.HIGH
    assert (task.due_date, task.due_time) == (date(2026, 1, 2), time(7, 5))
    assert [tag.name for tag in task.tags] == ["b", "c"]
    assert task.recurrence == "FREQ=DAILY"
    assert task.created_at == LONG_AGO
    assert task.updated_at > LONG_AGO
    assert "Saved." in alice_client.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_edit_page_next_defaults_to_the_detail_page(alice_client: Client) -> None:
    task_id = create_task_via_form(alice_client, title="x")
    page = alice_client.get(f"/tasks/{task_id}/edit").get_data(as_text=True)
    assert f'name="next" value="/tasks/{task_id}"' in page


def test_edit_clearing_the_date_clears_the_time(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(alice_client, title="x", due_date="2026-01-02", due_time="07:05")
    task = get_task(db_session, task_id)
    alice_client.submit(f"/tasks/{task_id}/edit", edit_fields(task, due_date="", due_time=""))
    task = get_task(db_session, task_id)
    assert (task.due_date, task.due_time) == (None, None)


def test_edit_with_errors_shows_them_and_changes_nothing(
    alice_client: Client, app: Flask, db_session: Session
) -> None:
    task_id = create_task_via_form(alice_client, title="Keep me")
    task = get_task(db_session, task_id)
    before = snapshot(app)
    response = alice_client.submit(f"/tasks/{task_id}/edit", edit_fields(task, title="  "))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "A task needs a title." in page
    assert "<html" in page  # the whole edit page again, not a fragment
    assert snapshot(app) == before


def test_status_edits_keep_completed_at_consistent(
    alice_client: Client, db_session: Session
) -> None:
    task_id = create_task_via_form(alice_client, title="x")
    task = get_task(db_session, task_id)
    alice_client.submit(f"/tasks/{task_id}/edit", edit_fields(task, status="completed"))
    task = get_task(db_session, task_id)
    assert task.status == "completed" and task.completed_at is not None
    first_completion = task.completed_at

    # Saving again as completed keeps the original completion time.
    alice_client.submit(f"/tasks/{task_id}/edit", edit_fields(task, title="y"))
    task = get_task(db_session, task_id)
    assert task.completed_at == first_completion

    for status in ("in_progress", "cancelled", "pending"):
        alice_client.submit(f"/tasks/{task_id}/edit", edit_fields(task, status=status))
        task = get_task(db_session, task_id)
        assert task.status == status and task.completed_at is None


def test_tags_only_edit_changes_updated_at(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(alice_client, title="x", tags="one")
    age(db_session, task_id)
    task = get_task(db_session, task_id)
    response = alice_client.submit(f"/tasks/{task_id}/edit", edit_fields(task, tags="two"))
    assert response.status_code == 302
    task = get_task(db_session, task_id)
    assert [tag.name for tag in task.tags] == ["two"]
    assert task.updated_at > LONG_AGO
    assert task.created_at == LONG_AGO


# -- toggle --------------------------------------------------------------------------------


def test_toggle_completes_and_reopens(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(alice_client, title="Water plants")
    age(db_session, task_id)

    response = alice_client.submit(f"/tasks/{task_id}/toggle", {"next": "/tasks?q=water"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks?q=water"
    task = get_task(db_session, task_id)
    assert task.status == "completed"
    assert task.completed_at is not None and task.completed_at > LONG_AGO
    assert task.updated_at > LONG_AGO

    age(db_session, task_id)
    alice_client.submit(f"/tasks/{task_id}/toggle")
    task = get_task(db_session, task_id)
    assert task.status == "pending" and task.completed_at is None
    assert task.updated_at > LONG_AGO


def test_toggle_from_in_progress_or_cancelled_completes(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    for status in ("in_progress", "cancelled"):
        task = make_task(db_session, alice, status=status)
        alice_client.submit(f"/tasks/{task.id}/toggle")
        toggled = get_task(db_session, task.id)
        assert toggled.status == "completed" and toggled.completed_at is not None


def test_toggle_moves_the_task_between_open_and_completed(alice_client: Client) -> None:
    task_id = create_task_via_form(alice_client, title="x")
    assert list_ids(alice_client) == [task_id]
    alice_client.submit(f"/tasks/{task_id}/toggle")
    assert list_ids(alice_client) == []
    assert list_ids(alice_client, "?status=completed") == [task_id]


# -- delete and undo -----------------------------------------------------------------------


def test_delete_then_undo(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(alice_client, title="Oops", tags="keep")
    age(db_session, task_id)

    response = alice_client.submit(f"/tasks/{task_id}/delete", {"next": "/tasks"})
    assert response.status_code == 302 and response.headers["Location"] == "/tasks"
    page = alice_client.get("/tasks").get_data(as_text=True)
    assert task_id not in list_ids(alice_client, "?status=all")
    # The message offers an Undo that works without JavaScript: a form posting to restore.
    assert "Task deleted." in page
    assert f'action="/tasks/{task_id}/restore"' in page
    deleted = get_task(db_session, task_id)
    assert deleted.deleted_at is not None
    assert alice_client.get(f"/tasks/{task_id}").status_code == 404
    assert alice_client.get(f"/tasks/{task_id}/edit").status_code == 404
    assert alice_client.submit(f"/tasks/{task_id}/toggle").status_code == 404
    assert alice_client.submit(f"/tasks/{task_id}/delete").status_code == 404

    response = alice_client.submit(f"/tasks/{task_id}/restore", {"next": "/tasks"})
    assert response.status_code == 302 and response.headers["Location"] == "/tasks"
    restored = get_task(db_session, task_id)
    assert restored.deleted_at is None
    assert [tag.name for tag in restored.tags] == ["keep"]
    assert restored.updated_at > LONG_AGO
    page = alice_client.get("/tasks").get_data(as_text=True)
    assert "Restored “Oops”." in page
    assert task_ids(page) == [task_id]


def test_deleted_task_leaves_the_counts(alice_client: Client) -> None:
    task_id = create_task_via_form(alice_client, title="x")
    create_task_via_form(alice_client, title="y")
    alice_client.submit(f"/tasks/{task_id}/delete")
    page = alice_client.get("/tasks").get_data(as_text=True)
    assert 'data-count-open="1"' in page
    assert 'data-total-count="1"' in page


def test_restore_of_a_missing_task_is_404(alice_client: Client) -> None:
    assert alice_client.submit("/tasks/424242/restore").status_code == 404


def test_no_state_change_on_get(alice_client: Client, app: Flask) -> None:
    task_id = create_task_via_form(alice_client, title="x")
    before = snapshot(app)
    for url in (
        f"/tasks/{task_id}/toggle",
        f"/tasks/{task_id}/delete",
        f"/tasks/{task_id}/restore",
    ):
        assert alice_client.get(url).status_code == 405
    assert snapshot(app) == before


def test_editing_keeps_a_rule_the_presets_do_not_cover(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    rule = "FREQ=MONTHLY;BYMONTHDAY=1"
    task_id = make_task(db_session, alice, "Pay rent", recurrence=rule).id
    for headers in ({}, {"HX-Request": "true"}):
        page = alice_client.get(f"/tasks/{task_id}/edit", headers=headers).get_data(as_text=True)
        assert '<option selected value="custom">' in page

    # The form comes back as the page filled it in: the rule stays.
    task = get_task(db_session, task_id)
    response = alice_client.submit(
        f"/tasks/{task_id}/edit",
        edit_fields(task, title="Pay the rent", repeat="custom"),
    )
    assert response.status_code == 302
    task = get_task(db_session, task_id)
    assert (task.title, task.recurrence) == ("Pay the rent", rule)

    alice_client.submit(f"/tasks/{task_id}/edit", edit_fields(task, repeat="weekly"))
    assert get_task(db_session, task_id).recurrence == "FREQ=WEEKLY"
    # Once replaced, there is no custom rule left to keep.
    response = alice_client.submit(f"/tasks/{task_id}/edit", edit_fields(task, repeat="custom"))
    assert response.status_code == 400
