"""Passwords: pre-hashed before bcrypt, so length and non-ASCII text are safe."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from todo_web.passwords import check_password, hash_password

from ..client import Client
from ..factories import make_user, user_by_email

NON_ASCII = "pässwörd-密码-🔑"
SHARED_72 = "s" * 72


@pytest.mark.parametrize(
    "password", ["p" * 200, NON_ASCII, "p" * 1000], ids=["200-chars", "non-ascii", "1000-chars"]
)
def test_password_registers_and_logs_in(client: Client, password: str) -> None:
    assert client.register("alice@example.com", password=password).status_code == 302
    client.log_out()
    assert client.get("/tasks").status_code == 302
    response = client.log_in("alice@example.com", password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"
    assert client.get("/tasks").status_code == 200


def test_non_ascii_password_needs_the_exact_characters(client: Client, db_session: Session) -> None:
    make_user(db_session, password=NON_ASCII)
    assert client.log_in("alice@example.com", "passwort-密码-🔑").status_code == 400
    assert client.log_in("alice@example.com", "pässwörd-密码-").status_code == 400
    assert client.log_in("alice@example.com", NON_ASCII).status_code == 302


def test_passwords_sharing_first_72_bytes_are_different(
    client: Client, db_session: Session
) -> None:
    """bcrypt alone reads only 72 bytes: these two would be the same password to it."""
    first, second = SHARED_72 + "a" * 28, SHARED_72 + "b" * 28
    assert len(first.encode()) == len(second.encode()) == 100
    make_user(db_session, "alice@example.com", password=first)
    assert client.log_in("alice@example.com", second).status_code == 400
    assert client.get("/tasks").status_code == 302
    assert client.log_in("alice@example.com", first).status_code == 302


def test_stored_hash_is_bcrypt_and_not_the_password(client: Client, db_session: Session) -> None:
    password = "correct horse battery staple"
    assert client.register(password=password).status_code == 302
    user = user_by_email(db_session, "alice@example.com")
    assert user.password_hash.startswith("$2b$")
    assert password not in user.password_hash
    assert check_password(password, user.password_hash)


def test_each_hash_has_its_own_salt() -> None:
    one, two = hash_password("correct horse", 4), hash_password("correct horse", 4)
    assert one != two
    assert check_password("correct horse", one) and check_password("correct horse", two)


def test_bytes_beyond_72_count() -> None:
    stored = hash_password(SHARED_72 + "a", 4)
    assert check_password(SHARED_72 + "a", stored)
    assert not check_password(SHARED_72 + "b", stored)
    assert not check_password(SHARED_72, stored)


@pytest.mark.parametrize("stored", ["", "plain text", "$2b$04$tooshort", "é"])
def test_malformed_stored_hash_never_matches(stored: str) -> None:
    assert check_password("correct horse", stored) is False


def test_bcrypt_runs_outside_any_transaction(
    app: Flask, client: Client, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Login and registration hash or check a password with no transaction open, so the
    quarter second of bcrypt holds no database connection idle in transaction."""
    from todo_web.auth import queries
    from todo_web.db import get_session

    seen: list[bool] = []

    def watching(function: Any) -> Any:
        def watched(*args: Any) -> Any:
            seen.append(get_session().in_transaction())
            return function(*args)

        return watched

    for name in ("check_password", "hash_password", "burn_check"):
        monkeypatch.setattr(queries, name, watching(getattr(queries, name)))
    make_user(db_session, "known@example.com")
    assert client.log_in("known@example.com").status_code == 302  # right password
    client.log_out()
    assert client.log_in("known@example.com", "a wrong passphrase").status_code == 400
    assert client.log_in("nobody@example.com", "a wrong passphrase").status_code == 400
    browser: Client = app.test_client()  # type: ignore[assignment]
    registered = browser.register("new@example.com")
    assert registered.status_code == 302
    assert seen == [False, False, False, False]
