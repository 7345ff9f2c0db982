"""Logging in: POST /auth/login with email, password, remember; a safe `next`."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask

from todo_web.auth.views import WRONG_CREDENTIALS
from todo_web.models import User

from ..client import Client, set_cookie
from ..factories import ALICE as EMAIL
from ..factories import PASSWORD

#: Signed tokens (CSRF) change from one response to the next; mask them to compare pages.
_SIGNED_TOKEN = re.compile(r"[\w-]{10,}\.[\w-]{4,}\.[\w-]{10,}")


@pytest.fixture
def account(alice: User, client: Client) -> Client:
    """A logged-out browser; Alice (alice@example.com) has an account."""
    return client


def test_correct_credentials_redirect_to_tasks(account: Client) -> None:
    response = account.log_in(EMAIL, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"
    assert account.get("/tasks").status_code == 200


def test_email_is_matched_case_insensitively(account: Client) -> None:
    response = account.log_in("  ALICE@Example.COM ", PASSWORD)
    assert response.status_code == 302
    assert account.get("/tasks").status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(account: Client) -> None:
    wrong_password = account.log_in(EMAIL, "wrong horse")
    unknown_email = account.log_in("nobody@example.com", PASSWORD)

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
def test_incomplete_form_is_400(account: Client, email: str, password: str) -> None:
    response = account.log_in(email, password)
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert account.get("/tasks").status_code == 302


def test_session_cookie_is_httponly_and_lax(account: Client) -> None:
    cookie = set_cookie(account.log_in(EMAIL, PASSWORD), "session")
    assert cookie is not None
    assert "httponly" in cookie
    assert cookie["samesite"] == "Lax"


def test_remember_sets_httponly_lax_remember_cookie(account: Client) -> None:
    cookie = set_cookie(account.log_in(EMAIL, PASSWORD, remember="y"), "remember_token")
    assert cookie is not None and cookie["value"]
    assert "httponly" in cookie
    assert cookie["samesite"] == "Lax"
    assert "expires" in cookie  # outlives the browser session


def test_no_remember_cookie_without_remember(account: Client) -> None:
    response = account.log_in(EMAIL, PASSWORD)
    assert response.status_code == 302
    assert set_cookie(response, "remember_token") is None


def test_login_starts_a_new_session(alice: User, account: Client) -> None:
    with account.session_transaction() as session:
        session["planted"] = "before login"
    assert account.log_in(EMAIL, PASSWORD).status_code == 302
    with account.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{alice.id}:")


def form_action(page: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)"', page)
    assert match, "no form on the page"
    return html.unescape(match.group(1))


def test_safe_next_is_followed(account: Client) -> None:
    page = account.get("/auth/login?next=" + quote("/tasks?status=all", safe=""))
    action = form_action(page.get_data(as_text=True))  # the form posts `next` back
    response = account.log_in(EMAIL, PASSWORD, query=action.removeprefix("/auth/login"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks?status=all"


def test_redirect_to_login_remembers_where_the_user_was_going(account: Client) -> None:
    response = account.get("/tasks?status=all")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/auth/login?next=")
    login_response = account.log_in(EMAIL, PASSWORD, query=location.removeprefix("/auth/login"))
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
def test_unsafe_next_is_ignored(account: Client, target: str) -> None:
    page = account.get("/auth/login?next=" + quote(target, safe=""))
    assert "evil" not in page.get_data(as_text=True)
    response = account.log_in(EMAIL, PASSWORD, query="?next=" + quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"


@pytest.mark.parametrize("page", ["/auth/login", "/auth/register"])
def test_logged_in_user_is_sent_to_tasks(alice_client: Client, page: str) -> None:
    response = alice_client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"


def test_cookies_are_secure_in_production(
    alice: User, make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside debug and testing every cookie the login sets is HTTPS-only."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    production = make_app(TESTING=False)
    assert not production.testing and not production.debug
    client: Client = production.test_client()  # type: ignore[assignment]
    https = {"base_url": "https://localhost"}
    assert client.get("/auth/login", **https).status_code == 200  # its token, over HTTPS
    response = client.submit(
        "/auth/login",
        {"email": EMAIL, "password": PASSWORD, "remember": "y"},
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
