"""The "Your data" section in Chromium: check a file, then import it, through htmx."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from todo_web.models import Task

from ..factories import count_rows


def test_check_then_import_a_file(
    logged_in: Callable[..., Any], db_session: Session, tmp_path: Path
) -> None:
    tasks = [{"title": "Pay rent", "tags": ["bills"]}, {"title": "Call mom"}]
    file = tmp_path / "tasks.json"
    file.write_text(json.dumps({"format": "todo-web", "version": 1, "tasks": tasks}))

    page = logged_in()
    page.goto("/settings#settings-data")
    page.set_input_files("#import-file", str(file))
    page.click("button[name=dry_run]")
    summary = page.locator("#data-import-result .import-summary")
    summary.wait_for()
    assert summary.get_attribute("data-import-tasks") == "2"
    assert "Press Import to add these tasks" in summary.inner_text()
    assert page.url.endswith("/settings#settings-data")  # swapped in place
    assert count_rows(db_session, Task) == 0

    page.click("[data-import-form] button:not([name])")
    page.wait_for_url("**/tasks")
    assert "Imported 2 tasks" in page.inner_text("#toasts")
    assert count_rows(db_session, Task) == 2
