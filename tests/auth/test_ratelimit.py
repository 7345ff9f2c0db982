"""Brute-force limits on login, registration and reset mails, answered with a clear 429."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from todo_web import create_app
from todo_web.db import get_database

from ..conftest import app_config, empty_all_tables
from ..helpers import login, post, register

PASSWORD = "right password"


@pytest.fixture
def limited_app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        {
            **app_config(database_url),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_LOGIN_PER_ACCOUNT": "3 per minute",
            "RATELIMIT_LOGIN_PER_ADDRESS": "8 per minute",
            "RATELIMIT_REGISTER_PER_ADDRESS": "2 per hour",
            "RATELIMIT_RESET_PER_ACCOUNT": "2 per hour",
            "RATELIMIT_RESET_PER_ADDRESS": "5 per hour",
        }
    )
    empty_all_tables(app)
    yield app
    get_database(app).engine.dispose()


def test_failed_logins_per_account_are_limited(limited_app: Flask) -> None:
    client = limited_app.test_client()
    register(client, email="victim@example.com", password=PASSWORD)
    attacker = limited_app.test_client()
    statuses = [login(attacker, "victim@example.com", "guess").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    refused = login(attacker, "victim@example.com", "guess")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    # Even the right password waits: the account is what is being protected.
    assert login(attacker, "victim@example.com", PASSWORD).status_code == 429
    # Another account from the same address is not affected.
    register(limited_app.test_client(), email="other@example.com", password=PASSWORD)
    assert login(limited_app.test_client(), "other@example.com", PASSWORD).status_code == 302


def test_successful_logins_do_not_count(limited_app: Flask) -> None:
    register(limited_app.test_client(), email="user@example.com", password=PASSWORD)
    for _ in range(5):
        client = limited_app.test_client()
        assert login(client, "user@example.com", PASSWORD).status_code == 302


def test_logins_per_address_are_limited(limited_app: Flask) -> None:
    client = limited_app.test_client()
    statuses = [login(client, f"u{i}@example.com", "guess").status_code for i in range(9)]
    assert statuses[:8] == [400] * 8
    assert statuses[8] == 429


def test_registrations_per_address_are_limited(limited_app: Flask) -> None:
    statuses = [
        register(
            limited_app.test_client(), email=f"n{i}@example.com", password=PASSWORD
        ).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_reset_mails_per_account_are_limited(limited_app: Flask) -> None:
    client: FlaskClient = limited_app.test_client()
    statuses = [
        post(client, "/auth/reset", {"email": "someone@example.com"}).status_code for _ in range(3)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:2]


def test_htmx_gets_the_429_as_a_toast(limited_app: Flask) -> None:
    client = limited_app.test_client()
    for _ in range(3):
        login(client, "x@example.com", "guess")
    response = post(
        client, "/auth/login", {"email": "x@example.com", "password": "guess"}, htmx=True
    )
    assert response.status_code == 429
    assert response.headers["HX-Retarget"] == "#toasts"


def test_an_app_without_throttling_leaves_another_apps_on(
    limited_app: Flask, database_url: str
) -> None:
    """One limiter serves every app of the process; switching it off in one app (as the
    tests' own app does) must not switch it off in another."""
    unlimited = create_app(app_config(database_url))
    try:
        register(unlimited.test_client(), email="victim@example.com", password=PASSWORD)
        attacker = limited_app.test_client()
        statuses = [login(attacker, "victim@example.com", "guess").status_code for _ in range(4)]
        assert statuses == [400, 400, 400, 429]
        relaxed = unlimited.test_client()
        assert [login(relaxed, "victim@example.com", "guess").status_code for _ in range(5)] == [
            400
        ] * 5
    finally:
        get_database(unlimited).engine.dispose()
