"""The same day with JavaScript switched off: every action is a plain form that posts (or a
link), answered with a redirect back to the list and a message on the page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy.orm import Session

from .test_flow import COMPLETED, assert_no_sideways_scroll, row, tasks_by_title, total


def add(page: Any, text: str) -> None:
    page.fill("#quick-text", text)
    page.press("#quick-text", "Enter")
    page.wait_for_url("**/tasks")


def test_every_action_works_without_javascript(
    pages: Any, device: str, db_session: Session
) -> None:
    page = pages.open(device, java_script_enabled=False)
    assert page.evaluate("1 + 1") == 2  # Playwright still can; the page's own scripts cannot
    page.goto("/auth/register")
    page.fill("#name", "Robin")
    page.fill("#email", "robin@example.com")
    page.fill("#password", "a long passphrase")
    page.fill("#confirm", "a long passphrase")
    page.click("main button[type=submit]")
    page.wait_for_url("**/tasks")
    assert page.evaluate("typeof window.htmx") == "undefined"

    # Quick add posts the form; the answer is the list with a message.
    add(page, "Buy milk tomorrow #errands !high")
    expect(row(page, "Buy milk")).to_contain_text("Tomorrow")
    expect(page.locator("#toasts")).to_contain_text("Added “Buy milk”.")
    add(page, "Call mum")
    add(page, "Write the report #work")
    expect(total(page)).to_have_attribute("data-total-count", "3")

    # The full form too: without JavaScript it is a page of its own, one link away.
    page.click(".create-more summary")
    page.click(".create-more a[href='/tasks/new']")
    page.wait_for_url("**/tasks/new")
    page.fill("#create-title", "Renew passport")
    page.select_option("#create-form [name=priority]", "low")
    page.click("#create-form button[type=submit]")
    page.wait_for_url("**/tasks")
    expect(row(page, "Renew passport")).to_contain_text("Low")

    # Search: Enter submits the filter form as a GET.
    page.fill("#search-q", "report")
    page.press("#search-q", "Enter")
    page.wait_for_url("**/tasks?*q=report*")
    expect(total(page)).to_have_attribute("data-total-count", "1")
    page.click(".filter-details summary")
    page.select_option("#filters [name=priority]", "high")
    page.click("#filters noscript button, #filters button[type=submit]")
    expect(total(page)).to_have_attribute("data-total-count", "0")
    page.click(".clear-filters")
    expect(total(page)).to_have_attribute("data-total-count", "4")

    # Complete: the task leaves the open list, and the message can take it back.
    row(page, "Call mum").locator("button.toggle").click()
    expect(row(page, "Call mum")).to_have_count(0)
    assert tasks_by_title(db_session)["Call mum"].status == "completed"
    expect(page.locator("#toasts")).to_contain_text("Task completed.")
    page.locator("#toasts").get_by_role("button", name="Undo").click()
    expect(row(page, "Call mum")).not_to_have_class(COMPLETED)
    expect(page.locator("#toasts")).to_contain_text("Reopened 1 task.")
    assert tasks_by_title(db_session)["Call mum"].status == "pending"
    # Completed tasks are one view away, and reopen from there.
    row(page, "Call mum").locator("button.toggle").click()
    page.click("[data-view=completed]")
    expect(row(page, "Call mum")).to_have_class(COMPLETED)
    row(page, "Call mum").locator("button.toggle").click()
    expect(row(page, "Call mum")).to_have_count(0)
    assert tasks_by_title(db_session)["Call mum"].status == "pending"
    page.click("[data-view=open]")

    # Delete, and undo from the message.
    row(page, "Call mum").locator("button[aria-label^=Delete]").click()
    expect(row(page, "Call mum")).to_have_count(0)
    page.locator("#toasts").get_by_role("button", name="Undo").click()
    expect(row(page, "Call mum")).to_be_visible()
    assert tasks_by_title(db_session)["Call mum"].deleted_at is None

    # Edit on its own page.
    row(page, "Write the report").get_by_role("button", name="Edit").click()
    page.wait_for_url("**/tasks/*/edit")
    page.fill("#title", "Write the annual report")
    page.select_option("[name=priority]", "high")
    page.click(".task-page button[type=submit]")
    page.wait_for_url("**/tasks/*")
    expect(page.locator("h1")).to_have_text("Write the annual report")
    expect(page.locator("#toasts")).to_contain_text("Saved.")
    page.locator(".task-counts a[data-view=open]").click()

    # Bulk: the summary opens the selection without a script.
    page.click(".bulk-details summary")
    for title in ("Buy milk", "Call mum"):
        row(page, title).locator("input[name=ids]").check()
    page.select_option("#bulk-form [name=action]", "set_priority")
    page.fill("#bulk-form [name=value]", "low")
    page.click("#bulk-form button[type=submit]")
    page.wait_for_url("**/tasks")
    expect(page.locator("#toasts")).to_contain_text("Set 2 tasks to low priority.")
    tasks = tasks_by_title(db_session)
    assert {t: tasks[t].priority.label for t in ("Buy milk", "Call mum")} == {
        "Buy milk": "low",
        "Call mum": "low",
    }
    assert_no_sideways_scroll(page)

    # Log out, log in.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/auth/login")
    page.fill("#email", "robin@example.com")
    page.fill("#password", "a long passphrase")
    page.click("main button[type=submit]")
    page.wait_for_url("**/tasks")
    expect(total(page)).to_have_attribute("data-total-count", "4")
