"""How much of the list one screen holds, and the phone's layout: rows visible without
scrolling at desktop (1280 by 800) and phone (390 by 844) size, where the first row starts,
the size of every tap target (44 px for a row's buttons, WCAG 2.5.5; 24 px for the rest,
2.5.8), the help that shows only when asked for (or on first use), and on a phone the bar
of views and lists along the bottom, the add button and the editing sheet.

Each measure is printed (run with -s to read them)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from todo_web.timezones import local_today

from .busy import OPEN_TASKS, seed_busy
from .support import log_in

ROW_TAP = 44  # px: a row's own buttons (WCAG 2.5.5, enhanced)
TAP = 24  # px: every other control (WCAG 2.5.8, minimum)

#: A row's buttons, which a thumb aims at many times a day.
ROW_ACTIONS = [
    "#task-list button.toggle",
    "#task-list .task-actions a",
    "#task-list .task-actions button",
    "#task-list .select-box",
]
#: The page's other controls.
OTHER_CONTROLS = [
    "#quick-text",
    "#quick-form button[type=submit]",
    ".quick-help-toggle summary",
    ".create-more summary",
    "#search-q",
    ".filter-details summary",
    ".bulk-details summary",
    ".select-all",
    "#bulk-form button[type=submit]",
    "#bulk-form select",
    ".site-header button",
    ".site-header a[href='/settings']",
    ".task-counts a",
    "#task-list .chip-tag",
    ".pagination a",
]

ROWS_ON_SCREEN = """() => {
  const height = window.innerHeight;
  const bar = document.querySelector(".app-sidebar");
  const fixed = bar && getComputedStyle(bar).position === "fixed";
  const bottom = fixed ? bar.getBoundingClientRect().top : height;
  const rows = Array.from(document.querySelectorAll("#task-list li[data-task-id]"))
    .map((row) => row.getBoundingClientRect());
  return {
    visible: rows.filter((box) => box.top >= 0 && box.bottom <= bottom + 0.5).length,
    first: rows[0].top,
    shortest: Math.min(...rows.map((box) => box.height)),
    bottom: bottom,
    quickAdd: document.getElementById("quick-text").getBoundingClientRect().height,
    search: document.getElementById("search-q").getBoundingClientRect().height,
  };
}"""


@pytest.fixture
def busy(alice: Any, db_session: Session) -> Any:
    seed_busy(db_session, alice, local_today("UTC"))
    return alice


def open_list(pages: Any, device: str, **options: Any) -> Any:
    page = pages.open(device, **options)
    log_in(page)
    page.wait_for_load_state("networkidle")
    return page


def test_a_screen_holds_a_day_of_tasks_on_a_desktop(pages: Any, busy: Any) -> None:
    page = open_list(pages, "desktop")
    expect(page.locator("#task-list[data-total-count]")).to_have_attribute(
        "data-total-count", str(OPEN_TASKS)
    )
    measured = page.evaluate(ROWS_ON_SCREEN)
    print(f"\ndesktop 1280x800: {measured}")
    assert measured["visible"] >= 14, measured
    assert measured["quickAdd"] <= 44 and measured["search"] <= 44, measured


def test_a_screen_holds_a_day_of_tasks_on_a_phone(pages: Any, busy: Any) -> None:
    page = open_list(pages, "phone")
    measured = page.evaluate(ROWS_ON_SCREEN)
    print(f"\nphone 390x844: {measured}")
    assert measured["first"] < 200, measured
    assert measured["visible"] >= 8, measured
    assert measured["quickAdd"] <= 44 and measured["search"] <= 44, measured


def smallest(page: Any, selectors: list[str]) -> dict[str, float]:
    """The smallest side (px) of the controls each selector finds."""
    sizes: dict[str, float] = {}
    for selector in selectors:
        boxes = [b for b in (el.bounding_box() for el in page.locator(selector).all()) if b]
        assert boxes, f"nothing matches {selector}"
        sizes[selector] = min(min(b["width"], b["height"]) for b in boxes)
    return sizes


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_tap_targets(pages: Any, busy: Any, device: str) -> None:
    page = open_list(pages, device)
    page.locator(".bulk-details summary").click()  # the row checkboxes and the bulk bar
    expect(page.locator("#bulk-form")).to_be_visible()
    rows = smallest(page, ROW_ACTIONS)
    others = smallest(page, OTHER_CONTROLS + ([".add-fab"] if device == "phone" else []))
    print(f"\n{device}: row actions {rows}\n{device}: other controls {others}")
    small_rows = {s: v for s, v in rows.items() if v < ROW_TAP - 0.5}
    small_others = {s: v for s, v in others.items() if v < TAP - 0.5}
    assert not small_rows, f"row actions under {ROW_TAP} px: {small_rows}"
    assert not small_others, f"controls under {TAP} px: {small_others}"


def test_quick_add_help_shows_when_asked_for(pages: Any, busy: Any) -> None:
    page = open_list(pages, "desktop")
    help_text = page.locator("#quick-help")
    expect(help_text).to_be_hidden()
    expect(page.locator("#quick-text")).to_have_attribute("aria-describedby", "quick-help")
    page.locator(".quick-help-toggle summary").click()
    expect(help_text).to_be_visible()
    page.locator(".quick-help-toggle summary").click()
    expect(help_text).to_be_hidden()


def test_quick_add_help_shows_on_first_use(logged_in: Any) -> None:
    page = logged_in()  # Alice has no tasks yet
    expect(page.locator("#quick-help")).to_be_visible()
    expect(page.locator(".empty-state")).to_contain_text("Nothing to do")


def test_the_views_and_lists_are_a_bar_along_the_bottom_of_a_phone(pages: Any, busy: Any) -> None:
    page = open_list(pages, "phone")
    bar = page.locator("#task-counts")
    box = page.locator(".app-sidebar").bounding_box()
    assert box is not None and abs(box["y"] + box["height"] - 844) < 1, box
    for view in ("open", "today", "upcoming", "overdue", "nodate", "completed", "all"):
        expect(bar.locator(f"a[data-view={view}]")).to_have_count(1)
    expect(bar.locator(".sidebar-lists a")).to_have_count(3)  # Inbox, Home renovation, Work
    expect(bar.locator("a[href='/lists']")).to_have_count(1)  # and the page of lists
    # It says that it scrolls: faded on the right; on both sides midway; on the left at the end.
    expect(bar).to_have_attribute("data-fade", "end")
    bar.evaluate("(element) => { element.scrollLeft = 60; }")
    expect(bar).to_have_attribute("data-fade", "both")
    bar.evaluate("(element) => { element.scrollLeft = element.scrollWidth; }")
    expect(bar).to_have_attribute("data-fade", "start")
    # A view chosen from it: the bar stays where it was scrolled to.
    bar.locator("a[data-view=completed]").tap()
    page.wait_for_url("**/tasks?view=completed*")
    expect(bar.locator("a[data-view=completed]")).to_have_attribute("aria-current", "page")
    completed = bar.locator("a[data-view=completed]").bounding_box()
    assert completed is not None and completed["x"] >= 0 and completed["x"] + 20 < 390


def test_the_desktop_keeps_its_sidebar(pages: Any, busy: Any) -> None:
    page = open_list(pages, "desktop")
    box = page.locator(".app-sidebar").bounding_box()
    assert box is not None and box["x"] < 100 and box["height"] > 300, box
    expect(page.locator(".add-fab")).to_be_hidden()


def test_the_add_button_goes_to_quick_add(pages: Any, busy: Any) -> None:
    page = open_list(pages, "phone")
    page.mouse.wheel(0, 2000)
    page.wait_for_function("() => window.scrollY > 200")
    page.locator(".add-fab").tap()
    expect(page.locator("#quick-text")).to_be_focused()
    page.wait_for_function("() => window.scrollY === 0")
    assert page.url.endswith("/tasks")
    # From another page it leads to the list's quick add.
    page.goto("/settings")
    page.locator(".add-fab").tap()
    page.wait_for_url("**/tasks#quick-text")
    expect(page.locator("#quick-text")).to_be_focused()


FIELDS = ["title", "due_date", "list", "priority"]
MORE = ["due_time", "repeat", "interval", "tags", "status", "parent", "description"]


def test_the_editor_is_a_sheet_on_a_phone(pages: Any, busy: Any) -> None:
    page = open_list(pages, "phone")
    page.locator("#task-list .task-actions a.edit-link").first.tap()
    sheet = page.locator("#task-list li.task-editing")
    form = sheet.locator(".edit-form")
    expect(sheet.locator("[name=title]")).to_be_focused()
    box = form.bounding_box()
    assert box is not None
    print(f"\nphone sheet: {box}")
    assert abs(box["y"] + box["height"] - 844) < 1 and box["y"] > 0 and box["width"] == 390, box
    for name in FIELDS:
        expect(form.locator(f"[name={name}]")).to_be_in_viewport()
    for name in MORE:
        expect(form.locator(f"[name={name}]")).to_have_count(1)
        expect(form.locator(f"[name={name}]")).to_be_hidden()
    form.locator(".more-fields summary").tap()
    expect(form.locator("[name=tags]")).to_be_visible()
    # A tap on the dimmed page beside the sheet closes it, like Cancel.
    page.touchscreen.tap(195, 20)
    expect(sheet).to_have_count(0)
    expect(page.locator("#task-list li[data-task-id]").first).to_be_visible()


def test_the_editor_stays_in_the_row_on_a_desktop(pages: Any, busy: Any) -> None:
    page = open_list(pages, "desktop")
    page.locator("#task-list .task-actions a.edit-link").first.click()
    sheet = page.locator("#task-list li.task-editing")
    expect(sheet.locator("[name=title]")).to_be_focused()
    assert sheet.evaluate("(element) => getComputedStyle(element).position") != "fixed"
    for name in FIELDS:
        expect(sheet.locator(f"[name={name}]")).to_be_visible()
    expect(sheet.locator("[name=tags]")).to_be_hidden()
    page.keyboard.press("Escape")  # leaves the field, nothing else
    expect(sheet).to_have_count(1)


def test_the_compact_editor_works_without_javascript(pages: Any, busy: Any) -> None:
    page = pages.open("phone", java_script_enabled=False)
    log_in(page)
    page.locator("#task-list .task-actions a.edit-link").first.click()
    page.wait_for_url("**/edit")
    form = page.locator(".task-page form")
    for name in FIELDS + MORE:
        expect(form.locator(f"[name={name}]")).to_have_count(1)
    expect(form.locator("[name=tags]")).to_be_hidden()
    form.locator(".more-fields summary").click()
    form.locator("[name=tags]").fill("garden")
    form.locator("[name=priority]").select_option("high")
    form.locator("button[type=submit]").click()
    expect(page.locator("#toasts")).to_contain_text("Saved.")
    expect(page.locator(".task-page")).to_contain_text("#garden")


def touch_drag(page: Any, start: tuple[float, float], by: tuple[float, float]) -> None:
    """A finger put down at `start`, moved by `by` in ten steps and lifted (CDP touch
    events, which the page gets as real touches: pointer events, touch-action, scrolling)."""
    cdp = page.context.new_cdp_session(page)
    x, y = start

    def send(kind: str, at: tuple[float, float] | None = None) -> None:
        points = [] if at is None else [{"x": at[0], "y": at[1]}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    send("touchStart", start)
    for step in range(1, 11):
        send("touchMove", (x + by[0] * step / 10, y + by[1] * step / 10))
    send("touchEnd")
    cdp.detach()


def middle_of(page: Any, title: str) -> tuple[float, float]:
    box = page.locator("#task-list .task-title", has_text=title).first.bounding_box()
    assert box is not None
    return box["x"] + 10, box["y"] + box["height"] / 2


def test_a_swipe_to_the_right_completes_a_task_and_scrolling_still_scrolls(
    pages: Any, busy: Any
) -> None:
    page = open_list(pages, "phone")
    first, second = page.locator("#task-list .task-title").all_inner_texts()[:2]
    toggles: list[str] = []
    page.on("request", lambda request: "/toggle" in request.url and toggles.append(request.url))

    # A short sideways move springs back.
    touch_drag(page, middle_of(page, first), (50, 0))
    expect(page.locator("#task-list .is-swiping")).to_have_count(0)
    assert toggles == []

    # Across the row: completed, with the usual message and Undo.
    with page.expect_response(lambda response: "/toggle" in response.url):
        touch_drag(page, middle_of(page, first), (220, 8))
    expect(page.locator("#toasts")).to_contain_text(f"Completed “{first}”")
    assert len(toggles) == 1
    assert page.url.endswith("/tasks")  # the lifted finger did not open the task

    # Up and down over the rows: the page scrolls, nothing more is completed.
    touch_drag(page, middle_of(page, second), (15, -250))
    page.wait_for_function("() => window.scrollY > 100")
    expect(page.locator("#task-list .is-swiping")).to_have_count(0)
    assert len(toggles) == 1
