"""Password reset: the mail, the link, and a link that is used, expired or forged."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.models import Outbox

from ..accounts import count, outbox_rows, user_by_email, worker_for
from ..helpers import login, post, register
from ..smtp import SmtpServer, html_body, links

NEW_PASSWORD = "battery staple"


def ask_for_reset(client: FlaskClient, email: str = "alice@example.com"):  # type: ignore[no-untyped-def]
    return post(client, "/auth/reset", {"email": email}, token_page="/auth/reset")


def mailed_link(app: Flask, smtp_server: SmtpServer) -> str:
    worker_for(app, smtp_server.url).run_once()
    message = smtp_server.messages[-1]
    [link] = [url for url in links(message) if "/auth/reset/" in url]
    assert link in html_body(message)
    return link


def set_password(client: FlaskClient, path: str, password: str = NEW_PASSWORD, confirm=None):  # type: ignore[no-untyped-def]
    data = {"password": password, "confirm": password if confirm is None else confirm}
    return post(client, path, data, token_page=path)


@pytest.fixture
def alice(client: FlaskClient) -> None:
    register(client)
    post(client, "/auth/logout", token_page="/tasks")


def test_reset_page_and_login_link(client: FlaskClient) -> None:
    assert 'href="/auth/reset"' in client.get("/auth/login").get_data(as_text=True)
    page = client.get("/auth/reset").get_data(as_text=True)
    assert 'name="email"' in page and 'name="csrf_token"' in page


def test_reset_end_to_end(
    app: Flask, client: FlaskClient, db_session: Session, smtp_server: SmtpServer, alice: None
) -> None:
    # Alice is logged in on another device, which the reset must log out.
    phone = app.test_client()
    login(phone, "alice@example.com", "correct horse")
    assert phone.get("/settings").status_code == 200

    response = ask_for_reset(client)
    assert response.status_code == 302
    link = mailed_link(app, smtp_server)
    message = smtp_server.messages[-1]
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "Reset your todo-web password"
    assert link.startswith("http://127.0.0.1:5000/auth/reset/")
    path = urlsplit(link).path

    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert 'name="password"' in page.get_data(as_text=True)

    response = set_password(client, path)
    assert response.status_code == 302 and response.location == "/tasks"
    # This browser is now logged in; the phone is not; only the new password works.
    assert client.get("/settings").status_code == 200
    assert phone.get("/settings").status_code == 302
    other = app.test_client()
    assert login(other, "alice@example.com", "correct horse").status_code == 400
    assert login(other, "alice@example.com", NEW_PASSWORD).status_code == 302


def test_a_used_link_is_refused(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, alice: None, db_session: Session
) -> None:
    ask_for_reset(client)
    ask_for_reset(client)  # two links in the inbox: using one kills both
    worker_for(app, smtp_server.url).run_once()
    first, second = (
        urlsplit(next(u for u in links(m) if "/auth/reset/" in u)).path
        for m in smtp_server.messages
    )
    assert set_password(client, first).status_code == 302
    post(client, "/auth/logout", token_page="/tasks")
    hash_after_reset = user_by_email(db_session, "alice@example.com").password_hash

    for path in (first, second):
        page = client.get(path)
        assert page.status_code == 400
        assert "expired or has already been used" in page.get_data(as_text=True)
        response = set_password(client, path, "another password", confirm=None)
        assert response.status_code == 400
    assert user_by_email(db_session, "alice@example.com").password_hash == hash_after_reset


@pytest.mark.parametrize(("age", "accepted"), [(3599, True), (3601, False)])
def test_the_link_expires_after_an_hour(
    app: Flask,
    client: FlaskClient,
    smtp_server: SmtpServer,
    alice: None,
    clock: TimeMachineFixture,
    age: int,
    accepted: bool,
) -> None:
    # The link is signed now and opened `age` seconds later, on the app's one clock.
    ask_for_reset(client)
    path = urlsplit(mailed_link(app, smtp_server)).path
    clock.shift(timedelta(seconds=age))
    assert client.get(path).status_code == (200 if accepted else 400)
    assert set_password(client, path).status_code == (302 if accepted else 400)


def test_unknown_address_gets_the_same_answer(
    app: Flask, client: FlaskClient, db_session: Session, alice: None
) -> None:
    known = ask_for_reset(client, "alice@example.com")
    known_page = client.get(known.location).get_data(as_text=True)
    unknown = ask_for_reset(client, "nobody@example.com")
    unknown_page = client.get(unknown.location).get_data(as_text=True)
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert known.get_data() == unknown.get_data()
    assert "If an account uses that address" in known_page
    assert "If an account uses that address" in unknown_page
    assert [row.recipient for row in outbox_rows(db_session)] == ["alice@example.com"]


def test_address_is_matched_case_insensitively(
    client: FlaskClient, db_session: Session, alice: None
) -> None:
    ask_for_reset(client, "  Alice@Example.COM ")
    assert count(db_session, Outbox) == 1


def test_not_an_address_is_400(client: FlaskClient, db_session: Session) -> None:
    response = ask_for_reset(client, "not an address")
    assert response.status_code == 400
    assert count(db_session, Outbox) == 0


@pytest.mark.parametrize("token", ["garbage", "eyJ1c2VyIjoxfQ.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"])
def test_forged_links_are_refused(client: FlaskClient, alice: None, token: str) -> None:
    assert client.get(f"/auth/reset/{token}").status_code == 400


def test_mismatched_passwords_change_nothing(
    app: Flask, client: FlaskClient, db_session: Session, smtp_server: SmtpServer, alice: None
) -> None:
    ask_for_reset(client)
    path = urlsplit(mailed_link(app, smtp_server)).path
    before = user_by_email(db_session, "alice@example.com").password_hash
    response = set_password(client, path, NEW_PASSWORD, confirm="something else")
    assert response.status_code == 400
    assert "do not match" in response.get_data(as_text=True)
    assert set_password(client, path, "short").status_code == 400
    assert user_by_email(db_session, "alice@example.com").password_hash == before
    assert set_password(client, path).status_code == 302  # the link still works


def test_reset_request_saves_while_the_mail_server_is_down(
    app: Flask, client: FlaskClient, db_session: Session, alice: None
) -> None:
    server = SmtpServer()  # not started
    ask_for_reset(client)
    assert worker_for(app, server.url).run_once().retried == 1
    server.start()
    try:
        [row] = outbox_rows(db_session)
        worker_for(app, server.url).run_once(row.next_attempt_at)
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_repeated_requests_do_not_flood_the_inbox(
    client: FlaskClient, db_session: Session, alice: None
) -> None:
    answers = {ask_for_reset(client).location for _ in range(5)}
    assert answers == {"/auth/login"}
    assert count(db_session, Outbox) == 3
