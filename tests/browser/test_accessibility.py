"""Accessibility: axe-core on every page and state a user meets (0 serious or critical
violations, in both themes and at both sizes), labels on every control, visible focus,
and changes made in place read out to screen readers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from todo_web.models import Role
from todo_web.timezones import local_today

from ..factories import make_list, make_task, share
from . import axe
from .support import log_in, seed_tasks


def audit(page: Any, name: str, found: dict[str, list[dict[str, Any]]]) -> None:
    problems = axe.blocking(axe.violations(page))
    if problems:
        found[name] = problems


def logged_out_pages(page: Any, check: Callable[[str], None]) -> None:
    page.goto("/auth/login")
    check("login")
    page.fill("#email", "alice@example.com")
    page.fill("#password", "not the password")
    page.click("main button[type=submit]")
    expect(page.locator(".form-error")).to_be_visible()
    check("login with an error")
    page.goto("/auth/register")
    check("register")
    page.click("main button[type=submit]")
    expect(page.locator(".field-error").first).to_be_visible()
    check("register with errors")
    page.goto("/auth/reset")
    check("password reset request")
    page.goto("/no/such/page")
    check("404 page, logged out")


def logged_in_pages(page: Any, check: Callable[[str], None], arrange: Callable[[], None]) -> None:
    log_in(page)
    expect(page.locator(".empty-state")).to_be_visible()
    check("empty list")
    page.goto("/tasks?q=nothing+like+this")
    expect(page.locator(".empty-state")).to_contain_text("No tasks match")
    check("list with no matches")

    arrange()
    page.goto("/tasks")
    check("list with tasks")
    page.fill("#quick-text", "Ring the bank friday 10am #money !high")
    expect(page.locator("#quick-preview .chip").first).to_be_visible()
    check("quick add preview")
    page.press("#quick-text", "Enter")
    expect(page.locator("#toasts .toast").first).to_be_visible()
    check("list with a toast")
    page.click(".create-more summary")
    expect(page.locator("#create-form")).to_be_visible()
    page.click(".filter-details summary")
    page.click(".bulk-details summary")
    check("list with every panel open")
    page.locator("#task-list li[data-task-id] .task-actions a.edit-link").first.click()
    expect(page.locator("#task-list .task-editing [name=title]")).to_be_focused()
    check("inline editor")
    page.goto("/tasks?view=today")
    check("today view")
    page.goto("/tasks?status=completed")
    check("completed tasks")
    page.goto("/tasks?priority=high&due=week&tag=work&q=report&status=all")
    expect(page.locator(".active-filters")).to_be_visible()
    check("list with every filter")
    page.goto("/tasks?status=bogus")
    check("list refusing a bad filter (400)")

    page.goto("/tasks")
    page.locator("#task-list .task-title").first.click()
    page.wait_for_url("**/tasks/*")
    check("task detail")
    page.get_by_role("button", name="Edit").click()
    page.wait_for_url("**/edit")
    check("edit page")
    page.fill("#title", "")
    page.click(".task-page button[type=submit]")
    expect(page.locator("#title-error")).to_be_visible()
    check("edit page with errors")

    page.goto("/settings")
    check("settings")
    page.fill("#current_password", "wrong")
    page.click("#settings-password button[type=submit]")
    expect(page.locator("#settings-password .field-error").first).to_be_visible()
    check("settings with errors")
    page.keyboard.press("Escape")
    page.locator("body").focus()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    check("keyboard shortcuts dialog")
    page.keyboard.press("Escape")
    page.goto("/tasks/999999")
    check("404 page")
    page.goto("/tasks/999999/edit")
    check("404 page, edit")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_serious_or_critical_violations_anywhere(
    pages: Any, theme: str, alice: Any, db_session: Session
) -> None:
    """Every page and state, at desktop size, in each theme (contrast differs)."""
    page = pages.open("desktop", color_scheme=theme)
    found: dict[str, list[dict[str, Any]]] = {}
    checked: list[str] = []

    def check(name: str) -> None:
        checked.append(name)
        audit(page, name, found)

    def arrange() -> None:
        seed_tasks(db_session, alice, local_today("UTC"))
        db_session.commit()

    logged_out_pages(page, check)
    logged_in_pages(page, check, arrange)
    assert len(checked) >= 25
    assert not found, f"axe: serious or critical problems ({theme}):\n{report(found)}"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_serious_or_critical_violations_on_a_phone(
    pages: Any, theme: str, alice: Any, db_session: Session
) -> None:
    """The main pages again in the phone layout (the views scroll sideways, the actions
    are icons, the header is shorter)."""
    seed_tasks(db_session, alice, local_today("UTC"))
    db_session.commit()
    page = pages.open("phone", color_scheme=theme)
    found: dict[str, list[dict[str, Any]]] = {}
    page.goto("/auth/login")
    audit(page, "login", found)
    log_in(page)
    audit(page, "list with tasks", found)
    page.tap(".create-more summary")
    expect(page.locator("#create-form")).to_be_visible()
    page.tap(".filter-details summary")
    page.tap(".bulk-details summary")
    audit(page, "list with every panel open", found)
    page.goto(page.locator("#task-list .task-actions a.edit-link").first.get_attribute("href"))
    audit(page, "edit page", found)
    page.goto("/settings")
    audit(page, "settings", found)
    assert not found, f"axe: serious or critical problems (phone, {theme}):\n{report(found)}"


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_serious_or_critical_violations_when_sharing(
    pages: Any, theme: str, device: str, alice: Any, bob: Any, db_session: Session
) -> None:
    """The sharing pages: a shared list with its members and an assignee, its members page
    as the owner manages it, a list one only views, and an invitation waiting on /lists."""
    team = make_list(db_session, alice, "Team")
    make_task(db_session, alice, "Plan the offsite", task_list=team, assignee_id=bob.id)
    share(db_session, team, bob, Role.EDITOR)
    garden = make_list(db_session, bob, "Garden")
    make_task(db_session, bob, "Prune the roses", task_list=garden)
    share(db_session, garden, alice, Role.VIEWER)
    shed = make_list(db_session, bob, "Shed")
    page = pages.open(device, color_scheme=theme)
    found: dict[str, list[dict[str, Any]]] = {}
    log_in(page)
    for name, url in [
        ("shared list", f"/tasks?list={team.id}"),
        ("members page, owner", f"/lists/{team.id}/members"),
        ("list one only views", f"/tasks?list={garden.id}"),
        ("members page, viewer", f"/lists/{garden.id}/members"),
        ("assigned to me", "/tasks?assignee=me"),
    ]:
        page.goto(url)
        audit(page, name, found)
    bobs = pages.open(device, color_scheme=theme)
    log_in(bobs, "bob@example.com")
    bobs.goto(f"/lists/{shed.id}/members")
    bobs.fill("#email", "alice@example.com")
    bobs.click(".member-invite button[type=submit]")
    expect(bobs.locator(".invitation-rows li")).to_have_count(1)
    audit(bobs, "members page with an invitation out", found)
    page.goto("/lists")
    expect(page.locator(".invitation-row")).to_have_count(1)
    audit(page, "lists page with an invitation", found)
    assert not found, f"axe: serious or critical problems ({theme}, {device}):\n{report(found)}"


def report(found: dict[str, list[dict[str, Any]]]) -> str:
    return "\n".join(f"== {name}\n{axe.describe(problems)}" for name, problems in found.items())


def test_axe_does_find_problems(page: Any) -> None:
    """The audit is live: a control without a label and grey-on-grey text are caught."""
    page.goto("/auth/login")
    assert axe.blocking(axe.violations(page)) == []
    page.evaluate(
        """() => {
        const input = document.createElement("input");
        document.querySelector("main").append(input);
        const faint = document.createElement("p");
        faint.textContent = "hard to read";
        faint.style.color = "#ccc";
        faint.style.background = "#fff";
        document.querySelector("main").append(faint);
    }"""
    )
    assert {v["id"] for v in axe.blocking(axe.violations(page))} >= {"label", "color-contrast"}


CONTROL_ROLES = {
    "button",
    "checkbox",
    "combobox",
    "link",
    "listbox",
    "menuitem",
    "radio",
    "searchbox",
    "slider",
    "spinbutton",
    "switch",
    "textbox",
    "tab",
}


def unnamed_controls(page: Any) -> list[str]:
    """Controls Chromium's accessibility tree gives no name (or a name said twice)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
        document = cdp.send("DOM.getDocument", {"depth": -1, "pierce": False})["root"]
    finally:
        cdp.detach()
    ours: set[int] = set()  # the page's own elements, not the parts of Chromium's date pickers
    stack = [document]
    while stack:
        dom_node = stack.pop()
        ours.add(dom_node["backendNodeId"])
        stack.extend(dom_node.get("children", []))
    problems = []
    for node in nodes:
        role = node.get("role", {}).get("value")
        if node.get("ignored") or role not in CONTROL_ROLES:
            continue
        if node.get("backendDOMNodeId") not in ours:
            continue
        name = (node.get("name", {}).get("value") or "").strip()
        words = name.split()
        half = len(words) // 2
        if not name:
            problems.append(f"{role} without a name")
        elif half and len(words) % 2 == 0 and words[:half] == words[half:]:
            problems.append(f"{role} named twice: {name!r}")
    return problems


def test_every_control_has_a_name(logged_in: Any, alice: Any, db_session: Session) -> None:
    seed_tasks(db_session, alice, local_today("UTC"))
    db_session.commit()
    page = logged_in()
    found: dict[str, list[str]] = {}
    page.click(".create-more summary")
    expect(page.locator("#create-form")).to_be_visible()
    page.click(".filter-details summary")
    page.click(".bulk-details summary")
    # An inline editor beside the create form: both have a "Priority", a "Title"...
    page.locator("#task-list .task-actions a.edit-link").first.click()
    expect(page.locator(".task-editing [name=title]")).to_be_focused()
    found["list"] = unnamed_controls(page)
    page.goto("/settings")
    found["settings"] = unnamed_controls(page)
    page.goto(page.url.replace("/settings", "/tasks?status=all"))
    page.goto(page.locator("#task-list .task-actions a.edit-link").first.get_attribute("href"))
    page.fill("#title", "")
    page.click(".task-page button[type=submit]")
    expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")
    found["edit with an error"] = unnamed_controls(page)
    found = {where: problems for where, problems in found.items() if problems}
    assert not found, found
    # The error describes the field; it is not part of its name.
    title = page.get_by_role("textbox", name="Title", exact=True)
    expect(title).to_have_count(1)
    expect(title).to_have_accessible_description(re.compile(r"\S"))


def test_changes_in_place_are_read_out(logged_in: Any, alice: Any, db_session: Session) -> None:
    seed_tasks(db_session, alice, local_today("UTC"))
    db_session.commit()
    page = logged_in()
    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(page.locator("#toasts")).to_have_attribute("aria-live", "polite")

    # A search swaps the list: its new count is read out.
    page.fill("#search-q", "passport")
    expect(page.locator("#task-list[data-total-count]")).to_have_attribute("data-total-count", "1")
    expect(announcer).to_have_text("1 task")
    # A change is read out by its toast, which lands in the live region.
    page.locator("#task-list button.toggle").first.click()
    expect(page.locator("#toasts .toast[role=status]")).to_contain_text(
        "Completed “Renew passport”."
    )
    # Settings sections come back with their message.
    page.goto("/settings")
    page.click("#settings-notifications button[type=submit]")
    expect(announcer).to_have_text("Your mail settings have been saved.")
