"""The app's identity in Chromium: the wordmark, and the accent on links, buttons and
focus in both themes, with axe finding no contrast (or other serious) problem."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from todo_web.timezones import local_today

from ..test_identity import contrast
from . import axe
from .support import log_in, seed_tasks

ACCENT = "rgb(101, 80, 224)"  # #6550e0
LINK = {"light": ACCENT, "dark": "rgb(169, 156, 255)"}  # #a99cff on the dark page


def rgb(css: str) -> tuple[float, float, float]:
    """(r, g, b) of a computed `rgb(...)` colour."""
    r, g, b = (float(part) for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return (r, g, b)


def computed(page: Any, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e)[{prop!r}]")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_accent_in_each_theme(
    pages: Any, alice: Any, db_session: Session, theme: str, device: str
) -> None:
    seed_tasks(db_session, alice, local_today("UTC"))
    page = pages.open(device, color_scheme=theme)
    log_in(page)

    expect(page.locator(".site-header .brand")).to_have_text("todo-web")
    assert computed(page, ".brand-mark-tile", "fill") == ACCENT
    found = {"list": axe.blocking(axe.violations(page))}

    # A completed task's check: white on the buttons' violet, 3:1 at least (a control).
    page.locator(".task .toggle").first.click()
    mark = ".task.is-completed .toggle-mark"
    expect(page.locator(mark).first).to_be_visible()
    check, tile = (rgb(computed(page, mark, prop)) for prop in ("color", "backgroundColor"))
    assert contrast(check, tile) >= 3, f"{check} on {tile}"

    page.goto("/settings")
    save = "#settings-profile button[type=submit]"
    assert computed(page, save, "backgroundColor") == ACCENT
    assert computed(page, save, "color") == "rgb(255, 255, 255)"
    assert computed(page, ".settings-nav a", "color") != LINK[theme]  # calm, not all accent
    assert computed(page, "#settings-delete a[href='#settings-data']", "color") == LINK[theme]
    page.focus("#name")
    page.keyboard.press("Tab")  # to the time zone field, focused from the keyboard
    assert computed(page, "#timezone", "outlineColor") == LINK[theme]
    page.click("#settings-delete summary")
    expect(page.locator("#delete-password")).to_be_visible()
    found["settings, delete form open"] = axe.blocking(axe.violations(page))
    problems = {name: found[name] for name in found if found[name]}
    assert not problems, "\n".join(f"{n}:\n{axe.describe(p)}" for n, p in problems.items())
