"""Login sessions live in the database: logout ends them for good, and they expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from todo_web.auth.login_cache import login_cache
from todo_web.db import utcnow
from todo_web.models import LoginSession, User

from ..client import Client
from ..factories import make_user

EMAIL, PASSWORD = "sam@example.com", "a fine password"


@pytest.fixture(autouse=True)
def sam(db_session: Session) -> User:
    return make_user(db_session, EMAIL, password=PASSWORD)


def new_browser(app: Flask) -> Client:
    return app.test_client()  # type: ignore[return-value]


def session_cookie(client: Client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def logged_in(client: Client) -> bool:
    return client.get("/tasks").status_code == 200


def test_copied_cookie_is_useless_after_logout(app: Flask, client: Client) -> None:
    assert client.log_in(EMAIL, PASSWORD).status_code == 302
    stolen = session_cookie(client)
    thief = new_browser(app)
    thief.set_cookie("session", stolen)
    assert logged_in(thief)  # the copy works while the session lives...
    client.log_out()
    assert not logged_in(thief)  # ...and not a moment after logout


def test_logout_ends_only_this_browser(app: Flask, client: Client) -> None:
    assert client.log_in(EMAIL, PASSWORD).status_code == 302
    phone = new_browser(app)
    phone.log_in(EMAIL, PASSWORD)
    client.log_out()
    assert logged_in(phone)
    assert not logged_in(client)


def test_remember_cookie_dies_with_its_session(
    app: Flask, client: Client, db_session: Session
) -> None:
    assert client.log_in(EMAIL, PASSWORD).status_code == 302
    browser = new_browser(app)
    browser.log_in(EMAIL, PASSWORD, remember="y")
    remember = browser.get_cookie("remember_token")
    assert remember is not None
    fresh = new_browser(app)
    fresh.set_cookie("remember_token", remember.value)
    assert logged_in(fresh)
    browser.log_out()
    later = new_browser(app)
    later.set_cookie("remember_token", remember.value)
    assert not logged_in(later)


def test_idle_session_expires(app: Flask, client: Client, db_session: Session, sam: User) -> None:
    assert client.log_in(EMAIL, PASSWORD).status_code == 302
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    db_session.execute(
        update(LoginSession).values(last_seen_at=utcnow() - idle + timedelta(minutes=1))
    )
    db_session.commit()
    # The rows were changed behind the app's back: the login it remembers is stale.
    login_cache(app).forget_users({sam.id})
    assert logged_in(client)  # just inside the idle limit; this request renews it
    db_session.expire_all()
    row = db_session.scalars(select(LoginSession)).one()
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)
    db_session.execute(
        update(LoginSession).values(last_seen_at=utcnow() - idle - timedelta(minutes=1))
    )
    db_session.commit()
    login_cache(app).forget_users({sam.id})
    assert not logged_in(client)


def test_absolute_lifetime_ends_even_an_active_session(
    app: Flask, client: Client, db_session: Session
) -> None:
    assert client.log_in(EMAIL, PASSWORD).status_code == 302
    absolute = timedelta(days=app.config["SESSION_ABSOLUTE_DAYS"])
    db_session.execute(
        update(LoginSession).values(created_at=utcnow() - absolute - timedelta(minutes=1))
    )
    db_session.commit()
    assert not logged_in(client)


def test_each_login_is_a_new_session_row(app: Flask, client: Client, db_session: Session) -> None:
    assert client.log_in(EMAIL, PASSWORD).status_code == 302
    other = new_browser(app)
    other.log_in(EMAIL, PASSWORD)
    rows = db_session.scalars(select(LoginSession)).all()
    assert len(rows) == 2 and len({row.id for row in rows}) == 2
