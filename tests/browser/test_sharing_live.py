"""A shared list's page keeps up with the other members (todo_web/tasks/live.py,
static/live.js), each member in a Chromium context of their own: what one adds or completes
shows on the others' pages without a reload, while an open edit form, a selection or a
hidden tab holds the poll back.

The poll runs every second here (LIVE_POLL_SECONDS), and the tests wait for what they
expect to see, never for a length of time: the contract is "within 15 s". That a poll was
held back is read from the page: live.js cancels htmx:beforeRequest, and a listener added
after it counts the cancelled ones.

    .venv/bin/python -m tests.browser.test_sharing_live [--out docs/screenshots]

photographs a list shared by two members (docs/screenshots/sharing-<device>-<theme>.png).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.db import get_database
from todo_web.models import Role, Task, TaskList, User
from todo_web.timezones import local_today

from ..database import PROJECT_ROOT
from ..factories import BOB, make_list, make_task, make_user, share
from .support import launch, log_in, seed_list, serve

CAROL = "carol@example.com"
COMPLETED = re.compile(r"\bis-completed\b")
#: The contract: another member's change shows within this long.
WITHIN_MS = 15_000

#: Counts the polls live.js held back (registered after it, so it sees its verdict).
_COUNT_HELD = """
() => {
  window.__heldPolls = 0;
  window.__sentPolls = 0;
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (!event.detail.elt.hasAttribute("data-live-poll")) return;
    if (event.defaultPrevented) window.__heldPolls += 1;
    else window.__sentPolls += 1;
  });
}
"""


@pytest.fixture(autouse=True)
def _poll_every_second(app: Flask) -> None:
    app.config["LIVE_POLL_SECONDS"] = 1


@pytest.fixture
def groceries(db_session: Session, alice: User, bob: User) -> TaskList:
    """Alice's "Groceries" with two tasks, shared with Bob as an editor."""
    task_list = make_list(db_session, alice, "Groceries")
    make_task(db_session, alice, "Milk", task_list=task_list)
    make_task(db_session, alice, "Bread", task_list=task_list)
    share(db_session, task_list, bob, Role.EDITOR)
    return task_list


def open_list(pages: Any, email: str, task_list: TaskList, device: str = "desktop") -> Any:
    page = pages.open(device)
    log_in(page, email)
    page.goto(f"/tasks?list={task_list.id}")
    page.evaluate("window.__sameDocument = true")
    page.evaluate(_COUNT_HELD)
    return page


def row(page: Any, title: str) -> Any:
    return page.locator("#task-list li[data-task-id]").filter(
        has=page.locator(".task-title", has_text=title)
    )


def add(page: Any, title: str) -> None:
    """Quick add on the list's page (the task goes into that list)."""
    page.fill("#quick-text", title)
    page.press("#quick-text", "Enter")
    expect(row(page, title)).to_be_visible()


def wait_for_held_polls(page: Any, count: int = 2) -> None:
    page.evaluate("window.__heldPolls = 0")
    page.wait_for_function("(count) => window.__heldPolls >= count", arg=count, timeout=WITHIN_MS)


def assert_not_reloaded(page: Any) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def test_another_members_new_task_and_completion_show_without_a_reload(
    pages: Any, db_session: Session, alice: User, groceries: TaskList
) -> None:
    # Enough rows that Bob's page scrolls (all on its first page, Eggs too), to see that a
    # poll leaves it where it is.
    for number in range(16):
        make_task(db_session, alice, f"Item {number}", task_list=groceries)
    alice_page = open_list(pages, "alice@example.com", groceries)
    bob_page = open_list(pages, BOB, groceries)
    history = bob_page.evaluate("history.length")
    url = bob_page.url
    bob_page.evaluate("window.scrollTo(0, 300)")
    assert bob_page.evaluate("window.scrollY") == 300
    row(bob_page, "Item 8").locator(".task-title").focus()
    assert bob_page.evaluate("window.scrollY") == 300

    add(alice_page, "Eggs")
    row(alice_page, "Milk").locator("button.toggle").click()
    expect(row(alice_page, "Milk")).to_have_class(COMPLETED)

    expect(row(bob_page, "Eggs")).to_be_visible(timeout=WITHIN_MS)
    expect(row(bob_page, "Milk")).to_have_count(0, timeout=WITHIN_MS)  # done: out of "open"
    assert_not_reloaded(bob_page)
    assert bob_page.evaluate("history.length") == history
    assert bob_page.url == url
    assert bob_page.evaluate("window.scrollY") == 300
    assert bob_page.evaluate("document.activeElement.textContent") == "Item 8"
    # Scroll anchoring is back once the list is in, and a 204 does not turn it off (a poll
    # is sent only when none is under way: the first of these two was answered).
    bob_page.evaluate("window.__sentPolls = 0")
    bob_page.wait_for_function("() => window.__sentPolls >= 2")
    assert not bob_page.evaluate("document.documentElement.classList.contains('live-redraw')")


def test_an_open_edit_form_is_not_replaced(
    pages: Any, groceries: TaskList, db_session: Session, alice: User
) -> None:
    bob_page = open_list(pages, BOB, groceries)
    row(bob_page, "Bread").locator(".edit-link").click()
    title = bob_page.locator(".task-editing input[name=title]")
    expect(title).to_be_visible()
    title.fill("Rye bread")

    make_task(db_session, alice, "Butter", task_list=groceries)
    wait_for_held_polls(bob_page)
    expect(title).to_have_value("Rye bread")
    expect(title).to_be_focused()
    expect(row(bob_page, "Butter")).to_have_count(0)

    # Saved: the list catches up at the next poll.
    bob_page.locator(".task-editing button[type=submit]").click()
    expect(row(bob_page, "Rye bread")).to_be_visible()
    expect(row(bob_page, "Butter")).to_be_visible(timeout=WITHIN_MS)
    assert_not_reloaded(bob_page)


def test_a_selection_for_a_bulk_action_is_not_cleared(
    pages: Any, groceries: TaskList, db_session: Session, alice: User
) -> None:
    bob_page = open_list(pages, BOB, groceries)
    bob_page.locator(".bulk-details summary").click()
    box = row(bob_page, "Milk").locator("input[name=ids]")
    box.check()
    make_task(db_session, alice, "Butter", task_list=groceries)
    wait_for_held_polls(bob_page)
    expect(box).to_be_checked()
    expect(row(bob_page, "Butter")).to_have_count(0)


def test_a_search_being_typed_is_not_replaced(
    pages: Any, groceries: TaskList, db_session: Session, alice: User
) -> None:
    """The answer redraws the filters too: not while someone is typing in them. Quick add,
    which the answer leaves alone, does not hold the poll back."""
    bob_page = open_list(pages, BOB, groceries)
    bob_page.locator("#search-q").press_sequentially("Mi")
    make_task(db_session, alice, "Butter", task_list=groceries)
    wait_for_held_polls(bob_page)
    expect(bob_page.locator("#search-q")).to_have_value("Mi")
    expect(bob_page.locator("#search-q")).to_be_focused()

    bob_page.locator("#search-q").fill("")
    bob_page.locator("#quick-text").fill("Half typed")
    make_task(db_session, alice, "Jam", task_list=groceries)
    expect(row(bob_page, "Jam")).to_be_visible(timeout=WITHIN_MS)
    expect(bob_page.locator("#quick-text")).to_have_value("Half typed")
    expect(bob_page.locator("#quick-text")).to_be_focused()


def test_a_drag_is_not_interrupted(
    pages: Any, groceries: TaskList, db_session: Session, bob: User
) -> None:
    alice_page = open_list(pages, "alice@example.com", groceries)
    handle = row(alice_page, "Milk").locator(".drag-handle").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    alice_page.mouse.move(x, y)
    alice_page.mouse.down()
    alice_page.mouse.move(x, y + 6, steps=2)  # past SortableJS's tolerance: dragging
    alice_page.wait_for_selector(".sortable-fallback")
    make_task(db_session, bob, "Butter", task_list=groceries)
    wait_for_held_polls(alice_page)
    expect(alice_page.locator(".sortable-fallback")).to_have_count(1)
    alice_page.mouse.move(x, y, steps=2)
    alice_page.mouse.up()  # dropped where it was: nothing moves
    expect(row(alice_page, "Butter")).to_be_visible(timeout=WITHIN_MS)


def test_a_hidden_tab_sends_no_poll(
    pages: Any, groceries: TaskList, db_session: Session, alice: User
) -> None:
    bob_page = open_list(pages, BOB, groceries)
    polls: list[str] = []
    bob_page.on("request", lambda request: "version=" in request.url and polls.append(request.url))
    bob_page.evaluate(
        """() => {
          const hidden = (value) => ({ configurable: true, get: () => value });
          Object.defineProperty(document, "hidden", hidden(true));
          Object.defineProperty(document, "visibilityState", hidden("hidden"));
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    polls.clear()
    make_task(db_session, alice, "Butter", task_list=groceries)
    wait_for_held_polls(bob_page, 3)
    assert polls == []
    expect(row(bob_page, "Butter")).to_have_count(0)

    # Shown again: it asks at once.
    bob_page.evaluate(
        """() => {
          delete document.hidden;
          delete document.visibilityState;
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    expect(row(bob_page, "Butter")).to_be_visible(timeout=WITHIN_MS)
    assert polls


def test_an_owner_an_editor_and_a_viewer_see_each_others_changes(
    pages: Any, db_session: Session, groceries: TaskList
) -> None:
    carol = make_user(db_session, CAROL)
    share(db_session, groceries, carol, Role.VIEWER)
    alice_page = open_list(pages, "alice@example.com", groceries)
    bob_page = open_list(pages, BOB, groceries, "phone")
    carol_page = open_list(pages, CAROL, groceries)

    add(bob_page, "Apples")
    expect(row(alice_page, "Apples")).to_be_visible(timeout=WITHIN_MS)
    expect(row(carol_page, "Apples")).to_be_visible(timeout=WITHIN_MS)

    row(alice_page, "Bread").locator("button.toggle").click()
    expect(row(bob_page, "Bread")).to_have_count(0, timeout=WITHIN_MS)
    expect(row(carol_page, "Bread")).to_have_count(0, timeout=WITHIN_MS)
    for page in (alice_page, bob_page, carol_page):
        assert_not_reloaded(page)


def test_the_smart_views_follow_a_shared_list(
    pages: Any, db_session: Session, alice: User, groceries: TaskList
) -> None:
    """Pages spanning lists poll too: Bob's "All open tasks" shows what Alice adds."""
    bob_page = pages.open()
    log_in(bob_page, BOB)
    expect(row(bob_page, "Milk")).to_be_visible()
    make_task(db_session, alice, "Cheese", task_list=groceries)
    expect(row(bob_page, "Cheese")).to_be_visible(timeout=WITHIN_MS)


# -- screenshots ---------------------------------------------------------------------------


def take_screenshots(out: Path) -> list[Path]:
    """A list shared by three members, as an invited editor sees it, with tasks assigned to
    two of them (sharing-<device>-<theme>.png), and its members page as the owner manages
    it (sharing-members-<device>-<theme>.png), at both sizes and in both themes."""
    from playwright.sync_api import sync_playwright

    from .screenshots import _app, _pages

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(tmp)
        with get_database(app).session_factory() as session:
            owner = make_user(session, "sam@example.com", name="Sam Rivera")
            guest = make_user(session, "alex@example.com", name="Alex Chen")
            viewer = make_user(session, "jo@example.com", name="Jo Park")
            home = seed_list(session, owner, local_today("UTC"))
            share(session, home, guest, Role.EDITOR)
            share(session, home, viewer, Role.VIEWER)
            tap = session.scalar(select(Task).where(Task.title.startswith("Fix the dripping")))
            assert tap is not None
            tap.assignee_id = guest.id
            session.commit()
            list_id = home.id
        with serve(app) as base_url, sync_playwright() as playwright:
            browser = launch(playwright)
            owner_context = browser.new_context(base_url=base_url)
            owner_page = owner_context.new_page()
            log_in(owner_page, "sam@example.com")
            owner_page.goto(f"/tasks?list={list_id}")
            added = False
            for device, theme, page in _pages(browser, base_url, 1):
                log_in(page, "alex@example.com")
                page.goto(f"/tasks?list={list_id}")
                if not added:  # the first page open sees it come in
                    owner_page.fill("#quick-text", "Pick up the tiles @sam")
                    owner_page.press("#quick-text", "Enter")
                    added = True
                expect(row(page, "Pick up the tiles")).to_be_visible(timeout=WITHIN_MS)
                path = out / f"sharing-{device}-{theme}.png"
                page.screenshot(path=str(path), animations="disabled", caret="hide")
                written.append(path)
            owner_context.close()
            for device, theme, page in _pages(browser, base_url, 1):
                log_in(page, "sam@example.com")
                page.goto(f"/lists/{list_id}/members")
                path = out / f"sharing-members-{device}-{theme}.png"
                page.screenshot(path=str(path), animations="disabled", caret="hide")
                written.append(path)
            browser.close()
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=take_screenshots.__doc__)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    for written_path in take_screenshots(parser.parse_args().out):
        print(written_path)
