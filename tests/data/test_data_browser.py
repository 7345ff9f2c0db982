"""The "Your data" section in Chromium: check a file, then import it, through htmx."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from todo_web.models import Task

from ..accounts import PASSWORD, add_user, count

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(base_url: str):  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_context(base_url=base_url).new_page()
        yield page
        browser.close()


def test_check_then_import_a_file(page: Any, db_session: Session, tmp_path: Path) -> None:
    add_user(db_session)
    db_session.commit()
    tasks = [{"title": "Pay rent", "tags": ["bills"]}, {"title": "Call mom"}]
    file = tmp_path / "tasks.json"
    file.write_text(json.dumps({"format": "todo-web", "version": 1, "tasks": tasks}))

    page.goto("/auth/login")
    page.fill("#email", "alice@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/settings#settings-data")
    page.set_input_files("#import-file", str(file))
    page.click("button[name=dry_run]")
    summary = page.locator("#data-import-result .import-summary")
    summary.wait_for()
    assert summary.get_attribute("data-import-tasks") == "2"
    assert "Press Import to add these tasks" in summary.inner_text()
    assert page.url.endswith("/settings#settings-data")  # swapped in place
    assert count(db_session, Task) == 0

    page.click("[data-import-form] button:not([name])")
    page.wait_for_url("**/tasks")
    assert "Imported 2 tasks" in page.inner_text("#toasts")
    assert count(db_session, Task) == 2
