"""Registration: POST /auth/register with name, email, password, confirm."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from todo_web.auth import queries
from todo_web.models import User

from ..client import Client
from ..database import is_postgres
from ..factories import count_rows, user_by_email


def user_count(session: Session) -> int:
    return count_rows(session, User)


def browser(app: Flask) -> Client:
    return app.test_client()  # type: ignore[return-value]


DUPLICATE = "An account with this e-mail address already exists."
LENGTH = "Use between 8 and 1000 characters."


def test_success_logs_in_and_redirects_to_tasks(client: Client, db_session: Session) -> None:
    response = client.register("alice@example.com", name="Alice")
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"
    assert user_count(db_session) == 1
    page = client.get("/tasks")
    assert page.status_code == 200
    assert "Alice" in page.get_data(as_text=True)


def test_email_is_stored_lower_case_and_stripped(client: Client, db_session: Session) -> None:
    response = client.register("  Alice.Smith@Example.COM \t")
    assert response.status_code == 302
    user = user_by_email(db_session, "alice.smith@example.com")
    assert user.email == "alice.smith@example.com"


def test_non_ascii_email_is_lower_cased_and_logs_in(client: Client, db_session: Session) -> None:
    assert client.register("ZOË.Ünal@Example.com").status_code == 302
    assert user_by_email(db_session, "zoë.ünal@example.com") is not None
    client.log_out()
    assert client.log_in("Zoë.ÜNAL@example.COM", "correct horse").status_code == 302


def test_overlong_email_is_refused(client: Client, db_session: Session) -> None:
    response = client.register("a" * 250 + "@example.com")
    assert response.status_code == 400
    assert "Field cannot be longer than 254 characters." in response.get_data(as_text=True)
    assert user_count(db_session) == 0


def test_name_is_stripped(client: Client, db_session: Session) -> None:
    assert client.register(name="  Alice  ").status_code == 302
    user = user_by_email(db_session, "alice@example.com")
    assert user.name == "Alice"


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
    client: Client, db_session: Session, fields: dict[str, str], field: str, message: str
) -> None:
    data = {"name": "Alice", "email": "alice@example.com", "password": "correct horse"} | fields
    response = client.register(
        data["email"],
        name=data["name"],
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
    client: Client, db_session: Session, length: int
) -> None:
    assert client.register(password="p" * length).status_code == 302
    assert user_count(db_session) == 1


def test_duplicate_email_in_another_case_is_a_form_error(
    alice: User, app: Flask, db_session: Session
) -> None:
    response = browser(app).register("ALICE@Example.com", name="Mallory")
    assert response.status_code == 400
    assert DUPLICATE in response.get_data(as_text=True)
    assert user_count(db_session) == 1
    assert user_by_email(db_session, "alice@example.com").name == "Alice"


def test_duplicate_caught_by_unique_index_when_check_misses(
    alice: User, app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What happens to the loser of a race: the existence check saw no account, so only the
    unique index stands between it and a second row."""
    monkeypatch.setattr(queries, "user_by_email", lambda session, email: None)
    response = browser(app).register("ALICE@Example.com", name="Mallory")
    assert response.status_code == 400
    assert DUPLICATE in response.get_data(as_text=True)
    assert user_count(db_session) == 1


@pytest.mark.parametrize(
    "overlap",
    [
        "post",
        pytest.param(
            "after-check",
            marks=pytest.mark.skipif(
                not is_postgres(),
                reason="on SQLite a registration holds the write lock from its first "
                "statement (BEGIN IMMEDIATE), so two existence checks cannot overlap",
            ),
        ),
    ],
)
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

    clients = [browser(app), browser(app)]
    tokens = [c.token() for c in clients]
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


def test_registration_page_has_the_contract_fields(client: Client) -> None:
    body = client.get("/auth/register").get_data(as_text=True)
    for field in ("name", "email", "password", "confirm", "csrf_token"):
        assert f'name="{field}"' in body
