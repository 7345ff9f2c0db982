"""Registration: POST /auth/register with name, email, password, confirm."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from todo_web.auth import queries

from ..helpers import csrf_token, login, logout, register
from .support import stored_user, user_count

DUPLICATE = "An account with this e-mail address already exists."
LENGTH = "Use between 8 and 1000 characters."


def test_success_logs_in_and_redirects_to_tasks(client: FlaskClient, db_session: Session) -> None:
    response = register(client, name="Alice", email="alice@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"
    assert user_count(db_session) == 1
    page = client.get("/tasks")
    assert page.status_code == 200
    assert "Alice" in page.get_data(as_text=True)


def test_email_is_stored_lower_case_and_stripped(client: FlaskClient, db_session: Session) -> None:
    response = register(client, email="  Alice.Smith@Example.COM \t")
    assert response.status_code == 302
    user = stored_user(db_session, "alice.smith@example.com")
    assert user is not None
    assert user.email == "alice.smith@example.com"


def test_non_ascii_email_is_lower_cased_and_logs_in(
    client: FlaskClient, db_session: Session
) -> None:
    assert register(client, email="ZOË.Ünal@Example.com").status_code == 302
    assert stored_user(db_session, "zoë.ünal@example.com") is not None
    logout(client)
    assert login(client, "Zoë.ÜNAL@example.COM", "correct horse").status_code == 302


def test_overlong_email_is_refused(client: FlaskClient, db_session: Session) -> None:
    response = register(client, email="a" * 250 + "@example.com")
    assert response.status_code == 400
    assert "Field cannot be longer than 254 characters." in response.get_data(as_text=True)
    assert user_count(db_session) == 0


def test_name_is_stripped(client: FlaskClient, db_session: Session) -> None:
    register(client, name="  Alice  ")
    user = stored_user(db_session, "alice@example.com")
    assert user is not None and user.name == "Alice"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"password": "x" * 7}, "password", LENGTH),
        ({"password": "x" * 1001}, "password", LENGTH),
        ({"password": "x" * 10, "confirm": "y" * 10}, "confirm", "The passwords do not match."),
        ({"email": "not-an-email"}, "email", "Invalid email address."),
        ({"email": "alice@"}, "email", "Invalid email address."),
        ({"email": ""}, "email", "This field is required."),
        ({"name": "n" * 101}, "name", "Field cannot be longer than 100 characters."),
    ],
    ids=[
        "no-name",
        "blank-name",
        "password-7",
        "password-1001",
        "confirm-mismatch",
        "bad-email",
        "half-email",
        "no-email",
        "long-name",
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    client: FlaskClient, db_session: Session, fields: dict[str, str], field: str, message: str
) -> None:
    data = {"name": "Alice", "email": "alice@example.com", "password": "correct horse"} | fields
    response = register(
        client,
        name=data["name"],
        email=data["email"],
        password=data["password"],
        confirm=fields.get("confirm"),
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'<small id="{field}-error" class="field-error">{message}</small>' in body
    assert user_count(db_session) == 0
    assert client.get("/tasks").status_code == 302  # not logged in


@pytest.mark.parametrize("length", [8, 1000])
def test_password_length_bounds_are_accepted(
    client: FlaskClient, db_session: Session, length: int
) -> None:
    assert register(client, password="p" * length).status_code == 302
    assert user_count(db_session) == 1


def test_duplicate_email_in_another_case_is_a_form_error(app: Flask, db_session: Session) -> None:
    assert register(app.test_client(), email="alice@example.com").status_code == 302
    response = register(app.test_client(), name="Mallory", email="ALICE@Example.com")
    assert response.status_code == 400
    assert DUPLICATE in response.get_data(as_text=True)
    assert user_count(db_session) == 1
    user = stored_user(db_session, "alice@example.com")
    assert user is not None and user.name == "Alice"


def test_duplicate_caught_by_unique_index_when_check_misses(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What happens to the loser of a race: the existence check saw no account, so only the
    unique index stands between it and a second row."""
    assert register(app.test_client(), email="alice@example.com").status_code == 302
    monkeypatch.setattr(queries, "user_by_email", lambda session, email: None)
    response = register(app.test_client(), name="Mallory", email="ALICE@Example.com")
    assert response.status_code == 400
    assert DUPLICATE in response.get_data(as_text=True)
    assert user_count(db_session) == 1


@pytest.mark.parametrize("overlap", ["post", "after-check"])
def test_racing_registrations_end_with_one_account(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch, overlap: str
) -> None:
    """Two browsers post the same address at the same moment. With overlap "after-check"
    both requests also wait until each has passed the existence check, so both inserts
    really collide; with "post" they merely start together."""
    if overlap == "after-check":
        checked = threading.Barrier(2, timeout=10)
        original = queries.user_by_email

        def user_by_email_then_wait(session, email):  # type: ignore[no-untyped-def]
            found = original(session, email)
            checked.wait()
            return found

        monkeypatch.setattr(queries, "user_by_email", user_by_email_then_wait)

    clients = [app.test_client(), app.test_client()]
    tokens = [csrf_token(c, "/auth/register") for c in clients]
    start = threading.Barrier(2, timeout=10)

    def submit(index: int) -> int:
        form = {
            "name": f"Racer {index}",
            "email": "race@example.com" if index else "RACE@example.com",
            "password": "correct horse",
            "confirm": "correct horse",
            "csrf_token": tokens[index],
        }
        start.wait()
        response = clients[index].post("/auth/register", data=form)
        if response.status_code == 400:
            assert DUPLICATE in response.get_data(as_text=True)
        return response.status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(submit, range(2)))

    assert statuses == [302, 400]
    assert user_count(db_session) == 1


def test_registration_page_has_the_contract_fields(client: FlaskClient) -> None:
    body = client.get("/auth/register").get_data(as_text=True)
    for field in ("name", "email", "password", "confirm", "csrf_token"):
        assert f'name="{field}"' in body
