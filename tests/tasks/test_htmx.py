"""htmx requests get just the fragment that changed; boosted and history requests, and
logged-out ones, get what a page load needs."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from todo_web.models import User

from ..client import Client, create_task_via_form, edit_fields, submit_task, task_ids, total_count
from ..factories import get_task, make_task, snapshot

HX = {"HX-Request": "true"}
FROM_ALL = {"HX-Current-URL": "http://localhost/tasks?status=all&sort=title"}


def body(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def assert_fragment(response, status: int = 200) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, body(response)
    html = body(response)
    assert "<html" not in html and "<head" not in html and "<body" not in html
    assert "HX-Request" in response.headers.get("Vary", "")
    return html


# -- the list ------------------------------------------------------------------------------


def test_list_fragment(alice_client: Client, db_session: Session, alice: User) -> None:
    task = make_task(db_session, alice, "Feed the cat", tags=("home",))
    response = alice_client.htmx_get("/tasks?status=all&per_page=20&q=&priority=")
    html = assert_fragment(response)
    assert html.startswith('<section id="task-list"')
    assert task_ids(html) == [task.id]
    assert total_count(html) == 1
    # Counts and the filter form come along out of band.
    assert '<div id="task-counts"' in html and 'hx-swap-oob="true"' in html
    assert '<form id="filters"' in html
    # The address bar gets the tidy URL, without the empty and default fields.
    assert response.headers["HX-Push-Url"] == "/tasks?status=all"


def test_list_fragment_for_the_filter_form_leaves_the_form_alone(
    alice_client: Client,
) -> None:
    html = assert_fragment(alice_client.htmx_get("/tasks?q=milk", **{"HX-Trigger": "filters"}))
    assert '<form id="filters"' not in html
    assert '<div id="task-counts"' in html


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HX-Request": "true", "HX-Boosted": "true"},
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ],
)
def test_full_page_unless_a_partial_swap(alice_client: Client, headers: dict) -> None:
    response = alice_client.get("/tasks", headers=headers)
    assert response.status_code == 200
    assert "<html" in body(response)
    assert "HX-Request" in response.headers["Vary"]


def test_bad_list_query_as_htmx_is_a_toast_and_the_default_list(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    task = make_task(db_session, alice, "x")
    html = assert_fragment(alice_client.htmx_get("/tasks?sort=colour"), 400)
    assert "Unknown sort" in html
    assert 'hx-swap-oob="beforeend:#toasts"' in html
    assert task_ids(html) == [task.id]


def test_bad_list_query_as_page_is_400_with_the_message(alice_client: Client) -> None:
    response = alice_client.get("/tasks?status=sleeping")
    assert response.status_code == 400
    assert "Unknown status" in body(response)
    assert "<html" in body(response)


# -- create --------------------------------------------------------------------------------


def test_create_fragment(alice_client: Client, db_session: Session, alice: User) -> None:
    done = make_task(db_session, alice, "Already done", status="completed")
    response = alice_client.submit(
        "/tasks",
        {"title": "New one", "tags": "x", "next": "/tasks"},
        htmx=True,
        headers=FROM_ALL,
    )
    html = assert_fragment(response)
    [new_id] = set(task_ids(html)) - {done.id}
    # The list the user was looking at (all statuses), with the new task in it.
    assert set(task_ids(html)) == {done.id, new_id}
    assert html.startswith('<section id="task-list"')
    # A fresh, empty create form and a message, out of band.
    assert '<form id="create-form"' in html and 'hx-swap-oob="true" novalidate' in html
    assert 'id="create-title"' in html and 'value="New one"' not in html
    assert "Added “New one”." in html
    task = get_task(db_session, new_id)
    assert task is not None and task.title == "New one"


def test_create_fragment_with_errors_replaces_the_form(alice_client: Client, app: Flask) -> None:
    before = snapshot(app)
    response = submit_task(alice_client, htmx=True, title="", due_date="2026-02-30")
    html = assert_fragment(response, 400)
    assert response.headers["HX-Retarget"] == "#create-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert html.startswith('<form id="create-form"')
    assert "A task needs a title." in html
    assert "Not a valid date value." in html
    assert snapshot(app) == before


# -- one task ------------------------------------------------------------------------------


def test_detail_fragment_is_the_list_item(alice_client: Client) -> None:
    task_id = create_task_via_form(alice_client, title="Cancel me", tags="a")
    html = assert_fragment(alice_client.htmx_get(f"/tasks/{task_id}"))
    assert html.startswith("<li")
    assert f'data-task-id="{task_id}"' in html
    assert 'href="/tasks?tag=a"' in html


def test_edit_inline(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(alice_client, title="Inline", tags="a", due_date="2026-03-01")
    html = assert_fragment(alice_client.htmx_get(f"/tasks/{task_id}/edit", **FROM_ALL))
    assert html.startswith('<li class="task task-editing"')
    assert f'data-task-id="{task_id}"' in html
    assert f'hx-post="/tasks/{task_id}/edit"' in html
    assert 'name="next" value="/tasks?status=all&amp;sort=title"' in html
    assert 'value="Inline"' in html and 'value="2026-03-01"' in html

    task = get_task(db_session, task_id)
    assert task is not None
    response = alice_client.submit(
        f"/tasks/{task_id}/edit",
        edit_fields(task, title="Inline, edited", priority="high"),
        htmx=True,
    )
    html = assert_fragment(response)
    assert html.startswith("<li")
    assert f'data-task-id="{task_id}"' in html
    assert "Inline, edited" in html and "priority-high" in html
    assert '<div id="task-counts"' in html and "Saved." in html
    edited = get_task(db_session, task_id)
    assert edited is not None and edited.title == "Inline, edited"


def test_edit_inline_with_errors_keeps_the_editor(
    alice_client: Client, app: Flask, db_session: Session
) -> None:
    task_id = create_task_via_form(alice_client, title="Keep")
    task = get_task(db_session, task_id)
    assert task is not None
    before = snapshot(app)
    response = alice_client.submit(
        f"/tasks/{task_id}/edit",
        edit_fields(task, title="x" * 201, due_time="25:00"),
        htmx=True,
    )
    html = assert_fragment(response, 400)
    assert html.startswith('<li class="task task-editing"')
    assert "Keep the title under 201 characters." in html
    assert "Not a valid time value." in html
    assert snapshot(app) == before


def test_toggle_fragment(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(alice_client, title="Tick")
    html = assert_fragment(alice_client.submit(f"/tasks/{task_id}/toggle", htmx=True))
    assert html.startswith("<li")
    assert f'data-task-id="{task_id}"' in html
    assert "is-completed" in html and 'aria-pressed="true"' in html
    assert 'data-count-completed="1"' in html and 'data-count-open="0"' in html
    task = get_task(db_session, task_id)
    assert task is not None and task.status == "completed"

    html = assert_fragment(alice_client.submit(f"/tasks/{task_id}/toggle", htmx=True))
    assert "is-completed" not in html and 'aria-pressed="false"' in html
    assert 'data-count-open="1"' in html


def test_forms_in_fragments_come_back_to_the_page_they_were_on(
    alice_client: Client,
) -> None:
    task_id = create_task_via_form(alice_client, title="x")
    # A row has no form of its own: its buttons post the list's `row-actions` form.
    answer = assert_fragment(
        alice_client.submit(f"/tasks/{task_id}/toggle", htmx=True, headers=FROM_ALL)
    )
    row = answer.split("</li>")[0]  # then the out-of-band counts and message
    assert f'form="row-actions" formaction="/tasks/{task_id}/toggle"' in row
    assert f'formaction="/tasks/{task_id}/delete"' in row
    assert 'name="next"' not in row
    # The list answered to htmx carries that form, coming back to the page htmx was on.
    listed = assert_fragment(alice_client.get("/tasks?status=all", headers={**HX, **FROM_ALL}))
    assert '<form id="row-actions"' in listed
    assert 'name="next" value="/tasks?status=all&amp;sort=title"' in listed
    # A page that is not a list sends plain posts back to the list.
    elsewhere = {"HX-Current-URL": "http://localhost/settings"}
    listed = assert_fragment(alice_client.get("/tasks?status=all", headers={**HX, **elsewhere}))
    assert 'name="next" value="/tasks"' in listed


def test_delete_fragment_offers_undo(alice_client: Client, db_session: Session) -> None:
    create_task_via_form(alice_client, title="Keep")
    task_id = create_task_via_form(alice_client, title="Bin")
    response = alice_client.submit(f"/tasks/{task_id}/delete", htmx=True)
    html = assert_fragment(response)
    # The item is swapped for nothing; what comes is out of band: counts and the toast.
    assert f'data-task-id="{task_id}"' not in html
    assert 'data-count-open="1"' in html
    assert "Deleted “Bin”." in html
    assert f'hx-post="/tasks/{task_id}/restore"' in html
    task = get_task(db_session, task_id)
    assert task is not None and task.deleted_at is not None


def test_restore_fragment_is_the_list_with_the_task_back(
    alice_client: Client, db_session: Session
) -> None:
    task_id = create_task_via_form(alice_client, title="Back")
    alice_client.submit(f"/tasks/{task_id}/delete", htmx=True)
    response = alice_client.submit(f"/tasks/{task_id}/restore", htmx=True, headers=FROM_ALL)
    html = assert_fragment(response)
    assert response.headers["HX-Retarget"] == "#task-list"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert html.startswith('<section id="task-list"')
    assert task_ids(html) == [task_id]
    assert "Restored “Back”." in html
    task = get_task(db_session, task_id)
    assert task is not None and task.deleted_at is None


def test_htmx_post_without_csrf_token_is_refused(alice_client: Client, app: Flask) -> None:
    task_id = create_task_via_form(alice_client, title="x")
    before = snapshot(app)
    response = alice_client.post(f"/tasks/{task_id}/toggle", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#toasts"
    assert snapshot(app) == before


# -- logged out ----------------------------------------------------------------------------

ROUTES = [
    ("GET", "/tasks"),
    ("GET", "/tasks?status=all&q=x"),
    ("POST", "/tasks"),
    ("GET", "/tasks/{id}"),
    ("GET", "/tasks/{id}/edit"),
    ("POST", "/tasks/{id}/edit"),
    ("POST", "/tasks/{id}/toggle"),
    ("POST", "/tasks/{id}/delete"),
    ("POST", "/tasks/{id}/restore"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_logged_out_htmx_requests_are_sent_to_the_login_page(
    app: Flask, alice_client: Client, method: str, url: str
) -> None:
    task_id = create_task_via_form(alice_client, title="Private")
    url = url.format(id=task_id)
    before = snapshot(app)
    stranger = app.test_client()
    token = stranger.token()
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    data = {"title": "Hijack", "priority": "low", "status": "completed"}
    response = stranger.open(url, method=method, headers=headers, data=data)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login?next=/tasks")
    assert body(response) == ""

    plain = stranger.open(url, method=method, data={**data, "csrf_token": token})
    assert plain.status_code == 302
    assert plain.headers["Location"].startswith("/auth/login?next=")
    assert snapshot(app) == before
