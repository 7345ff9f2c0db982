"""Small helpers the tests share: CSRF-aware posts and account set-up."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, page: str = "/auth/login") -> str:
    """The CSRF token a browser would find in the page's meta tag."""
    html = client.get(page, follow_redirects=True).get_data(as_text=True)
    match = _META_TOKEN.search(html)
    assert match, f"no csrf-token meta tag on {page}"
    return match.group(1)


def post(
    client: FlaskClient,
    url: str,
    data: dict[str, Any] | None = None,
    *,
    htmx: bool = False,
    token_page: str = "/auth/login",
    **kwargs: Any,
) -> TestResponse:
    """POST with the CSRF token added, as a form or (htmx=True) as htmx sends it."""
    data = dict(data or {})
    headers = dict(kwargs.pop("headers", {}) or {})
    token = csrf_token(client, token_page)
    if htmx:
        headers.setdefault("HX-Request", "true")
        headers.setdefault("X-CSRFToken", token)
    else:
        data.setdefault("csrf_token", token)
    return client.post(url, data=data, headers=headers, **kwargs)


def register(
    client: FlaskClient,
    *,
    name: str = "Alice",
    email: str = "alice@example.com",
    password: str = "correct horse",
    confirm: str | None = None,
) -> TestResponse:
    return post(
        client,
        "/auth/register",
        {
            "name": name,
            "email": email,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def login(client: FlaskClient, email: str, password: str, **extra: Any) -> TestResponse:
    query = extra.pop("query", "")
    return post(client, f"/auth/login{query}", {"email": email, "password": password, **extra})


def logout(client: FlaskClient) -> TestResponse:
    return post(client, "/auth/logout")
