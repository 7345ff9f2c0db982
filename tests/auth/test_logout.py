"""Logging out, and the remember-me cookie outliving neither a logout nor a password change."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from todo_web.models import User

from ..client import Client, set_cookie
from ..factories import ALICE as EMAIL
from ..factories import user_by_email


def logged_out(client: Client) -> bool:
    response = client.get("/tasks")
    if response.status_code == 200:
        return False
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    return True


def remembered_client(app: Flask) -> tuple[Client, str]:
    """A client logged in as Alice with "remember me", and the remember cookie's value."""
    client: Client = app.test_client()  # type: ignore[assignment]
    response = client.log_in(EMAIL, remember="y")
    cookie = set_cookie(response, "remember_token")
    assert cookie is not None and cookie["value"]
    return client, cookie["value"]


def client_with_only(app: Flask, remember_token: str) -> Client:
    """A browser that was closed: no session cookie, just the remember-me cookie."""
    client: Client = app.test_client()  # type: ignore[assignment]
    client.set_cookie("remember_token", remember_token)
    return client


def test_get_is_not_allowed(alice_client: Client) -> None:
    response = alice_client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert not logged_out(alice_client)


def test_post_without_csrf_token_is_refused(alice_client: Client) -> None:
    assert alice_client.post("/auth/logout").status_code == 400
    assert not logged_out(alice_client)


def test_logout_ends_the_session(alice_client: Client) -> None:
    assert not logged_out(alice_client)
    response = alice_client.log_out()
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert logged_out(alice_client)


def test_logout_of_a_logged_out_client_sends_to_login(client: Client) -> None:
    response = client.log_out()
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_remember_cookie_logs_in_a_new_browser_session(alice: User, app: Flask) -> None:
    """The baseline the next tests rely on: the cookie alone is enough to be logged in."""
    _, remember_token = remembered_client(app)
    assert not logged_out(client_with_only(app, remember_token))


def test_logout_forgets_the_remember_cookie(alice: User, app: Flask) -> None:
    client, _ = remembered_client(app)
    response = client.log_out()
    cleared = set_cookie(response, "remember_token")
    assert cleared is not None and cleared["value"] in ("", '""')
    assert logged_out(client)
    assert logged_out(client)  # still out on the request after: the cookie did not come back


def test_logout_after_browser_restart_forgets_the_remember_cookie(alice: User, app: Flask) -> None:
    _, remember_token = remembered_client(app)
    client = client_with_only(app, remember_token)
    assert not logged_out(client)
    assert client.log_out().status_code == 302
    assert logged_out(client)


def test_password_change_voids_old_remember_cookie(
    alice: User, app: Flask, db_session: Session
) -> None:
    client, remember_token = remembered_client(app)
    user = user_by_email(db_session, EMAIL)
    user.rotate_session_token()  # what a password change does
    db_session.commit()

    assert logged_out(client_with_only(app, remember_token))
    assert logged_out(client)  # the session that was open is over too


def test_new_login_after_rotation_works(alice: User, app: Flask, db_session: Session) -> None:
    _, remember_token = remembered_client(app)
    user = user_by_email(db_session, EMAIL)
    user.rotate_session_token()
    db_session.commit()
    client = client_with_only(app, remember_token)
    assert logged_out(client)
    assert client.log_in(EMAIL).status_code == 302
    assert not logged_out(client)
