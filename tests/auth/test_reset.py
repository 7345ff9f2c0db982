"""Password reset: the mail, the link, and a link that is used, expired or forged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture
from werkzeug.test import TestResponse

from todo_web.models import Outbox, User

from ..client import Client
from ..factories import count_rows, outbox_rows, user_by_email, worker_for
from ..smtp import SmtpServer, html_body, links

NEW_PASSWORD = "battery staple"


def ask_for_reset(client: Client, email: str = "alice@example.com") -> TestResponse:
    return client.submit("/auth/reset", {"email": email})


def mailed_link(app: Flask, smtp_server: SmtpServer) -> str:
    worker_for(app, smtp_server.url).run_once()
    message = smtp_server.messages[-1]
    [link] = [url for url in links(message) if "/auth/reset/" in url]
    assert link in html_body(message)
    return link


def set_password(
    client: Client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None
) -> TestResponse:
    data = {"password": password, "confirm": password if confirm is None else confirm}
    response = client.submit(path, data)
    if response.status_code == 302:
        client.csrf_token = None  # the reset logged this browser in: a new session
    return response


def test_reset_page_and_login_link(client: Client) -> None:
    assert 'href="/auth/reset"' in client.get("/auth/login").get_data(as_text=True)
    page = client.get("/auth/reset").get_data(as_text=True)
    assert 'name="email"' in page and 'name="csrf_token"' in page


def test_reset_end_to_end(
    app: Flask,
    client: Client,
    db_session: Session,
    smtp_server: SmtpServer,
    alice: User,
    log_in: Callable[[User], Client],
) -> None:
    # Alice is logged in on another device, which the reset must log out.
    phone = log_in(alice)
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
    other: Client = app.test_client()  # type: ignore[assignment]
    assert other.log_in("alice@example.com", "correct horse").status_code == 400
    assert other.log_in("alice@example.com", NEW_PASSWORD).status_code == 302


def test_a_used_link_is_refused(
    app: Flask, client: Client, smtp_server: SmtpServer, alice: User, db_session: Session
) -> None:
    ask_for_reset(client)
    ask_for_reset(client)  # two links in the inbox: using one kills both
    worker_for(app, smtp_server.url).run_once()
    first, second = (
        urlsplit(next(u for u in links(m) if "/auth/reset/" in u)).path
        for m in smtp_server.messages
    )
    assert set_password(client, first).status_code == 302
    assert client.log_out().status_code == 302
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
    clock: TimeMachineFixture,
    app: Flask,
    client: Client,
    smtp_server: SmtpServer,
    alice: User,
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
    app: Flask, client: Client, db_session: Session, alice: User
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
    client: Client, db_session: Session, alice: User
) -> None:
    ask_for_reset(client, "  Alice@Example.COM ")
    assert count_rows(db_session, Outbox) == 1


def test_not_an_address_is_400(client: Client, db_session: Session) -> None:
    response = ask_for_reset(client, "not an address")
    assert response.status_code == 400
    assert count_rows(db_session, Outbox) == 0


@pytest.mark.parametrize("token", ["garbage", "eyJ1c2VyIjoxfQ.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"])
def test_forged_links_are_refused(client: Client, alice: User, token: str) -> None:
    assert client.get(f"/auth/reset/{token}").status_code == 400


def test_mismatched_passwords_change_nothing(
    app: Flask, client: Client, db_session: Session, smtp_server: SmtpServer, alice: User
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
    app: Flask, client: Client, db_session: Session, alice: User
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
    client: Client, db_session: Session, alice: User
) -> None:
    answers = {ask_for_reset(client).location for _ in range(5)}
    assert answers == {"/auth/login"}
    assert count_rows(db_session, Outbox) == 3
