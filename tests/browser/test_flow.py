"""The whole day of a user, in Chromium, at desktop size and on a phone (touch, mobile user
agent): register, quick add, search and filter, complete and reopen, delete and undo, edit,
a bulk action, log out, log in again. Every step goes through htmx and is checked both on
the page and in the database."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.models import Task

from .support import PHONE_WIDTH

COMPLETED = re.compile(r"\bis-completed\b")


def press(page: Any, target: Any) -> None:
    """Tap on a phone, click on a desktop."""
    if page.viewport_size["width"] <= PHONE_WIDTH:
        target.tap()
    else:
        target.click()


def row(page: Any, title: str) -> Any:
    return page.locator("#task-list li[data-task-id]").filter(
        has=page.locator(".task-title", has_text=title)
    )


def total(page: Any) -> Any:
    return page.locator("#task-list[data-total-count]")


def quick_add(page: Any, text: str, title: str) -> None:
    page.fill("#quick-text", text)
    page.press("#quick-text", "Enter")
    expect(row(page, title)).to_be_visible()
    expect(page.locator("#quick-text")).to_have_value("")


def tasks_by_title(db_session: Session) -> dict[str, Task]:
    db_session.expire_all()
    return {task.title: task for task in db_session.scalars(select(Task))}


def assert_no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_a_day_with_the_app(pages: Any, device: str, db_session: Session) -> None:
    page = pages.open(device)

    # Register.
    page.goto("/auth/register")
    page.fill("#name", "Robin")
    page.fill("#email", "robin@example.com")
    page.fill("#password", "a long passphrase")
    page.fill("#confirm", "a long passphrase")
    press(page, page.locator("main button[type=submit]"))
    page.wait_for_url("**/tasks")
    expect(page.locator(".empty-state")).to_contain_text("Nothing to do")
    expect(total(page)).to_have_attribute("data-total-count", "0")
    assert_no_sideways_scroll(page)

    # Quick add, with the live preview showing what was understood.
    page.fill("#quick-text", "Buy milk tomorrow #errands !high")
    expect(page.locator("#quick-preview .chip-title")).to_have_text("Buy milk")
    expect(page.locator("#quick-preview")).to_contain_text("#errands")
    page.press("#quick-text", "Enter")
    expect(row(page, "Buy milk")).to_contain_text("Tomorrow")
    expect(row(page, "Buy milk")).to_contain_text("#errands")
    expect(page.locator("#toasts")).to_contain_text("Added “Buy milk”.")
    expect(page.locator("#quick-text")).to_be_focused()  # ready for the next one
    quick_add(page, "Call mum", "Call mum")
    quick_add(page, "Write the report #work", "Write the report")
    expect(total(page)).to_have_attribute("data-total-count", "3")
    expect(page.locator("[data-view=open]")).to_have_attribute("data-count", "3")
    assert set(tasks_by_title(db_session)) == {"Buy milk", "Call mum", "Write the report"}
    assert_no_sideways_scroll(page)

    # Search, then filter by a tag and clear the filters.
    page.fill("#search-q", "report")
    expect(total(page)).to_have_attribute("data-total-count", "1")
    expect(row(page, "Write the report")).to_be_visible()
    assert "q=report" in page.url
    page.fill("#search-q", "")
    expect(total(page)).to_have_attribute("data-total-count", "3")
    press(page, row(page, "Buy milk").locator(".chip-tag"))
    expect(total(page)).to_have_attribute("data-total-count", "1")
    expect(page.locator(".active-filters")).to_contain_text("#errands")
    press(page, page.locator(".clear-filters"))
    expect(total(page)).to_have_attribute("data-total-count", "3")

    # Complete a task, undo that from the toast; complete and reopen with the row's button.
    press(page, row(page, "Call mum").locator("button.toggle"))
    expect(row(page, "Call mum")).to_have_class(COMPLETED)
    expect(row(page, "Call mum").locator("button.toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-view=open]")).to_have_attribute("data-count", "2")
    assert tasks_by_title(db_session)["Call mum"].status == "completed"
    toast = page.locator("#toasts .toast", has_text="Completed “Call mum”.")
    press(page, toast.get_by_role("button", name="Undo"))
    expect(page.locator("#toasts")).to_contain_text("Reopened 1 task.")
    expect(row(page, "Call mum")).not_to_have_class(COMPLETED)
    expect(page.locator("[data-view=open]")).to_have_attribute("data-count", "3")
    assert tasks_by_title(db_session)["Call mum"].status == "pending"
    press(page, row(page, "Call mum").locator("button.toggle"))
    expect(row(page, "Call mum")).to_have_class(COMPLETED)
    press(page, row(page, "Call mum").locator("button.toggle"))
    expect(row(page, "Call mum")).not_to_have_class(COMPLETED)
    expect(row(page, "Call mum").locator("button.toggle")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert tasks_by_title(db_session)["Call mum"].status == "pending"

    # Delete a task and undo it from the toast.
    press(page, row(page, "Call mum").locator("button[aria-label^=Delete]"))
    expect(row(page, "Call mum")).to_have_count(0)
    toast = page.locator("#toasts .toast", has_text="Deleted “Call mum”.")
    expect(toast).to_be_visible()
    assert tasks_by_title(db_session)["Call mum"].deleted_at is not None
    press(page, toast.get_by_role("button", name="Undo"))
    expect(row(page, "Call mum")).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("Restored “Call mum”.")
    assert tasks_by_title(db_session)["Call mum"].deleted_at is None

    # Edit in place.
    press(page, row(page, "Write the report").get_by_role("button", name="Edit"))
    editor = page.locator("#task-list li.task-editing")
    expect(editor.locator("[name=title]")).to_be_focused()
    editor.locator("[name=title]").fill("Write the annual report")
    editor.locator("[name=priority]").select_option("high")
    press(page, editor.get_by_role("button", name="Save"))
    expect(row(page, "Write the annual report")).to_contain_text("High")
    expect(page.locator("#toasts")).to_contain_text("Saved.")
    assert tasks_by_title(db_session)["Write the annual report"].priority.label == "high"
    assert_no_sideways_scroll(page)

    # A bulk action on two selected tasks.
    press(page, page.locator(".bulk-details summary"))
    for title in ("Buy milk", "Call mum"):
        box = row(page, title).locator("input[name=ids]")
        press(page, box)
        expect(box).to_be_checked()
    page.select_option("#bulk-form [name=action]", "complete")
    press(page, page.locator("#bulk-form button[type=submit]"))
    expect(page.locator("#toasts")).to_contain_text("Completed 2 tasks.")
    expect(page.locator("[data-view=open]")).to_have_attribute("data-count", "1")
    statuses = {title: task.status for title, task in tasks_by_title(db_session).items()}
    assert statuses == {
        "Buy milk": "completed",
        "Call mum": "completed",
        "Write the annual report": "pending",
    }

    # Log out and back in: the tasks are still there.
    press(page, page.get_by_role("button", name="Log out"))
    page.wait_for_url("**/auth/login")
    page.goto("/tasks")
    page.wait_for_url(re.compile(r"/auth/login\?next="))
    page.fill("#email", "robin@example.com")
    page.fill("#password", "a long passphrase")
    press(page, page.locator("main button[type=submit]"))
    page.wait_for_url("**/tasks")
    expect(row(page, "Write the annual report")).to_be_visible()
    expect(page.locator("[data-view=all]")).to_have_attribute("data-count", "3")
    assert_no_sideways_scroll(page)
