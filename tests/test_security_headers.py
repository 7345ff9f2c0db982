"""Security headers on every answer, and cookie names over HTTPS."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from todo_web import create_app
from todo_web.db import get_database


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/healthz", "/nope"])
def test_headers_on_every_answer(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain http


def test_pages_have_no_inline_script_or_style(user_client: FlaskClient) -> None:
    body = user_client.get("/tasks").get_data(as_text=True)
    assert "<script>" not in body and "<script " not in body.replace("<script src=", "")
    assert " style=" not in body and "<style" not in body
    assert "hx-on" not in body


def test_https_gets_hsts_and_host_cookies(database_url: str, monkeypatch) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k" * 32, "TRUSTED_PROXIES": 1})
    client = app.test_client()
    response = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    get_database(app).engine.dispose()
