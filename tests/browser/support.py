"""What the browser tests and the screenshot command share: where Chromium is and how to
start it, the two screen sizes, a real HTTP server for the app, and some realistic tasks.

Chromium is Debian's (/usr/bin/chromium, installed by .ci/run); Playwright drives it
through `executable_path`, since `playwright install` cannot download browsers here.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import WSGIRequestHandler, make_server

from todo_web.db import utcnow
from todo_web.models import Priority, TaskList, TaskStatus, User
from todo_web.recurrence import rule_for_repeat

from ..factories import PASSWORD, make_list, make_task, make_user

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PHONE_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

PHONE_WIDTH = 390

#: Context options for each screen size the app is checked at.
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": PHONE_WIDTH, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "user_agent": PHONE_USER_AGENT,
    },
}


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def launch(playwright: Any) -> Any:
    """Headless Chromium, with nothing that reaches beyond 127.0.0.1."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are not logged: pytest would show hundreds of lines on a failure."""


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` over real HTTP on 127.0.0.1 (a free port, threaded); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="app-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def log_in(page: Any, email: str = "alice@example.com", password: str = PASSWORD) -> None:
    """Log in through the form, like a person; ends on the task list."""
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/tasks")


def seed_tasks(session: Session, user: User, today: date) -> None:
    """A believable week of tasks: overdue, today, upcoming, tagged, repeating, done."""

    def task(title: str, **fields: Any) -> None:
        make_task(session, user, title, commit=False, **fields)

    day = timedelta(days=1)
    task(
        "Renew passport",
        due_date=today - 2 * day,
        priority=Priority.HIGH,
        tags=["errands"],
    )
    task("Call the plumber about the kitchen tap", due_date=today, tags=["home"])
    task(
        "Team stand-up",
        due_date=today,
        due_time=time(9, 30),
        recurrence=rule_for_repeat("weekdays", 1),
        tags=["work"],
    )
    task(
        "Send the quarterly report to Dana",
        due_date=today + day,
        priority=Priority.HIGH,
        tags=["work"],
        remind_minutes=60,
        reminder_by_id=user.id,
    )
    task("Water the plants", due_date=today + 3 * day, tags=["home"])
    task(
        "Pay rent",
        due_date=today + 8 * day,
        recurrence=rule_for_repeat("monthly", 1),
        tags=["bills"],
    )
    task("Read “The Pragmatic Programmer”", priority=Priority.LOW)
    task(
        "Book dentist appointment",
        status=TaskStatus.COMPLETED,
        completed_at=utcnow(),
    )
    session.commit()


def seed_list(session: Session, user: User, today: date) -> TaskList:
    """A list in its own order with subtasks, two levels deep, one of them done."""
    day = timedelta(days=1)
    home = make_list(session, user, "Home renovation", commit=False)

    def task(title: str, **fields: Any) -> Any:
        return make_task(session, user, title, task_list=home, commit=False, **fields)

    bedroom = task("Paint the bedroom", due_date=today + 5 * day, tags=["home"])
    task("Buy paint and rollers", parent=bedroom, status=TaskStatus.COMPLETED)
    task("Move the furniture out", parent=bedroom)
    coats = task("Two coats on the walls", parent=bedroom)
    task("Tape the window frames", parent=coats)
    task("Fix the dripping bathroom tap", due_date=today + day, priority=Priority.HIGH)
    curtains = task("Choose new curtains for the living room")
    task("Measure the windows", parent=curtains)
    task("Ask the electrician about two more sockets", tags=["calls"])
    session.commit()
    return home


def add_user_with_tasks(session: Session, today: date, **user_fields: Any) -> User:
    user = make_user(session, **user_fields)
    seed_tasks(session, user, today)
    return user
