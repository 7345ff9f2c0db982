"""The sidebar marks what the page shows (`aria-current="page"`) and the heading names it,
after a page load and after every in-place update (htmx swaps of the list or a row).

A tag filter is a place of its own, like a label in other task managers: the heading
says "#tag" and no smart view is marked current. Within one list the list stays marked
(the heading says "Inbox · #tag"). A search, priority or due filter refines a view without
leaving it.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.lists.queries import inbox_of
from todo_web.models import User

from ..client import Client, text_of
from ..factories import make_task

TODAY = date(2026, 11, 20)  # the clock fixture's day
PAGE = "http://localhost"


@pytest.fixture(autouse=True)
def _stopped(clock: TimeMachineFixture) -> None:
    """'Today' is the clock's day."""


@pytest.fixture
def task_id(db_session: Session, alice: User) -> int:
    make_task(db_session, alice, "Pay the gas bill", due_date=TODAY, tags=["bills"])
    return make_task(db_session, alice, "Water the plants", due_date=TODAY, tags=["home"]).id


def current_entries(html: str) -> list[str]:
    """The sidebar entries marked current: smart views by key, lists as "list-<id>"."""
    views = re.findall(r'data-view="(\w+)"[^>]*aria-current="page"', html)
    lists = re.findall(r'<li data-list-id="(\d+)"><a [^>]*aria-current="page"', html)
    return views + [f"list-{found}" for found in lists]


def heading(html: str) -> str:
    match = re.search(r'<h1 class="list-title"[^>]*>([^<]*)</h1>', html)
    assert match, "no heading"
    return match.group(1)


def htmx_from(page: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Current-URL": PAGE + page}


# -- in-place updates keep the current entry -----------------------------------------------


@pytest.mark.usefixtures("task_id")
def test_a_page_marks_its_view(alice_client: Client) -> None:
    html = text_of(alice_client.get("/tasks?view=today"))
    assert current_entries(html) == ["today"]
    assert heading(html) == "Today"


def test_a_toggle_keeps_the_view_marked(alice_client: Client, task_id: int) -> None:
    response = alice_client.submit(
        f"/tasks/{task_id}/toggle",
        {"state": "completed"},
        htmx=True,
        headers=htmx_from("/tasks?view=today"),
    )
    assert response.status_code == 200
    html = text_of(response)
    assert 'id="task-counts"' in html  # the counts come along out of band...
    assert current_entries(html) == ["today"]  # ...still marking the view


def test_a_delete_and_a_bulk_action_keep_the_view_marked(
    alice_client: Client, task_id: int
) -> None:
    deleted = alice_client.submit(
        f"/tasks/{task_id}/delete", htmx=True, headers=htmx_from("/tasks?view=today")
    )
    assert current_entries(text_of(deleted)) == ["today"]
    bulk = alice_client.submit(
        "/tasks/bulk",
        {"action": "restore", "ids": [task_id]},
        htmx=True,
        headers=htmx_from("/tasks?view=today"),
    )
    assert bulk.status_code == 200, text_of(bulk)
    assert current_entries(text_of(bulk)) == ["today"]


def test_a_quick_add_in_a_list_keeps_the_list_marked(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    inbox = inbox_of(db_session, alice)
    response = alice_client.submit(
        "/tasks/quick",
        {"text": "Buy milk"},
        htmx=True,
        headers=htmx_from(f"/tasks?list={inbox.id}"),
    )
    assert response.status_code == 200, text_of(response)
    assert current_entries(text_of(response)) == [f"list-{inbox.id}"]


@pytest.mark.usefixtures("task_id")
def test_a_filter_refines_the_view_without_leaving_it(alice_client: Client) -> None:
    page = text_of(alice_client.get("/tasks?view=today"))
    # The filter form carries the view, and no status choice (the view decides that).
    assert '<input type="hidden" name="view" value="today">' in page
    assert 'name="status"' not in page.split('id="filters"', 1)[1].split("</form>", 1)[0]
    response = alice_client.get(
        "/tasks?view=today&priority=high", headers=htmx_from("/tasks?view=today")
    )
    html = text_of(response)
    assert current_entries(html) == ["today"]
    assert heading(html) == "Today"


# -- a tag filter --------------------------------------------------------------------------


@pytest.mark.usefixtures("task_id")
def test_a_tag_page_is_named_after_the_tag_and_marks_no_view(alice_client: Client) -> None:
    html = text_of(alice_client.get("/tasks?tag=bills"))
    assert heading(html) == "#bills"
    assert current_entries(html) == []


@pytest.mark.usefixtures("task_id")
def test_a_tag_filter_swapped_in_renames_the_heading(alice_client: Client) -> None:
    html = text_of(alice_client.get("/tasks?tag=bills", headers=htmx_from("/tasks")))
    assert '<div id="list-heading" class="list-name" hx-swap-oob="true">' in html
    assert heading(html) == "#bills"
    assert current_entries(html) == []
    # Taking the tag off again: the heading and the sidebar come back.
    html = text_of(alice_client.get("/tasks", headers=htmx_from("/tasks?tag=bills")))
    assert heading(html) == "All open tasks"
    assert current_entries(html) == ["open"]


def test_a_tag_within_a_list_keeps_the_list(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    inbox = inbox_of(db_session, alice)
    make_task(db_session, alice, "Pay the gas bill", tags=["bills"])
    html = text_of(alice_client.get(f"/tasks?list={inbox.id}&tag=bills"))
    assert heading(html) == "Inbox · #bills"
    assert current_entries(html) == [f"list-{inbox.id}"]


@pytest.mark.usefixtures("task_id")
def test_a_tag_within_a_view_or_a_status_says_both(alice_client: Client) -> None:
    assert heading(text_of(alice_client.get("/tasks?view=today&tag=home"))) == "Today · #home"
    assert heading(text_of(alice_client.get("/tasks?status=all&tag=a&tag=b"))) == (
        "All tasks · #a #b"
    )


def test_the_tab_is_named_like_the_heading(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    """The browser tab (and history) says which list it is, not "Tasks" for every one."""
    inbox = inbox_of(db_session, alice)
    titles = {
        "/tasks": "All open tasks · todo-web",
        "/tasks?view=today": "Today · todo-web",
        "/tasks?tag=bills": "#bills · todo-web",
        f"/tasks?list={inbox.id}": "Inbox · todo-web",
    }
    for path, expected in titles.items():
        html = text_of(alice_client.get(path))
        assert re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip() == expected, path
