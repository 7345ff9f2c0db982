"""Regenerate the README's screenshots: docs/screenshots/<page>-<device>-<theme>.png.

    .venv/bin/python -m tests.browser.screenshots [--out docs/screenshots]
    .venv/bin/python -m tests.browser.screenshots --density after

Builds a throw-away SQLite database through the migrations, fills it with a believable
week of tasks and a list with subtasks (tests/browser/support.py), serves the app on
127.0.0.1 and photographs the main pages at desktop (1280 by 800) and phone (390 by 844)
size, in the light and the dark theme (the theme follows the system setting, which
Chromium is told through `color_scheme`).

`--density NAME` photographs instead what one screen of the task list holds for a busy
account (tests/browser/busy.py, about 25 open tasks): /tasks as it first shows, at both
sizes and in both themes, as docs/screenshots/NAME-<device>-<theme>.png (the issue's
"before" and "after" pictures of the list's density come from this one command).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from todo_web import create_app
from todo_web.db import get_database
from todo_web.models import Task
from todo_web.timezones import local_today

from ..database import PROJECT_ROOT, upgrade
from ..factories import make_user
from ..push_service import vapid_test_key
from .busy import seed_busy
from .support import DEVICES, add_user_with_tasks, launch, log_in, seed_list, serve

THEMES = ("light", "dark")
EMAIL = "sam@example.com"


def _shots(edit_url: str, list_url: str) -> list[tuple[str, bool, Callable[[Any], None]]]:
    """(name, logged in?, how to get there) for every page photographed."""

    def login(page: Any) -> None:
        page.goto("/auth/login")

    def tasks(page: Any) -> None:
        page.goto("/tasks")

    def edit(page: Any) -> None:
        page.goto(edit_url)

    def one_list(page: Any) -> None:
        page.goto(list_url)

    def settings(page: Any) -> None:
        page.goto("/settings")

    def reminders(page: Any) -> None:
        """The settings' notifications and this device's push switch."""
        page.goto("/settings")
        page.locator("#settings-notifications").evaluate("section => section.scrollIntoView()")

    return [
        ("login", False, login),
        ("tasks", True, tasks),
        ("list", True, one_list),
        ("edit", True, edit),
        ("settings", True, settings),
        ("reminders", True, reminders),
    ]


def _app(folder: str) -> Any:
    """The app on a new SQLite database in `folder`, migrated to the newest schema."""
    url = f"sqlite:///{Path(folder) / 'screenshots.sqlite3'}"
    upgrade(url)
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "screenshots",
            "DATABASE_URL": url,
            "BCRYPT_ROUNDS": 4,
            "MAIL_URL": None,
            "RATELIMIT_ENABLED": False,
            # Push on, so the settings show the switch for this device.
            "VAPID_PRIVATE_KEY": vapid_test_key(),
        }
    )


def _pages(browser: Any, base_url: str, scale: float) -> Iterator[tuple[str, str, Any]]:
    """A fresh page for each device and theme, closed when the caller moves on."""
    for device, options in DEVICES.items():
        for theme in THEMES:
            context = browser.new_context(
                base_url=base_url,
                color_scheme=theme,
                reduced_motion="reduce",
                **{**options, "device_scale_factor": scale},
            )
            try:
                yield device, theme, context.new_page()
            finally:
                context.close()


def take_density(out: Path, name: str, scale: float = 1) -> list[Path]:
    """One screen of /tasks for a busy account at each size and theme: NAME-<device>-<theme>.png."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(tmp)
        with get_database(app).session_factory() as session:
            user = make_user(session, email=EMAIL, name="Sam Rivera")
            seed_busy(session, user, local_today("UTC"))
        with serve(app) as base_url, sync_playwright() as playwright:
            browser = launch(playwright)
            for device, theme, page in _pages(browser, base_url, scale):
                log_in(page, EMAIL)
                page.wait_for_load_state("networkidle")
                path = out / f"{name}-{device}-{theme}.png"
                page.screenshot(path=str(path), animations="disabled", caret="hide")
                written.append(path)
            browser.close()
        get_database(app).engine.dispose()
    return written


def take(out: Path, scale: float = 1) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(tmp)
        with get_database(app).session_factory() as session:
            user = add_user_with_tasks(session, local_today("UTC"), email=EMAIL, name="Sam Rivera")
            home = seed_list(session, user, local_today("UTC"))
            list_url = f"/tasks?list={home.id}"
            session.commit()
            report = session.scalar(
                select(Task).where(Task.user_id == user.id, Task.title.like("Send the%"))
            )
            assert report is not None
            edit_url = f"/tasks/{report.id}/edit"

        with serve(app) as base_url, sync_playwright() as playwright:
            browser = launch(playwright)
            for device, theme, page in _pages(browser, base_url, scale):
                signed_in = False
                shots = _shots(edit_url, list_url)
                for name, logged_in, goto in shots:  # logged-out pages first
                    if logged_in and not signed_in:
                        log_in(page, EMAIL)
                        signed_in = True
                    goto(page)
                    page.wait_for_load_state("networkidle")
                    path = out / f"{name}-{device}-{theme}.png"
                    # The list page whole: its rows (and subtasks) are below the fold.
                    page.screenshot(
                        path=str(path),
                        animations="disabled",
                        caret="hide",
                        full_page=name == "list",
                    )
                    written.append(path)
            browser.close()
        get_database(app).engine.dispose()
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--scale", type=float, default=1, help="device pixels per CSS pixel (2 for sharp images)"
    )
    parser.add_argument(
        "--density",
        metavar="NAME",
        help="photograph one screen of a busy task list instead, as NAME-<device>-<theme>.png",
    )
    args = parser.parse_args(argv)
    if args.density:
        written = take_density(args.out, args.density, args.scale)
    else:
        written = take(args.out, args.scale)
    for path in written:
        print(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


if __name__ == "__main__":
    main()
