"""The keyboard: shortcuts (static/keys.js) listed in a help dialog, silent while the user
types, and everything reachable with Tab and Enter alone."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy.orm import Session

from todo_web.models import Task
from todo_web.timezones import local_today

from .support import seed_tasks
from .test_flow import COMPLETED, row, tasks_by_title

SHORTCUTS = {"n", "/", "j", "k", "x", "c", "e", "?", "Esc", "Alt", "Shift", "↑", "↓", "→", "←"}


def focused(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
        const el = document.activeElement;
        const row = el && el.closest("[data-task-id]");
        return {
            id: el.id, tag: el.tagName.toLowerCase(), name: el.getAttribute("name"),
            text: (el.getAttribute("aria-label") || el.textContent || "").trim(),
            task: row ? row.querySelector(".task-title")?.textContent.trim() : null,
        };
    }"""
    )


def status_of(db_session: Session, task_id: int) -> str:
    db_session.expire_all()
    task = db_session.get(Task, task_id)
    assert task is not None
    return task.status


def leave_fields(page: Any) -> None:
    page.keyboard.press("Escape")
    assert focused(page)["tag"] == "body"


def titles(page: Any) -> list[str]:
    return page.locator("#task-list .task-title").all_inner_texts()


def test_help_lists_every_shortcut(logged_in: Any) -> None:
    page = logged_in()
    leave_fields(page)
    page.keyboard.press("?")
    dialog = page.locator("dialog#shortcuts")
    expect(dialog).to_be_visible()
    keys = set(dialog.locator("tbody kbd").all_inner_texts())
    assert keys == SHORTCUTS
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # Also a button for those who do not know about "?".
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")  # on Close
    expect(dialog).to_be_hidden()


def test_shortcuts_move_select_complete_and_edit(
    logged_in: Any, alice: Any, db_session: Session
) -> None:
    seed_tasks(db_session, alice, local_today("UTC"))
    db_session.commit()
    page = logged_in()
    leave_fields(page)
    order = titles(page)

    page.keyboard.press("j")
    assert focused(page)["task"] == order[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert focused(page)["task"] == order[2]
    page.keyboard.press("k")
    assert focused(page)["task"] == order[1]

    # x selects the task for a bulk action (and opens the selection).
    page.keyboard.press("x")
    expect(page.locator(".bulk-details")).to_have_attribute("open", "")
    expect(row(page, order[1]).locator("input[name=ids]")).to_be_checked()
    page.keyboard.press("x")
    expect(row(page, order[1]).locator("input[name=ids]")).not_to_be_checked()

    # c completes; focus stays on the same task, so c again reopens it. (Completing a
    # repeating task brings in its next occurrence instead: pick one that does not repeat.)
    index = 1
    while row(page, order[index]).locator(".repeat").count():
        page.keyboard.press("j")
        index += 1
    target = order[index]
    task_id = int(row(page, target).get_attribute("data-task-id"))
    page.keyboard.press("c")
    expect(row(page, target)).to_have_class(COMPLETED)
    assert status_of(db_session, task_id) == "completed"
    expect(row(page, target).locator(".task-title")).to_be_focused()
    page.keyboard.press("c")
    expect(row(page, target)).not_to_have_class(COMPLETED)
    assert status_of(db_session, task_id) == "pending"

    # e edits in place, the title field takes focus; typing there is typing.
    page.keyboard.press("e")
    title = page.locator("#task-list .task-editing [name=title]")
    expect(title).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" now: jkxce?/n")
    expect(title).to_have_value(target + " now: jkxce?/n")
    expect(page.locator("dialog#shortcuts")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(row(page, target + " now: jkxce?/n").locator(".task-title")).to_be_focused()
    assert target + " now: jkxce?/n" in tasks_by_title(db_session)


def test_n_and_slash_go_to_the_fields_and_typing_stays_typing(logged_in: Any) -> None:
    page = logged_in()
    leave_fields(page)
    page.keyboard.press("/")
    expect(page.locator("#search-q")).to_be_focused()
    expect(page.locator("#search-q")).to_have_value("")  # the "/" was not typed
    page.keyboard.type("n/j")
    expect(page.locator("#search-q")).to_have_value("n/j")
    expect(page.locator("#search-q")).to_be_focused()
    page.goto("/tasks")  # a clean list, whatever the search requests were doing

    page.keyboard.press("n")
    quick = page.locator("#quick-text")
    expect(quick).to_be_focused()
    expect(quick).to_have_value("")
    page.keyboard.type("Buy stamps /x ?")
    expect(quick).to_have_value("Buy stamps /x ?")
    page.keyboard.press("Enter")
    expect(row(page, "Buy stamps /x ?")).to_be_visible()
    expect(quick).to_be_focused()

    # Modifier keys belong to the browser, not to the shortcuts.
    page.keyboard.press("Escape")
    page.keyboard.press("Control+n")
    page.keyboard.press("Alt+/")
    assert focused(page)["tag"] == "body"

    # Elsewhere, n and / lead to the list's fields.
    page.goto("/settings")
    page.keyboard.press("n")
    page.wait_for_url("**/tasks#quick-text")
    expect(page.locator("#quick-text")).to_be_focused()


def tab_to(page: Any, locator: Any, limit: int = 120) -> None:
    """Press Tab until `locator` has focus; fail if it never does."""
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def test_everything_is_reachable_without_a_mouse(logged_in: Any, db_session: Session) -> None:
    page = logged_in()
    page.goto("/tasks")

    # The skip link comes first and leads past the header.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    tab_to(page, page.locator("#quick-text"))
    page.keyboard.type("Post the letters")
    page.keyboard.press("Enter")
    expect(row(page, "Post the letters")).to_be_visible()

    # Complete with Space on the round button.
    toggle = row(page, "Post the letters").locator("button.toggle")
    tab_to(page, toggle)
    page.keyboard.press("Space")
    expect(row(page, "Post the letters")).to_have_class(COMPLETED)
    expect(row(page, "Post the letters").locator("button.toggle")).to_be_focused()
    page.keyboard.press("Space")
    expect(row(page, "Post the letters")).not_to_have_class(COMPLETED)

    # Edit, change, save with the keyboard.
    tab_to(page, row(page, "Post the letters").locator(".task-actions a.edit-link"))
    page.keyboard.press("Enter")
    title = page.locator("#task-list .task-editing [name=title]")
    expect(title).to_be_focused()
    title.fill("Post the parcels")
    tab_to(page, page.locator("#task-list .task-editing button[type=submit]"))
    page.keyboard.press("Enter")
    expect(row(page, "Post the parcels")).to_be_visible()

    # Delete, then reach Undo in the message.
    tab_to(page, row(page, "Post the parcels").locator("button[aria-label^=Delete]"))
    page.keyboard.press("Enter")
    expect(row(page, "Post the parcels")).to_have_count(0)
    undo = page.locator("#toasts .toast", has_text="Deleted").get_by_role("button", name="Undo")
    tab_to(page, undo)
    page.keyboard.press("Enter")
    expect(row(page, "Post the parcels")).to_be_visible()

    # Filters: open the panel with Enter, choose with the arrow keys.
    tab_to(page, page.locator(".filter-details summary"))
    page.keyboard.press("Enter")
    tab_to(page, page.locator("#filters [name=status]"))
    page.keyboard.press("ArrowDown")  # Open -> Pending (Chromium changes a closed select)
    expect(page.locator("#task-list[data-total-count]")).to_have_attribute("data-total-count", "1")

    # Settings and logging out.
    tab_to(page, page.get_by_role("link", name="Settings"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/settings")
    tab_to(page, page.get_by_role("button", name="Log out"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/auth/login")
    assert tasks_by_title(db_session)["Post the parcels"].deleted_at is None
