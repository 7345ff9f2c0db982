"""Login sessions live in the database: logout ends them for good, and they expire."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from todo_web.db import utcnow
from todo_web.models import LoginSession

from ..helpers import login, logout, register

EMAIL, PASSWORD = "sam@example.com", "a fine password"


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def logged_in(client: FlaskClient) -> bool:
    return client.get("/tasks").status_code == 200


def test_copied_cookie_is_useless_after_logout(app: Flask, client: FlaskClient) -> None:
    register(client, email=EMAIL, password=PASSWORD)
    stolen = session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert logged_in(thief)  # the copy works while the session lives...
    logout(client)
    assert not logged_in(thief)  # ...and not a moment after logout


def test_logout_ends_only_this_browser(app: Flask, client: FlaskClient) -> None:
    register(client, email=EMAIL, password=PASSWORD)
    phone = app.test_client()
    login(phone, EMAIL, PASSWORD)
    logout(client)
    assert logged_in(phone)
    assert not logged_in(client)


def test_remember_cookie_dies_with_its_session(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    register(client, email=EMAIL, password=PASSWORD)
    browser = app.test_client()
    login(browser, EMAIL, PASSWORD, remember="y")
    remember = browser.get_cookie("remember_token")
    assert remember is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert logged_in(fresh)
    logout(browser)
    later = app.test_client()
    later.set_cookie("remember_token", remember.value)
    assert not logged_in(later)


def test_idle_session_expires(app: Flask, client: FlaskClient, db_session: Session) -> None:
    register(client, email=EMAIL, password=PASSWORD)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    db_session.execute(
        update(LoginSession).values(last_seen_at=utcnow() - idle + timedelta(minutes=1))
    )
    db_session.commit()
    assert logged_in(client)  # just inside the idle limit; this request renews it
    db_session.expire_all()
    row = db_session.scalars(select(LoginSession)).one()
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)
    db_session.execute(
        update(LoginSession).values(last_seen_at=utcnow() - idle - timedelta(minutes=1))
    )
    db_session.commit()
    assert not logged_in(client)


def test_absolute_lifetime_ends_even_an_active_session(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    register(client, email=EMAIL, password=PASSWORD)
    absolute = timedelta(days=app.config["SESSION_ABSOLUTE_DAYS"])
    db_session.execute(
        update(LoginSession).values(created_at=utcnow() - absolute - timedelta(minutes=1))
    )
    db_session.commit()
    assert not logged_in(client)


def test_each_login_is_a_new_session_row(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    register(client, email=EMAIL, password=PASSWORD)
    other = app.test_client()
    login(other, EMAIL, PASSWORD)
    rows = db_session.scalars(select(LoginSession)).all()
    assert len(rows) == 2 and len({row.id for row in rows}) == 2
