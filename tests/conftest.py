"""Fixtures: one app for the whole run on a migrated database, emptied before every test;
users made straight in the database; clients that keep their CSRF token; one clock.

Run against PostgreSQL by setting TEST_DATABASE_URL (a server URL; each run creates and
drops its own database), against SQLite otherwise. CSRF protection stays on. Rows are made
by tests/factories.py; requests go through tests/client.py's `Client`.

The browser suite (tests/browser) is marked `browser` and left out of a plain `pytest`;
`pytest -m browser` runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web import create_app
from todo_web.db import Base, get_database
from todo_web.models import User

from .client import Client
from .database import fresh_database, is_postgres, upgrade
from .factories import ALICE, BOB, make_user
from .push_service import FakePushService, make_certificates, vapid_test_key
from .smtp import SmtpServer

#: Where `clock` stands when a test starts: a Friday, 10:00 UTC.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the browser suite before `-m` selects (hence tryfirst)."""
    for item in items:
        if item.nodeid.startswith("tests/browser/"):
            item.add_marker(pytest.mark.browser)


# -- the database and the app --------------------------------------------------------------


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
        # Tests log in far faster than people; tests/auth/test_ratelimit.py turns the limits
        # back on in an app of its own.
        "RATELIMIT_ENABLED": False,
        # Push is on, with a key made for this run (tests/push_service.py), and the fake
        # push service on 127.0.0.1 is the one push service the app posts to.
        "VAPID_PRIVATE_KEY": vapid_test_key(),
        "PUSH_SERVICE_HOSTS": ("127.0.0.1",),
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


def _build_app(config: dict[str, object]) -> Flask:
    app = create_app(config)
    app.test_client_class = Client
    return app


@pytest.fixture(scope="session")
def _shared_app(database_url: str) -> Iterator[Flask]:
    app = _build_app(app_config(database_url))
    yield app
    get_database(app).engine.dispose()


@pytest.fixture
def app(_shared_app: Flask) -> Iterator[Flask]:
    """The run's one app (built once: routes compiled, templates cached), its tables emptied
    before the test. A test may change `app.config` or wrap `app.wsgi_app`; both are put
    back afterwards. One that needs other settings at start-up uses `make_app`."""
    app = _shared_app
    config, wsgi_app = dict(app.config), app.wsgi_app
    empty_all_tables(app)
    yield app
    app.config.clear()
    app.config.update(config)
    app.wsgi_app = wsgi_app  # type: ignore[method-assign]


@pytest.fixture
def make_app(app: Flask, database_url: str) -> Iterator[Callable[..., Flask]]:
    """`make_app(SETTING=value, ...)`: a new app on the same (emptied) database with these
    settings on top of the tests' own; its engine is closed when the test ends."""
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        new_app = _build_app({**app_config(database_url), **overrides})
        made.append(new_app)
        return new_app

    yield make
    for new_app in made:
        get_database(new_app).engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replaces pytest-flask's fixture of the same name, which pushes one request context
    around each whole test: every client request then reuses its app context, so `g` (the
    database session, Flask-WTF's CSRF token, Flask-Login's user) leaks from one request
    into the next. A test that needs a context pushes its own (`with app.app_context():`)."""


@pytest.fixture
def client(app: Flask) -> Client:
    """An anonymous browser. (Replaces pytest-flask's `client`, which is opened with `with`:
    that keeps the last request's context pushed, and a second client's request would then
    run inside it.)"""
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session of its own, outside any request, for arranging and checking data."""
    session = get_database(app).session_factory()
    yield session
    session.close()


# -- people --------------------------------------------------------------------------------


@pytest.fixture
def alice(db_session: Session) -> User:
    """Alice (alice@example.com, password factories.PASSWORD, UTC), made in the database."""
    return make_user(db_session, ALICE)


@pytest.fixture
def bob(db_session: Session) -> User:
    return make_user(db_session, BOB)


@pytest.fixture
def log_in(app: Flask) -> Callable[[User], Client]:
    """`log_in(user)`: a new browser logged in as `user` (whose password is PASSWORD)."""

    def logged_in(user: User) -> Client:
        browser: Client = app.test_client()  # type: ignore[assignment]
        response = browser.log_in(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser

    return logged_in


@pytest.fixture
def alice_client(alice: User, log_in: Callable[[User], Client]) -> Client:
    return log_in(alice)


@pytest.fixture
def bob_client(bob: User, log_in: Callable[[User], Client]) -> Client:
    return log_in(bob)


# -- time and mail -------------------------------------------------------------------------


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    """The suite's one clock, stopped at NOW. It is Python's clock (time.time, datetime.now,
    date.today), so the app's "today", its timestamps, signed links and the mail worker all
    read it, and so does the test: `clock.move_to(instant)`, `clock.shift(timedelta)`.
    PostgreSQL's own clock stays real; the app never asks it the time."""
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server on 127.0.0.1 that records every message it receives."""
    server = SmtpServer().start()
    yield server
    server.stop()


# -- Web Push ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def push_certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A CA and the fake push service's certificate for 127.0.0.1: (ca, cert, key)."""
    return make_certificates(tmp_path_factory.mktemp("push-tls"))


@pytest.fixture
def push_service(
    app: Flask, push_certificates: tuple[Path, Path, Path]
) -> Iterator[FakePushService]:
    """A running fake push service (HTTPS on 127.0.0.1) that `app` trusts: its
    PUSH_CA_BUNDLE is the service's CA (put back after the test with the rest of the
    config), so build push workers after asking for this fixture."""
    ca, cert, key = push_certificates
    service = FakePushService(cert, key, ca).start()
    app.config["PUSH_CA_BUNDLE"] = str(ca)
    yield service
    service.stop()
