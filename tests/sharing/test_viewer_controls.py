"""A viewer sees a shared list and its tasks without the controls to change them (the
routes refuse them anyway: a 403, see tests/lists/test_list_access.py). Rows of a list the
user may edit keep theirs, on the list's page and in the views that span lists.

The cast: Alice owns Work, Bob edits it, Carol views it and has an Inbox task of her own.
"""

from __future__ import annotations

from collections.abc import Callable
from html import unescape

import pytest
from flask import Flask
from flask_login import login_user
from sqlalchemy.orm import Session

from todo_web.access import forget_reach
from todo_web.db import get_session
from todo_web.models import TaskList, User
from todo_web.tasks.people import may_edit_list

from ..client import Client, text_of
from ..factories import (
    ALICE,
    BOB,
    make_list,
    make_task,
    make_user,
    share,
    task_titled,
    user_by_email,
)

CAROL = "carol@example.com"

pytestmark = pytest.mark.usefixtures("app")

#: What marks each control in a row (_task.html) or a page.
ROW_CONTROLS = {
    "toggle": "/toggle",
    "select": 'name="ids"',
    "edit": 'class="secondary outline edit-link"',
    "delete": "/delete",
    "subtask": 'class="secondary outline add-subtask"',
    "drag": 'class="drag-handle"',
}


@pytest.fixture
def work(db_session: Session, alice: User, bob: User) -> TaskList:
    carol = make_user(db_session, CAROL, name="Carol")
    work = make_list(db_session, alice, "Work")
    share(db_session, work, bob, "editor")
    share(db_session, work, carol, "viewer")
    parent = make_task(db_session, alice, "Shared", task_list=work)
    make_task(db_session, alice, "Shared child", parent=parent)
    make_task(db_session, alice, "Shared done", task_list=work, status="completed")
    make_task(db_session, carol, "Carol's own")
    return work


@pytest.fixture
def carol_client(db_session: Session, work: TaskList, log_in: Callable[[User], Client]) -> Client:
    return log_in(user_by_email(db_session, CAROL))


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(text_of(response))


def rows(html: str) -> dict[str, str]:
    """Each task row's HTML by its title."""
    found = {}
    for chunk in html.split('<li class="task ')[1:]:
        row = chunk.split("</li>", 1)[0]
        title = row.split('class="task-title"', 1)[1].split(">", 1)[1].split("<", 1)[0]
        found[title] = row
    return found


def controls(row: str) -> set[str]:
    return {name for name, mark in ROW_CONTROLS.items() if mark in row}


def test_a_viewer_sees_the_list_without_edit_controls(work: TaskList, carol_client: Client) -> None:
    html = page(carol_client, f"/tasks?list={work.id}")
    shown = rows(html)
    assert set(shown) == {"Shared", "Shared child"}
    for row in shown.values():
        assert controls(row) == set()
        assert 'class="toggle is-readonly"' in row
    assert 'id="bulk-form"' not in html
    assert "Rename or delete" not in html
    # Nothing to add or move with: no quick add, no full form, no SortableJS.
    assert 'id="quick-text"' not in html and "Add with all fields" not in html
    assert "You can look at this list" in html
    assert "Sortable" not in html and "reorder.js" not in html
    assert 'class="task-items sortable"' not in html
    done = rows(page(carol_client, f"/tasks?list={work.id}&status=completed"))
    assert controls(done["Shared done"]) == set()


def test_an_editor_and_the_owner_get_them(
    work: TaskList, alice_client: Client, bob_client: Client
) -> None:
    for client in (alice_client, bob_client):
        html = page(client, f"/tasks?list={work.id}")
        shown = rows(html)
        assert controls(shown["Shared"]) == set(ROW_CONTROLS)
        assert 'id="bulk-form"' in html
        assert 'id="quick-text"' in html and "reorder.js" in html
    assert "Rename or delete" in page(alice_client, f"/tasks?list={work.id}")
    assert "Rename or delete" not in page(bob_client, f"/tasks?list={work.id}")


@pytest.mark.parametrize("url", ["/tasks", "/tasks?status=all", "/tasks?q=Shared"])
def test_views_that_span_lists_decide_row_by_row(
    work: TaskList, carol_client: Client, url: str
) -> None:
    html = page(carol_client, url)
    shown = rows(html)
    assert controls(shown["Shared"]) == set()
    if "Carol's own" in shown:
        assert {"toggle", "select", "edit", "delete"} <= controls(shown["Carol's own"])
    assert 'id="bulk-form"' in html  # for the tasks she may change


def test_a_row_rendered_alone_follows_the_same_rule(
    work: TaskList, carol_client: Client, bob_client: Client, db_session: Session
) -> None:
    task_id = task_titled(db_session, "Shared").id
    carol_row = text_of(carol_client.htmx_get(f"/tasks/{task_id}"))
    bob_row = text_of(bob_client.htmx_get(f"/tasks/{task_id}"))
    assert controls(carol_row) == set()
    assert {"toggle", "edit", "delete"} <= controls(bob_row)


def test_a_viewers_task_page_has_no_forms_that_change_it(
    work: TaskList, carol_client: Client, bob_client: Client, db_session: Session
) -> None:
    task_id = task_titled(db_session, "Shared").id
    viewer = page(carol_client, f"/tasks/{task_id}")
    editor = page(bob_client, f"/tasks/{task_id}")
    for marker in ("/toggle", "/delete", "/edit", "add-subtask-form"):
        assert marker not in viewer
        assert marker in editor
    assert "Shared child" in viewer


def test_may_edit_list(work: TaskList, app: Flask, db_session: Session) -> None:
    with app.test_request_context():
        session = get_session()
        for email, expected in [(CAROL, False), (BOB, True), (ALICE, True)]:
            login_user(user_by_email(session, email))
            forget_reach()
            assert may_edit_list(session.get(TaskList, work.id)) is expected
        assert may_edit_list(None) is True


def test_the_task_forms_offer_only_the_lists_the_user_may_add_to(
    work: TaskList, carol_client: Client, bob_client: Client
) -> None:
    option = f'<option value="{work.id}">Work</option>'
    assert option not in page(carol_client, "/tasks/new")
    # Opened on the list's page, the form puts the task in a list she may add to.
    on_work = f"http://localhost/tasks?list={work.id}"
    form = text_of(carol_client.htmx_get("/tasks/new", **{"HX-Current-URL": on_work}))
    assert option not in form
    assert 'name="list"' in form
    assert carol_client.get(f"/tasks/new?list={work.id}").status_code == 403
    assert option in page(bob_client, "/tasks/new")
