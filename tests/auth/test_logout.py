"""Logging out, and the remember-me cookie outliving neither a logout nor a password change."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from ..helpers import login, logout, register
from .support import set_cookie, stored_user

EMAIL, PASSWORD = "alice@example.com", "correct horse"


def logged_out(client: FlaskClient) -> bool:
    response = client.get("/tasks")
    if response.status_code == 200:
        return False
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    return True


def remembered_client(app: Flask) -> tuple[FlaskClient, str]:
    """A client logged in with "remember me", and the remember cookie's value."""
    client = app.test_client()
    assert register(client, email=EMAIL, password=PASSWORD).status_code == 302
    assert logout(client).status_code == 302
    response = login(client, EMAIL, PASSWORD, remember="y")
    cookie = set_cookie(response, "remember_token")
    assert cookie is not None and cookie["value"]
    return client, cookie["value"]


def client_with_only(app: Flask, remember_token: str) -> FlaskClient:
    """A browser that was closed: no session cookie, just the remember-me cookie."""
    client = app.test_client()
    client.set_cookie("remember_token", remember_token)
    return client


def test_get_is_not_allowed(user_client: FlaskClient) -> None:
    response = user_client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert not logged_out(user_client)


def test_post_without_csrf_token_is_refused(user_client: FlaskClient) -> None:
    assert user_client.post("/auth/logout").status_code == 400
    assert not logged_out(user_client)


def test_logout_ends_the_session(user_client: FlaskClient) -> None:
    assert not logged_out(user_client)
    response = logout(user_client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert logged_out(user_client)


def test_logout_of_a_logged_out_client_sends_to_login(client: FlaskClient) -> None:
    response = logout(client)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_remember_cookie_logs_in_a_new_browser_session(app: Flask) -> None:
    """The baseline the next tests rely on: the cookie alone is enough to be logged in."""
    _, remember_token = remembered_client(app)
    assert not logged_out(client_with_only(app, remember_token))


def test_logout_forgets_the_remember_cookie(app: Flask) -> None:
    client, _ = remembered_client(app)
    response = logout(client)
    cleared = set_cookie(response, "remember_token")
    assert cleared is not None and cleared["value"] in ("", '""')
    assert logged_out(client)
    assert logged_out(client)  # still out on the request after: the cookie did not come back


def test_logout_after_browser_restart_forgets_the_remember_cookie(app: Flask) -> None:
    _, remember_token = remembered_client(app)
    client = client_with_only(app, remember_token)
    assert not logged_out(client)
    assert logout(client).status_code == 302
    assert logged_out(client)


def test_password_change_voids_old_remember_cookie(app: Flask, db_session: Session) -> None:
    client, remember_token = remembered_client(app)
    user = stored_user(db_session, EMAIL)
    assert user is not None
    user.rotate_session_token()  # what a password change does
    db_session.commit()

    assert logged_out(client_with_only(app, remember_token))
    assert logged_out(client)  # the session that was open is over too


def test_new_login_after_rotation_works(app: Flask, db_session: Session) -> None:
    _, remember_token = remembered_client(app)
    user = stored_user(db_session, EMAIL)
    assert user is not None
    user.rotate_session_token()
    db_session.commit()
    client = client_with_only(app, remember_token)
    assert logged_out(client)
    assert login(client, EMAIL, PASSWORD).status_code == 302
    assert not logged_out(client)
