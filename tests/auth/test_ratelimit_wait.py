"""A throttled user is told how long to wait (from the limiter's own reset time, the same
number as `Retry-After`), and a logged-out one is offered the login page, not their tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.errors import wait_in_words

from ..client import Client, text_of
from ..factories import make_user


@pytest.fixture
def hourly_app(make_app: Callable[..., Flask], clock: TimeMachineFixture) -> Flask:
    """Three failed logins an hour per account; the clock stands still (see conftest)."""
    return make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN_PER_ACCOUNT="3 per hour",
        RATELIMIT_LOGIN_PER_ADDRESS="100 per minute",
    )


def test_the_page_says_how_long_to_wait_and_offers_the_login_page(
    hourly_app: Flask, clock: TimeMachineFixture, db_session: Session
) -> None:
    make_user(db_session, "victim@example.com")
    attacker: Client = hourly_app.test_client()  # type: ignore[assignment]
    for _ in range(3):
        assert attacker.log_in("victim@example.com", "guess").status_code == 400
    clock.shift(timedelta(minutes=13))
    refused = attacker.log_in("victim@example.com", "guess")
    assert refused.status_code == 429
    html = text_of(refused)
    assert "Try again in about 47 minutes." in html
    assert "Wait a moment" not in html
    retry_after = int(refused.headers["Retry-After"])
    assert 46 * 60 < retry_after <= 48 * 60
    assert "Go to the login page" in html
    assert "Back to your tasks" not in html


def test_htmx_gets_the_wait_in_its_toast(
    hourly_app: Flask, clock: TimeMachineFixture, db_session: Session
) -> None:
    attacker: Client = hourly_app.test_client()  # type: ignore[assignment]
    for _ in range(3):
        attacker.log_in("x@example.com", "guess")
    clock.shift(timedelta(minutes=59, seconds=30))
    response = attacker.submit(
        "/auth/login", {"email": "x@example.com", "password": "guess"}, htmx=True
    )
    assert response.status_code == 429
    assert response.headers["HX-Retarget"] == "#toasts"
    assert "Try again in less than a minute." in text_of(response)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "less than a minute"),
        (44, "less than a minute"),
        (50, "about a minute"),
        (89, "about a minute"),
        (91, "about 2 minutes"),
        (47 * 60 + 10, "about 47 minutes"),
        (59 * 60, "about 59 minutes"),
        (60 * 60, "about an hour"),
        (100 * 60, "about 2 hours"),
        (23 * 3600, "about 23 hours"),
    ],
)
def test_waits_in_words(seconds: int, words: str) -> None:
    assert wait_in_words(seconds) == words


def test_a_logged_in_user_is_offered_their_tasks(alice_client: Client) -> None:
    """Any other error page keeps the way back to the list for a logged-in user."""
    html = text_of(alice_client.get("/tasks/999999"))
    assert "Back to your tasks" in html


def test_a_logged_out_user_is_offered_the_login_page_on_any_error(client: Client) -> None:
    html = text_of(client.get("/no-such-page"))
    assert "Go to the login page" in html
    assert "Back to your tasks" not in html
