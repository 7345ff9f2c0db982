"""Fixtures: the app on a migrated database that is emptied before every test.

Run against PostgreSQL by setting TEST_DATABASE_URL (a server URL; each run creates and
drops its own database), against SQLite otherwise. CSRF protection stays on: the helpers
in tests/helpers.py read the token from the page like a browser would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web import create_app
from todo_web.db import Base, get_database

from .database import fresh_database, is_postgres, upgrade
from .helpers import register
from .smtp import SmtpServer

#: Where `clock` stands when a test starts: a Friday, 10:00 UTC.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the browser suite before `-m` selects (hence tryfirst)."""
    for item in items:
        if item.nodeid.startswith("tests/browser/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        upgrade(url)
        yield url


def app_config(database_url: str) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "BCRYPT_ROUNDS": 4,
        "MAIL_URL": None,
        # Tests register and log in far faster than people; tests/auth/test_ratelimit.py
        # turns the limits back on.
        "RATELIMIT_ENABLED": False,
    }


def empty_all_tables(app: Flask) -> None:
    engine = get_database(app).engine
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if is_postgres():
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replaces pytest-flask's fixture of the same name, which pushes one request context
    around each whole test: every client request then reuses its app context, so `g` (the
    database session, Flask-WTF's CSRF token, Flask-Login's user) leaks from one request
    into the next. A test that needs a context pushes its own (`with app.app_context():`)."""


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Replaces pytest-flask's `client`, which is opened with `with`: that keeps the last
    request's context pushed, and a second client's request would then run inside it and
    see the first client's logged-in user. Here every request ends like on a real server."""
    return app.test_client()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(app_config(database_url))
    empty_all_tables(app)
    yield app
    get_database(app).engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session of its own, outside any request, for arranging and checking data."""
    session = get_database(app).session_factory()
    yield session
    session.close()


@pytest.fixture
def user_client(client: FlaskClient) -> FlaskClient:
    """A client logged in as a freshly registered user (alice@example.com)."""
    register(client, name="Alice", email="alice@example.com", password="correct horse")
    return client


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server on 127.0.0.1 that records every message it receives."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    """The suite's one clock, stopped at NOW. It is Python's clock (time.time, datetime.now,
    date.today), so the app's "today", its timestamps, signed links and the mail worker all
    read it, and so does the test: `clock.move_to(instant)`, `clock.shift(timedelta)`.
    PostgreSQL's own clock stays real; the app never asks it the time."""
    time_machine.move_to(NOW, tick=False)
    return time_machine
