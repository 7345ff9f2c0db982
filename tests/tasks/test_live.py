"""The list page's poll (todo_web/tasks/live.py): a 204 after one statement when nothing
changed, the list drawn anew when another member changed it, a 404 for a list one is not
a member of."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.config import ConfigError, load_config
from todo_web.lists.members import remove_member, set_role
from todo_web.models import Role, Task, TaskList, User

from ..client import Client, task_ids
from ..factories import make_list, make_task, make_user, share
from .test_list import count_statements

_POLL_URL = re.compile(r'id="live-poll"[^>]*?hx-get="([^"]+)"', re.S)
_VERSION = re.compile(r'id="task-list"[^>]*?data-version="([^"]*)"')


def poll_url(page: str) -> str:
    """The address the page's poll asks (its version included)."""
    found = _POLL_URL.search(page)
    assert found, "the page has no poll"
    return html.unescape(found.group(1))


def shown_version(page: str) -> str:
    found = _VERSION.search(page)
    assert found, "the list carries no version"
    return found.group(1)


def open_page(client: Client, url: str) -> str:
    """The poll URL of the page at `url`, as the browser would ask it."""
    response = client.get(url)
    assert response.status_code == 200
    return poll_url(response.get_data(as_text=True))


def poll(client: Client, url: str) -> object:
    return client.htmx_get(url, **{"HX-Trigger": "live-poll", "HX-Target": "task-list"})


@pytest.fixture
def shared_list(db_session: Session, alice: User, bob: User) -> TaskList:
    """Alice's "Groceries", shared with Bob as an editor, one task in it."""
    groceries = make_list(db_session, alice, "Groceries")
    make_task(db_session, alice, "Milk", task_list=groceries)
    share(db_session, groceries, bob, Role.EDITOR)
    return groceries


SPANNING_PAGES = ["/tasks", "/tasks?view=today", "/tasks?assignee=me", "/tasks?q=milk"]


@pytest.mark.parametrize("page", ["list", *SPANNING_PAGES])
def test_an_unchanged_page_is_answered_204_with_no_body(
    bob_client: Client, shared_list: TaskList, page: str
) -> None:
    url = open_page(bob_client, f"/tasks?list={shared_list.id}" if page == "list" else page)
    response = poll(bob_client, url)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "HX-Push-Url" not in response.headers


@pytest.mark.parametrize("page", ["list", *SPANNING_PAGES])
def test_an_unchanged_poll_runs_one_statement(
    app: Flask, bob_client: Client, shared_list: TaskList, page: str
) -> None:
    """The version; the login lookup is remembered from the page (auth/login_cache.py)."""
    url = open_page(bob_client, f"/tasks?list={shared_list.id}" if page == "list" else page)
    with count_statements(app) as statements:
        response = poll(bob_client, url)
    assert response.status_code == 204
    assert len(statements) == 1, "\n\n".join(statements)
    (version,) = statements
    assert "list_members" in version and "lists" in version
    assert "tasks" not in version


@pytest.mark.parametrize("page", ["list", "/tasks"])
def test_a_page_reads_its_version_with_the_sidebar(
    app: Flask, bob_client: Client, shared_list: TaskList, page: str
) -> None:
    """Drawing the page costs no statement for its version: the sidebar's one statement
    brings every list's version and role, and the page's version is worked out from them
    (the 204s above show it is the one a poll reads)."""
    url = f"/tasks?list={shared_list.id}" if page == "list" else page
    with count_statements(app) as statements:
        assert bob_client.get(url).status_code == 200
    # The poll's own statements: the list's version and role, or the sums over the lists.
    polls_statements = [
        statement
        for statement in statements
        if statement.lstrip().startswith("SELECT lists.version")
        or "sum(lists.version)" in statement
    ]
    assert polls_statements == []
    assert any("task_counts" in s and "lists.version" in s for s in statements)


def test_the_owners_own_lists_poll_too(
    app: Flask, db_session: Session, alice: User, alice_client: Client
) -> None:
    work = make_list(db_session, alice, "Work")
    make_task(db_session, alice, "Report", task_list=work)
    for page in (f"/tasks?list={work.id}", "/tasks"):
        url = open_page(alice_client, page)
        with count_statements(app) as statements:
            assert poll(alice_client, url).status_code == 204
        assert len(statements) == 1  # the version (the login is remembered)
        make_task(db_session, alice, f"More for {page}", task_list=work)
        changed = poll(alice_client, url)
        assert changed.status_code == 200
        assert f"More for {page}" in changed.get_data(as_text=True)


@pytest.mark.parametrize("page", ["list", "/tasks", "/tasks?assignee=me"])
def test_another_members_change_draws_the_list_again(
    bob_client: Client,
    alice_client: Client,
    db_session: Session,
    bob: User,
    shared_list: TaskList,
    page: str,
) -> None:
    url = open_page(bob_client, f"/tasks?list={shared_list.id}" if page == "list" else page)
    created = alice_client.submit("/tasks", {"title": "Bread", "list": str(shared_list.id)})
    assert created.status_code == 302
    if "assignee" in page:
        bread = db_session.scalars(select(Task).where(Task.title == "Bread")).one()
        bread.assignee_id = bob.id
        db_session.commit()
    response = poll(bob_client, url)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Bread" in text
    assert 'id="task-list"' in text
    assert "HX-Push-Url" not in response.headers
    # Drawn at the new version: asked again, nothing has changed.
    fresh = poll_url(text)
    assert fresh != url
    assert poll(bob_client, fresh).status_code == 204


def test_a_completion_by_another_member_shows(
    bob_client: Client, alice_client: Client, db_session: Session, shared_list: TaskList
) -> None:
    url = open_page(bob_client, f"/tasks?list={shared_list.id}&status=all")
    (milk,) = task_ids(bob_client.get(f"/tasks?list={shared_list.id}"))
    assert alice_client.submit(f"/tasks/{milk}/toggle", {"state": "completed"}).status_code == 302
    response = poll(bob_client, url)
    assert response.status_code == 200
    assert 'aria-label="Reopen “Milk”"' in response.get_data(as_text=True)


def test_a_change_elsewhere_leaves_the_list_unchanged(
    bob_client: Client, db_session: Session, alice: User, shared_list: TaskList
) -> None:
    """Alice's own other lists are none of Bob's business, nor of his list page."""
    url = open_page(bob_client, f"/tasks?list={shared_list.id}")
    spanning = open_page(bob_client, "/tasks")
    make_task(db_session, alice, "Alice's own")
    assert poll(bob_client, url).status_code == 204
    assert poll(bob_client, spanning).status_code == 204


def test_a_stale_version_after_a_member_leaves_is_answered_with_the_list(
    bob_client: Client, db_session: Session, bob: User, shared_list: TaskList
) -> None:
    url = open_page(bob_client, "/tasks")
    assert "Milk" in bob_client.get("/tasks").get_data(as_text=True)
    remove_member(db_session, shared_list, bob.id)
    db_session.commit()
    response = poll(bob_client, url)
    assert response.status_code == 200
    assert "Milk" not in response.get_data(as_text=True)
    assert poll(bob_client, poll_url(response.get_data(as_text=True))).status_code == 204


def test_joining_a_list_shows_at_the_next_poll(
    db_session: Session,
    alice: User,
    log_in: Callable[[User], Client],
) -> None:
    """Joining adds a list whose version may be anything, even the 0 of a new list."""
    carol = make_user(db_session, "carol@example.com")
    carol_client = log_in(carol)
    url = open_page(carol_client, "/tasks")
    empty = make_list(db_session, alice, "Empty")
    share(db_session, empty, carol, Role.VIEWER)
    assert poll(carol_client, url).status_code == 200


def test_a_new_role_draws_the_list_again(
    bob_client: Client, db_session: Session, bob: User, shared_list: TaskList
) -> None:
    """The page's controls follow the role: editing ones come and go with it."""
    for page in (f"/tasks?list={shared_list.id}", "/tasks"):
        url = open_page(bob_client, page)
        set_role(db_session, shared_list, bob.id, Role.VIEWER)
        db_session.commit()
        assert poll(bob_client, url).status_code == 200
        set_role(db_session, shared_list, bob.id, Role.EDITOR)
        db_session.commit()


def test_someone_who_is_not_a_member_gets_404(
    db_session: Session,
    bob_client: Client,
    bob: User,
    shared_list: TaskList,
    log_in: Callable[[User], Client],
) -> None:
    url = open_page(bob_client, f"/tasks?list={shared_list.id}")
    carol = log_in(make_user(db_session, "carol@example.com"))
    assert poll(carol, url).status_code == 404
    assert carol.get(url).status_code == 404
    remove_member(db_session, shared_list, bob.id)
    db_session.commit()
    assert poll(bob_client, url).status_code == 404


def test_a_deleted_list_is_404(
    alice_client: Client, db_session: Session, alice: User, shared_list: TaskList
) -> None:
    url = open_page(alice_client, f"/tasks?list={shared_list.id}")
    shared_list.deleted_at = shared_list.created_at
    db_session.commit()
    assert poll(alice_client, url).status_code == 404


def test_the_poll_asks_for_the_page_on_screen(bob_client: Client, shared_list: TaskList) -> None:
    url = open_page(bob_client, f"/tasks?list={shared_list.id}&status=all&page=1&per_page=5")
    assert url.startswith(f"/tasks?list={shared_list.id}&status=all&per_page=5&version=")
    fragment = bob_client.htmx_get(f"/tasks?list={shared_list.id}&status=completed")
    assert poll_url(fragment.get_data(as_text=True)).startswith(
        f"/tasks?list={shared_list.id}&status=completed&version="
    )


def test_the_poll_follows_the_configured_interval(
    app: Flask, bob_client: Client, shared_list: TaskList
) -> None:
    page = bob_client.get("/tasks").get_data(as_text=True)
    assert 'hx-trigger="every 10s, live-refresh"' in page
    app.config["LIVE_POLL_SECONDS"] = 3
    assert 'hx-trigger="every 3s, live-refresh"' in bob_client.get("/tasks").get_data(as_text=True)


def test_a_list_drawn_by_another_answer_is_drawn_again_at_the_next_poll(
    alice_client: Client, shared_list: TaskList
) -> None:
    """An answer that did not read the version (a task added from the page) leaves the list
    without one: the next poll draws it with the version."""
    response = alice_client.submit(
        "/tasks",
        {"title": "Eggs", "list": str(shared_list.id)},
        headers={
            "HX-Request": "true",
            "HX-Current-URL": f"http://localhost/tasks?list={shared_list.id}",
        },
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert shown_version(text) == ""
    again = poll(alice_client, poll_url(text))
    assert again.status_code == 200
    assert shown_version(again.get_data(as_text=True))


def test_a_plain_request_with_a_version_is_the_page(
    bob_client: Client, shared_list: TaskList
) -> None:
    url = open_page(bob_client, f"/tasks?list={shared_list.id}")
    response = bob_client.get(url)
    assert response.status_code == 200
    assert "<html" in response.get_data(as_text=True)


def test_a_poll_of_a_bad_query_is_400(bob_client: Client) -> None:
    assert poll(bob_client, "/tasks?status=nope&version=1").status_code == 400


def test_the_interval_comes_from_the_environment(tmp_path: Path) -> None:
    assert load_config(tmp_path, {})["LIVE_POLL_SECONDS"] == 10
    assert load_config(tmp_path, {"LIVE_POLL_SECONDS": "30"})["LIVE_POLL_SECONDS"] == 30
    with pytest.raises(ConfigError, match="LIVE_POLL_SECONDS"):
        load_config(tmp_path, {"LIVE_POLL_SECONDS": "0"})
