"""Feedback: a loading indicator when the server is slow, toasts for results that go away
by themselves, a clear message when a request fails or the network is down, and a CSRF
token that stays good on a page left open."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from ..factories import PASSWORD, make_task
from .support import log_in
from .test_flow import COMPLETED, row, tasks_by_title

LOADING_SEEN = """() => {
    window.__loadingSeen = false;
    new MutationObserver(() => {
        if (document.documentElement.classList.contains("is-loading")) window.__loadingSeen = true;
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
}"""


@pytest.fixture
def alice_tasks(alice: Any, db_session: Session) -> Any:
    make_task(db_session, alice, "Water the plants", commit=False)
    make_task(db_session, alice, "Book the dentist", commit=False)
    db_session.commit()
    return alice


def test_a_slow_answer_shows_the_loading_bar_and_a_quick_one_does_not(
    logged_in: Any, alice_tasks: Any, gate: Any
) -> None:
    page = logged_in()
    # The page's timers run only when the test moves its clock, so "quick" and "slow" are
    # page time, however long the machine takes to answer: the bar waits 250 ms of it.
    page.clock.install()
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    page.evaluate(LOADING_SEEN)
    with page.expect_response(lambda response: "/toggle" in response.url):
        row(page, "Water the plants").locator("button.toggle").click()
    page.clock.run_for(100)  # htmx settles the swapped row on a timer of its own
    expect(row(page, "Water the plants")).to_have_class(COMPLETED)
    assert page.evaluate("window.__loadingSeen") is False  # no flicker for a quick answer

    released = gate.hold("/tasks/quick")
    page.fill("#quick-text", "Renew the car insurance")
    page.press("#quick-text", "Enter")
    task_list = page.locator("#task-list")
    expect(task_list).to_have_attribute("aria-busy", "true")  # the request is out
    html = page.locator("html")
    page.clock.run_for(200)
    expect(html).not_to_have_class("is-loading")
    page.clock.run_for(100)
    expect(html).to_have_class("is-loading")
    expect(page.locator(".loading-bar")).to_have_css("opacity", "1")
    with page.expect_response(lambda response: "/tasks/quick" in response.url):
        released.set()
    page.clock.run_for(100)
    expect(row(page, "Renew the car insurance")).to_be_visible()
    expect(html).not_to_have_class("is-loading")
    expect(task_list).not_to_have_attribute("aria-busy", "true")


def test_toasts_report_results_and_go_away(logged_in: Any, alice_tasks: Any) -> None:
    page = logged_in()
    page.clock.install()
    page.fill("#quick-text", "Renew the car insurance")
    page.press("#quick-text", "Enter")
    toast = page.locator("#toasts .toast", has_text="Added “Renew the car insurance”.")
    expect(toast).to_be_visible()
    expect(toast).to_have_attribute("role", "status")
    page.clock.run_for(5000)
    expect(toast).to_have_count(0)

    # A toast with Undo stays longer, and can be dismissed at once.
    row(page, "Book the dentist").locator("button[aria-label^=Delete]").click()
    undo = page.locator("#toasts .toast", has_text="Deleted “Book the dentist”.")
    page.clock.run_for(5000)
    expect(undo).to_be_visible()
    undo.get_by_role("button", name="Dismiss").click()
    expect(undo).to_have_count(0)


def test_network_down_says_so_and_changes_nothing(
    logged_in: Any, alice_tasks: Any, db_session: Session
) -> None:
    page = logged_in()
    page.route("**/tasks/*/toggle", lambda route: route.abort("connectionrefused"))
    row(page, "Water the plants").locator("button.toggle").click()
    error = page.locator("#toasts .toast-error")
    expect(error).to_contain_text("Could not reach the server")
    expect(error).to_have_attribute("role", "alert")
    expect(row(page, "Water the plants")).not_to_have_class(COMPLETED)
    assert tasks_by_title(db_session)["Water the plants"].status == "pending"
    page.unroute("**/tasks/*/toggle")

    # The browser going offline is announced, and so is its return.
    page.context.set_offline(True)
    expect(page.locator("#toasts")).to_contain_text("You are offline")
    page.fill("#quick-text", "Call the bank")
    page.press("#quick-text", "Enter")
    expect(page.locator("#toasts .toast-error").last).to_contain_text("Could not reach")
    assert "Call the bank" not in tasks_by_title(db_session)
    page.context.set_offline(False)
    expect(page.locator("#toasts")).to_contain_text("Back online.")
    page.press("#quick-text", "Enter")  # what was typed is still there
    expect(row(page, "Call the bank")).to_be_visible()


def test_an_error_page_from_a_proxy_is_not_swapped_into_the_list(
    logged_in: Any, alice_tasks: Any
) -> None:
    page = logged_in()
    page.route(
        "**/tasks/*/toggle",
        lambda route: route.fulfill(
            status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>"
        ),
    )
    row(page, "Water the plants").locator("button.toggle").click()
    expect(page.locator("#toasts .toast-error")).to_contain_text(
        "The server could not complete that request (502)"
    )
    expect(page.locator("#task-list")).not_to_contain_text("Bad Gateway")
    expect(row(page, "Water the plants")).to_be_visible()


def test_a_refusal_shows_its_reason(logged_in: Any, alice_tasks: Any) -> None:
    page = logged_in()
    page.fill("#quick-text", "   ")
    page.press("#quick-text", "Enter")
    expect(page.locator("#quick-error")).to_contain_text("Type a task to add")
    expect(page.locator("#quick-text")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#quick-text")).to_be_focused()


def test_the_csrf_token_does_not_expire_on_an_open_page(
    clock: TimeMachineFixture, logged_in: Any, alice_tasks: Any, db_session: Session
) -> None:
    page = logged_in()
    clock.shift(timedelta(days=2))  # the server's clock, which signs and checks tokens
    row(page, "Water the plants").locator("button.toggle").click()
    expect(row(page, "Water the plants")).to_have_class(COMPLETED)
    assert tasks_by_title(db_session)["Water the plants"].status == "completed"


def test_a_page_keeps_working_after_its_session_was_renewed(logged_in: Any) -> None:
    """Changing the password starts a new login session (and with it a new CSRF secret)
    under the open settings page; its other forms must still post."""
    page = logged_in()
    page.goto("/settings")
    page.fill("#current_password", PASSWORD)
    page.fill("#settings-password [name=password]", "another good passphrase")
    page.fill("#settings-password [name=confirm]", "another good passphrase")
    page.click("#settings-password button[type=submit]")
    expect(page.locator("#settings-password .form-success")).to_be_visible()
    page.fill("#name", "Alice Liddell")
    page.click("#settings-profile button[type=submit]")
    expect(page.locator("#settings-profile .form-success")).to_be_visible()
    expect(page.locator(".site-header .user-name")).to_have_text("Alice")  # until reload
    page.reload()
    expect(page.locator(".site-header .user-name")).to_have_text("Alice Liddell")


def test_a_login_in_another_tab_costs_one_retry_at_most(
    pages: Any, alice_tasks: Any, db_session: Session
) -> None:
    page = pages.open()
    log_in(page)
    other = pages.new_page(page.context)  # same browser, so same cookies
    other.goto("/tasks")
    other.get_by_role("button", name="Log out").click()
    other.wait_for_url("**/auth/login")
    log_in(other)

    # The first page's token belongs to the old session: the user is told, and the page
    # picks up the new token, so trying again works.
    row(page, "Water the plants").locator("button.toggle").click()
    expect(page.locator("#toasts .toast-error")).to_contain_text("This form has expired")
    assert tasks_by_title(db_session)["Water the plants"].status == "pending"
    row(page, "Water the plants").locator("button.toggle").click()
    expect(row(page, "Water the plants")).to_have_class(COMPLETED)
    assert tasks_by_title(db_session)["Water the plants"].status == "completed"
