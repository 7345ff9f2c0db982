"""Logging in: POST /auth/login with email, password, remember; a safe `next`."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from todo_web import create_app
from todo_web.auth.views import WRONG_CREDENTIALS
from todo_web.db import get_database

from ..conftest import app_config
from ..helpers import login, logout, register
from .support import set_cookie

EMAIL, PASSWORD = "alice@example.com", "correct horse"

#: Signed tokens (CSRF) change from one response to the next; mask them to compare pages.
_SIGNED_TOKEN = re.compile(r"[\w-]{10,}\.[\w-]{4,}\.[\w-]{10,}")


@pytest.fixture
def account(client: FlaskClient) -> FlaskClient:
    """A client with a registered account (alice@example.com), logged out again."""
    assert register(client, email=EMAIL, password=PASSWORD).status_code == 302
    assert logout(client).status_code == 302
    return client


def test_correct_credentials_redirect_to_tasks(account: FlaskClient) -> None:
    response = login(account, EMAIL, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"
    assert account.get("/tasks").status_code == 200


def test_email_is_matched_case_insensitively(account: FlaskClient) -> None:
    response = login(account, "  ALICE@Example.COM ", PASSWORD)
    assert response.status_code == 302
    assert account.get("/tasks").status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(account: FlaskClient) -> None:
    wrong_password = login(account, EMAIL, "wrong horse")
    unknown_email = login(account, "nobody@example.com", PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code == 400
    pages = [
        _SIGNED_TOKEN.sub("TOKEN", response.get_data(as_text=True).replace(email, "EMAIL"))
        for response, email in ((wrong_password, EMAIL), (unknown_email, "nobody@example.com"))
    ]
    assert WRONG_CREDENTIALS in pages[0]
    assert pages[0] == pages[1]
    assert account.get("/tasks").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [("", PASSWORD), (EMAIL, ""), (EMAIL, "x" * 1001)],
    ids=["no-email", "no-password", "overlong-password"],
)
def test_incomplete_form_is_400(account: FlaskClient, email: str, password: str) -> None:
    response = login(account, email, password)
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert account.get("/tasks").status_code == 302


def test_session_cookie_is_httponly_and_lax(account: FlaskClient) -> None:
    cookie = set_cookie(login(account, EMAIL, PASSWORD), "session")
    assert cookie is not None
    assert "httponly" in cookie
    assert cookie["samesite"] == "Lax"


def test_remember_sets_httponly_lax_remember_cookie(account: FlaskClient) -> None:
    cookie = set_cookie(login(account, EMAIL, PASSWORD, remember="y"), "remember_token")
    assert cookie is not None and cookie["value"]
    assert "httponly" in cookie
    assert cookie["samesite"] == "Lax"
    assert "expires" in cookie  # outlives the browser session


def test_no_remember_cookie_without_remember(account: FlaskClient) -> None:
    response = login(account, EMAIL, PASSWORD)
    assert response.status_code == 302
    assert set_cookie(response, "remember_token") is None


def test_login_starts_a_new_session(account: FlaskClient) -> None:
    with account.session_transaction() as session:
        session["planted"] = "before login"
    assert login(account, EMAIL, PASSWORD).status_code == 302
    with account.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith("1:")


def form_action(page: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)"', page)
    assert match, "no form on the page"
    return html.unescape(match.group(1))


def test_safe_next_is_followed(account: FlaskClient) -> None:
    page = account.get("/auth/login?next=" + quote("/tasks?status=all", safe=""))
    action = form_action(page.get_data(as_text=True))  # the form posts `next` back
    response = login(account, EMAIL, PASSWORD, query=action.removeprefix("/auth/login"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks?status=all"


def test_redirect_to_login_remembers_where_the_user_was_going(account: FlaskClient) -> None:
    response = account.get("/tasks?status=all")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/auth/login?next=")
    login_response = login(account, EMAIL, PASSWORD, query=location.removeprefix("/auth/login"))
    assert login_response.headers["Location"] == "/tasks?status=all"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil",
        "///evil.example",
        "/\tevil.example",
        "evil.example",
    ],
)
def test_unsafe_next_is_ignored(account: FlaskClient, target: str) -> None:
    page = account.get("/auth/login?next=" + quote(target, safe=""))
    assert "evil" not in page.get_data(as_text=True)
    response = login(account, EMAIL, PASSWORD, query="?next=" + quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"


@pytest.mark.parametrize("page", ["/auth/login", "/auth/register"])
def test_logged_in_user_is_sent_to_tasks(user_client: FlaskClient, page: str) -> None:
    response = user_client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"


def test_cookies_are_secure_in_production(
    app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside debug and testing every cookie the login sets is HTTPS-only."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = app_config(database_url)
    del config["TESTING"]
    production = create_app(config)
    try:
        assert not production.testing and not production.debug
        client = production.test_client()
        https = {"base_url": "https://localhost"}
        assert register(client, email=EMAIL, password=PASSWORD).status_code == 302  # over http
        client = production.test_client()
        page = client.get("/auth/login", **https).get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert token is not None
        response = client.post(
            "/auth/login",
            data={
                "email": EMAIL,
                "password": PASSWORD,
                "remember": "y",
                "csrf_token": token.group(1),
            },
            headers={"Referer": "https://localhost/auth/login"},
            **https,
        )
        assert response.status_code == 302
        # Over HTTPS the cookies take the __Host- prefix: Secure, Path=/, no Domain.
        for name in ("__Host-session", "__Host-remember_token"):
            cookie = set_cookie(response, name)
            assert cookie is not None, name
            assert "secure" in cookie, name
            assert cookie.get("path") == "/" and "domain" not in cookie, name
            assert "httponly" in cookie and cookie["samesite"] == "Lax", name
    finally:
        get_database(production).engine.dispose()
