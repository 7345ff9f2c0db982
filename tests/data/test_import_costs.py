"""What one import may cost the server: no transaction held open while the file is read,
a bound on the processor time reading it may take (IMPORT_CPU_SECONDS), a throttle per
account (RATELIMIT_IMPORT_PER_USER), and Todoist's repeated date cells read once.

The processor-time tests move a fake thread clock by a second per reading, so they do
not depend on how fast the machine is.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from todo_web.data import importer, todoist
from todo_web.models import Task, User

from ..client import Client, upload
from ..database import is_postgres
from ..factories import TODOIST_CSV, make_user

HEADER = "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE\r\n"


def todoist_rows(count: int, date_cell: str = "every monday") -> str:
    return HEADER + "".join(
        f'task,Task {n} @home,,1,1,,,"{date_cell}",en,\r\n' for n in range(count)
    )


def task_count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Task)) or 0


@pytest.fixture
def slow_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every reading of the thread's processor time is a second after the last."""
    seconds = itertools.count()
    monkeypatch.setattr(importer, "thread_time", lambda: float(next(seconds)))


FILES = {
    "json": (
        "tasks.json",
        json.dumps(
            {
                "format": "todo-web",
                "version": 3,
                "lists": [],
                "tasks": [{"title": f"T{n}"} for n in range(5)],
            }
        ),
    ),
    "csv": ("tasks.csv", "title\r\n" + "".join(f"T{n}\r\n" for n in range(5))),
    "todoist": ("Errands.csv", TODOIST_CSV),
}


@pytest.mark.parametrize("kind", FILES)
@pytest.mark.parametrize("dry_run", [False, True])
def test_reading_past_the_budget_is_a_413_and_imports_nothing(
    make_app: Callable[..., Flask],
    db_session: Session,
    slow_clock: None,
    kind: str,
    dry_run: bool,
) -> None:
    app = make_app(IMPORT_CPU_SECONDS=3)
    make_user(db_session, "alice@example.com")
    client: Client = app.test_client()  # type: ignore[assignment]
    client.log_in("alice@example.com")
    filename, content = FILES[kind]
    response = upload(client, content, filename, dry_run=dry_run)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "took more than 3 seconds of work" in page and "Split it" in page
    assert task_count(db_session) == 0


def test_a_file_read_within_the_budget_imports(
    make_app: Callable[..., Flask], db_session: Session, slow_clock: None
) -> None:
    app = make_app(IMPORT_CPU_SECONDS=100)  # 5 rows and the header: 7 readings
    make_user(db_session, "alice@example.com")
    client: Client = app.test_client()  # type: ignore[assignment]
    client.log_in("alice@example.com")
    filename, content = FILES["csv"]
    assert upload(client, content, filename).status_code == 302
    assert task_count(db_session) == 5


def test_imports_are_throttled_per_account(
    make_app: Callable[..., Flask], db_session: Session
) -> None:
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_IMPORT_PER_USER="2 per hour")
    for email in ("alice@example.com", "bob@example.com"):
        make_user(db_session, email)
    alice: Client = app.test_client()  # type: ignore[assignment]
    alice.log_in("alice@example.com")
    filename, content = FILES["csv"]
    assert upload(alice, content, filename, dry_run=True).status_code == 200
    assert upload(alice, content, filename).status_code == 302
    refused = upload(alice, content, filename)
    assert refused.status_code == 429
    assert task_count(db_session) == 5  # the refused one wrote nothing
    bob: Client = app.test_client()  # type: ignore[assignment]
    bob.log_in("bob@example.com")
    assert upload(bob, content, filename).status_code == 302


def test_a_repeated_date_cell_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    todoist.read_date.cache_clear()
    calls: list[str] = []
    parse = todoist.parse_quick_add

    def counted(text: str, **kwargs: object) -> object:
        calls.append(text)
        return parse(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(todoist, "parse_quick_add", counted)
    plan = importer.read_upload(
        todoist_rows(200).encode(),
        today=date(2026, 11, 30),
        tz="Europe/Berlin",
        max_rows=1000,
        filename="Home.csv",
    )
    assert len(plan.tasks) == 200 and not plan.errors
    assert calls == ["every monday"]
    assert {task.recurrence for task in plan.tasks} == {"FREQ=WEEKLY;BYDAY=MO"}


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's time limits")
def test_ten_thousand_todoist_rows_import_within_the_default_limits(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    """The file of the report: 10,000 rows repeating every monday (over 500 KB, inside the
    documented limits) imports with the app's default statement, idle-in-transaction and
    request limits, and so does its dry run."""
    content = todoist_rows(10_000)
    assert upload(alice_client, content, "Home.csv", dry_run=True).status_code == 200
    assert upload(alice_client, content, "Home.csv").status_code == 302
    assert task_count(db_session) == 10_000
