"""Security headers on every answer, and cookie names over HTTPS."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from .client import Client


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/healthz", "/nope"])
def test_headers_on_every_answer(client: Client, path: str) -> None:
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


def test_pages_have_no_inline_script_or_style(alice_client: Client) -> None:
    body = alice_client.get("/tasks").get_data(as_text=True)
    assert "<script>" not in body and "<script " not in body.replace("<script src=", "")
    assert " style=" not in body and "<style" not in body
    assert "hx-on" not in body


def test_https_gets_hsts_and_host_cookies(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = make_app(TESTING=False, TRUSTED_PROXIES=1)  # as in production, behind one proxy
    client = app.test_client()
    response = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_pages_of_a_logged_in_user_are_kept_by_no_cache(alice_client: Client) -> None:
    for url in ("/tasks", "/settings", "/lists", "/tasks/new"):
        response = alice_client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
    # What sets its own caching keeps it: fingerprinted static files, the service worker.
    static = alice_client.get("/static/app.css?v=x")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert alice_client.get("/sw.js").headers["Cache-Control"] == "no-cache"


def test_pages_for_nobody_in_particular_are_not_marked_private(client: Client) -> None:
    assert "private" not in client.get("/auth/login").headers.get("Cache-Control", "")
