"""How the pages sit on a phone (no sideways scrolling, controls big enough for a thumb)
and in the two themes, which follow the system setting."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from todo_web.timezones import local_today

from ..factories import make_task
from .support import PHONE_WIDTH, log_in, seed_tasks

ROW_TAP = 44  # px: a row's own buttons, WCAG 2.5.5 and Apple's guideline
TAP = 24  # px: everything else, WCAG 2.5.8 (test_density.py measures both sizes)

#: A row's buttons, which a thumb aims at many times a day.
ROW_CONTROLS = [
    "#task-list button.toggle",
    "#task-list .task-actions a",
    "#task-list .task-actions button",
    "#task-list .select-box",
    "#toasts button",
]
#: The other controls a thumb uses on the list page.
MAIN_CONTROLS = [
    "#quick-form button[type=submit]",
    ".site-header button",
    ".site-header a[href='/settings']",
    ".task-counts a",
    ".create-more summary",
    ".filter-details summary",
    ".bulk-details summary",
    ".select-all",
    "#bulk-form button[type=submit]",
    ".active-filters .chip",
    ".clear-filters",
    ".add-fab",
]


def page_width(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def busy_alice(alice: Any, db_session: Session) -> Any:
    seed_tasks(db_session, alice, local_today("UTC"))
    make_task(db_session, alice, "A-title-with-no-spaces-" + "x" * 120, commit=False)
    for n in range(25):
        make_task(db_session, alice, f"Filler task {n}", commit=False)
    db_session.commit()
    return alice


def test_no_page_scrolls_sideways_on_a_phone(pages: Any, busy_alice: Any) -> None:
    page = pages.open("phone")
    visited = []
    for path in ("/auth/login", "/auth/register", "/auth/reset", "/nowhere"):
        page.goto(path)
        visited.append((path, page_width(page)))
    log_in(page)
    for path in ("/tasks", "/tasks?tag=work&priority=high&q=report&status=all", "/settings"):
        page.goto(path)
        visited.append((path, page_width(page)))
    page.goto("/tasks?sort=title&order=asc")  # the long unbroken title comes first
    page.locator("#task-list .task-title").first.tap()
    page.wait_for_url("**/tasks/*")
    visited.append((page.url, page_width(page)))
    page.goto(page.url + "/edit")
    visited.append((page.url, page_width(page)))
    page.goto("/tasks")
    for summary in (".create-more summary", ".filter-details summary", ".bulk-details summary"):
        page.tap(summary)
    expect(page.locator("#create-form")).to_be_visible()  # fetched when opened
    page.locator("#task-list .task-actions a.edit-link").first.tap()
    expect(page.locator(".task-editing")).to_be_visible()
    visited.append(("/tasks, everything open", page_width(page)))
    too_wide = [(path, width) for path, width in visited if width > PHONE_WIDTH]
    assert not too_wide, f"wider than the phone ({PHONE_WIDTH}px): {too_wide}"


def test_main_controls_are_big_enough_to_tap(pages: Any, busy_alice: Any) -> None:
    page = pages.open("phone")
    log_in(page)
    page.goto("/tasks?tag=work&status=all")  # filter chips on show
    page.tap(".bulk-details summary")
    row = page.locator("#task-list li[data-task-id]").first
    row.locator("button.toggle").tap()  # a toast with Undo and Dismiss
    expect(page.locator("#toasts button").first).to_be_visible()
    small = []
    for selectors, size in ((ROW_CONTROLS, ROW_TAP), (MAIN_CONTROLS, TAP)):
        for selector in selectors:
            boxes = [b for b in (el.bounding_box() for el in page.locator(selector).all()) if b]
            assert boxes, f"nothing matches {selector}"
            for box in boxes:
                if box["width"] < size - 0.5 or box["height"] < size - 0.5:
                    small.append(f"{selector}: {box['width']:.0f}x{box['height']:.0f} < {size}")
    assert not small, "too small to tap:\n" + "\n".join(sorted(set(small)))


def luminance(rgb: str) -> float:
    """Relative luminance (WCAG) of a computed `rgb(r, g, b)` colour."""
    values = [int(v) / 255 for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize(("theme", "dark"), [("light", False), ("dark", True)])
def test_the_theme_follows_the_system(pages: Any, alice: Any, theme: str, dark: bool) -> None:
    page = pages.open("desktop", color_scheme=theme)
    log_in(page)
    colours = page.evaluate(
        """() => {
        const root = getComputedStyle(document.documentElement);
        const input = getComputedStyle(document.getElementById("quick-text"));
        return { background: root.backgroundColor, text: getComputedStyle(document.body).color,
                 input: input.backgroundColor, scheme: root.colorScheme };
    }"""
    )
    background, text = luminance(colours["background"]), luminance(colours["text"])
    assert colours["scheme"] == theme, colours  # native controls (date pickers) follow too
    assert (background < 0.1) is dark, colours
    assert (text > 0.5) is dark, colours
    assert (luminance(colours["input"]) < 0.1) is dark, colours
    contrast = (max(background, text) + 0.05) / (min(background, text) + 0.05)
    assert contrast >= 7, f"body text contrast {contrast:.1f}:1"


def test_focus_is_always_visible(pages: Any, busy_alice: Any) -> None:
    """Tab through the list page: whatever has focus shows an outline or a ring."""
    page = pages.open("desktop")
    log_in(page)
    page.click(".bulk-details summary")
    page.locator("body").click(position={"x": 5, "y": 5})
    seen = 0
    for _ in range(45):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => {
            const el = document.activeElement;
            const s = getComputedStyle(el);
            return { what: el.outerHTML.slice(0, 80), outline: s.outlineStyle,
                     width: parseFloat(s.outlineWidth), shadow: s.boxShadow };
        }"""
        )
        if style["what"].startswith("<body"):
            continue
        seen += 1
        ring = style["outline"] not in ("none", "") and style["width"] >= 2
        assert ring or style["shadow"] not in ("none", ""), f"no visible focus on {style}"
    assert seen >= 40


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_interval_shows_only_for_a_task_that_repeats(logged_in: Any, device: str) -> None:
    page = logged_in(device=device)
    page.click(".create-more summary")
    form = page.locator("#create-form")
    expect(form).to_be_visible()
    interval = form.locator("[name=interval]")
    expect(interval).to_be_hidden()  # "Does not repeat"
    form.locator("[name=repeat]").select_option("weekly")
    expect(interval).to_be_visible()
    form.locator("[name=repeat]").select_option("none")
    expect(interval).to_be_hidden()
