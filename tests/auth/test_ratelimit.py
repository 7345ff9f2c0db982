"""Brute-force limits on login, registration and reset mails, answered with a clear 429."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy.orm import Session

from todo_web import create_app
from todo_web.config import ConfigError, load_config
from todo_web.ratelimit import DEFAULT_LIMITS

from ..client import Client
from ..factories import make_user
from ..ports import free_port
from ..push_service import wait_for

PASSWORD = "right password"


@pytest.fixture
def limited_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN_PER_ACCOUNT="3 per minute",
        RATELIMIT_LOGIN_PER_ADDRESS="8 per minute",
        RATELIMIT_REGISTER_PER_ADDRESS="2 per hour",
        RATELIMIT_RESET_PER_ACCOUNT="2 per hour",
        RATELIMIT_RESET_PER_ADDRESS="5 per hour",
    )


def browser(app: Flask) -> Client:
    return app.test_client()  # type: ignore[return-value]


def test_failed_logins_per_account_are_limited(limited_app: Flask, db_session: Session) -> None:
    make_user(db_session, "victim@example.com", password=PASSWORD)
    attacker = browser(limited_app)
    statuses = [attacker.log_in("victim@example.com", "guess").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    refused = attacker.log_in("victim@example.com", "guess")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    # Even the right password waits from this client (the owner's other browsers do not:
    # tests/auth/test_lockout.py).
    assert attacker.log_in("victim@example.com", PASSWORD).status_code == 429
    # Another account from the same address is not affected.
    make_user(db_session, "other@example.com", password=PASSWORD)
    assert browser(limited_app).log_in("other@example.com", PASSWORD).status_code == 302


def test_successful_logins_do_not_count(limited_app: Flask, db_session: Session) -> None:
    make_user(db_session, "user@example.com", password=PASSWORD)
    for _ in range(5):
        assert browser(limited_app).log_in("user@example.com", PASSWORD).status_code == 302


def test_logins_per_address_are_limited(limited_app: Flask) -> None:
    client = browser(limited_app)
    statuses = [client.log_in(f"u{i}@example.com", "guess").status_code for i in range(9)]
    assert statuses[:8] == [400] * 8
    assert statuses[8] == 429


def test_registrations_per_address_are_limited(limited_app: Flask) -> None:
    statuses = [
        browser(limited_app).register(f"n{i}@example.com", password=PASSWORD).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_reset_mails_per_account_are_limited(limited_app: Flask) -> None:
    client = browser(limited_app)
    statuses = [
        client.submit("/auth/reset", {"email": "someone@example.com"}).status_code for _ in range(3)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:2]


def test_htmx_gets_the_429_as_a_toast(limited_app: Flask) -> None:
    client = browser(limited_app)
    for _ in range(3):
        client.log_in("x@example.com", "guess")
    response = client.submit(
        "/auth/login", {"email": "x@example.com", "password": "guess"}, htmx=True
    )
    assert response.status_code == 429
    assert response.headers["HX-Retarget"] == "#toasts"


def test_an_app_without_throttling_leaves_another_apps_on(
    limited_app: Flask, make_app: Callable[..., Flask], db_session: Session
) -> None:
    """One limiter serves every app of the process; switching it off in one app (as the
    tests' own app does) must not switch it off in another, even one made before it."""
    unlimited = make_app()
    assert not unlimited.config["RATELIMIT_ENABLED"]
    make_user(db_session, "victim@example.com", password=PASSWORD)
    attacker = browser(limited_app)
    statuses = [attacker.log_in("victim@example.com", "guess").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    relaxed = browser(unlimited)
    assert [relaxed.log_in("victim@example.com", "guess").status_code for _ in range(5)] == [
        400
    ] * 5


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A redis-server of the test's own on a free port (the shared one is never stopped)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    server.port = port  # type: ignore[attr-defined]
    wait_for(lambda: _answers(port), 20, "redis-server to answer")
    yield server
    server.terminate()
    server.wait()


def _answers(port: int) -> bool:
    """One ping, no retries (the client's retries sleep between attempts)."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, retry=None)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def test_with_redis_down_logins_are_throttled_in_memory_not_failed(
    make_app: Callable[..., Flask],
    db_session: Session,
    own_redis: subprocess.Popen[bytes],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN_PER_ACCOUNT="3 per minute",
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{own_redis.port}",  # type: ignore[attr-defined]
    )
    make_user(db_session, "victim@example.com", password=PASSWORD)
    attacker = browser(app)
    assert attacker.log_in("victim@example.com", "guess").status_code == 400
    keys = redis.Redis(host="127.0.0.1", port=own_redis.port).keys("*")  # type: ignore[attr-defined]
    assert keys  # counted in Redis while it is up

    own_redis.terminate()
    own_redis.wait()  # SIGTERM ends redis-server at once
    statuses = [attacker.log_in("victim@example.com", "guess").status_code for _ in range(4)]
    assert 500 not in statuses
    assert statuses[:3] == [400, 400, 400] and statuses[3] == 429  # counted in memory now
    assert browser(app).log_in("other@example.com", "guess").status_code == 400
    assert "memory" in caplog.text.lower() or "fallback" in caplog.text.lower()


def test_limits_come_from_the_environment(tmp_path) -> None:
    """A deployment tunes each throttle without code, and a typo stops the start."""
    config = load_config(
        tmp_path, environ={"RATELIMIT_LOGIN_PER_ADDRESS": "100 per minute; 1000 per hour"}
    )
    assert config["RATELIMIT_LOGIN_PER_ADDRESS"] == "100 per minute; 1000 per hour"
    assert "RATELIMIT_RESET_PER_ACCOUNT" not in config  # the default applies
    app = create_app({**config, "TESTING": True, "SECRET_KEY": "x", "MAIL_URL": None})
    assert app.config["RATELIMIT_LOGIN_PER_ADDRESS"] == "100 per minute; 1000 per hour"
    assert (
        app.config["RATELIMIT_RESET_PER_ACCOUNT"] == DEFAULT_LIMITS["RATELIMIT_RESET_PER_ACCOUNT"]
    )
    with pytest.raises(ConfigError, match="RATELIMIT_INVITE_PER_USER must be limits"):
        load_config(tmp_path, environ={"RATELIMIT_INVITE_PER_USER": "lots"})
