"""The login lookup remembered per process for LOGIN_CACHE_SECONDS
(todo_web/auth/login_cache.py): a round trip saved per request, and nothing it must not
remember: logout, a password change or a new name take effect on the next request, and a
member removed from a list loses it at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from todo_web.auth.login_cache import login_cache
from todo_web.db import get_database, utcnow
from todo_web.models import LoginSession, User

from ..client import Client
from ..factories import make_list, make_task, share

#: The login lookup's statement: users joined to login_sessions.
LOGIN_QUERY = "JOIN login_sessions"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock_of_cache(app: Flask) -> Iterator[FakeClock]:
    cache = login_cache(app)
    clock, real = FakeClock(), cache.clock
    cache.clock = clock
    yield clock
    cache.clock = real


@contextmanager
def login_queries(app: Flask) -> Iterator[list[str]]:
    """The login lookups sent while the block runs."""
    sent: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if LOGIN_QUERY in statement:
            sent.append(statement)

    engine = get_database(app).engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_second_request_within_the_time_makes_no_login_lookup(
    app: Flask, alice_client: Client, clock_of_cache: FakeClock
) -> None:
    with login_queries(app) as sent:
        assert alice_client.get("/tasks").status_code == 200
        assert alice_client.get("/tasks").status_code == 200
    assert len(sent) <= 1  # the first may be remembered from the login's redirect
    with login_queries(app) as sent:
        clock_of_cache.now += 4.9
        assert alice_client.get("/tasks").status_code == 200
    assert sent == []


def test_after_the_time_the_login_is_looked_up_again(
    app: Flask, alice_client: Client, clock_of_cache: FakeClock
) -> None:
    assert alice_client.get("/tasks").status_code == 200
    clock_of_cache.now += 5.0
    with login_queries(app) as sent:
        assert alice_client.get("/tasks").status_code == 200
    assert len(sent) == 1


def test_zero_seconds_turns_it_off(make_app: Callable[..., Flask], alice: User) -> None:
    app = make_app(LOGIN_CACHE_SECONDS=0)
    client: Client = app.test_client()  # type: ignore[assignment]
    assert client.log_in(alice.email).status_code == 302
    with login_queries(app) as sent:
        for _ in range(3):
            assert client.get("/tasks").status_code == 200
    assert len(sent) == 3
    assert len(login_cache(app)) == 0


def test_logout_is_at_once_even_for_a_copied_cookie(
    app: Flask, alice_client: Client, clock_of_cache: FakeClock
) -> None:
    assert alice_client.get("/tasks").status_code == 200  # remembered
    copy: Client = app.test_client()  # type: ignore[assignment]
    cookie = alice_client.get_cookie("session")
    assert cookie is not None
    copy.set_cookie("session", cookie.value)
    assert copy.get("/tasks").status_code == 200
    assert alice_client.log_out().status_code == 302
    assert copy.get("/tasks").status_code == 302  # to the login page


def test_a_password_change_ends_the_other_browsers_at_once(
    app: Flask, alice: User, alice_client: Client, log_in: Callable[[User], Client]
) -> None:
    phone = log_in(alice)
    assert phone.get("/tasks").status_code == 200  # remembered
    response = alice_client.change_password()
    assert response.status_code == 302
    assert phone.get("/tasks").status_code == 302
    assert alice_client.get("/tasks").status_code == 200


def test_a_new_name_shows_on_the_next_page(
    app: Flask, alice_client: Client, clock_of_cache: FakeClock
) -> None:
    assert alice_client.get("/settings").status_code == 200  # remembered
    response = alice_client.submit("/settings", {"name": "Alicia", "timezone": "Europe/Paris"})
    assert response.status_code in (200, 302)
    page = alice_client.get("/settings").get_data(as_text=True)
    assert 'value="Alicia"' in page
    assert "Europe/Paris" in page


def test_a_removed_member_loses_the_list_on_the_next_request(
    app: Flask,
    alice: User,
    bob: User,
    alice_client: Client,
    db_session: Session,
    log_in: Callable[[User], Client],
    clock_of_cache: FakeClock,
) -> None:
    work = make_list(db_session, alice, "Work")
    task = make_task(db_session, alice, "Shared task", task_list=work)
    share(db_session, work, bob)
    bob_client = log_in(bob)
    assert bob_client.get(f"/tasks?list={work.id}").status_code == 200
    assert bob_client.get(f"/tasks/{task.id}").status_code == 200

    response = alice_client.submit(f"/lists/{work.id}/members/{bob.id}/remove")
    assert response.status_code == 302
    with login_queries(app) as sent:
        assert bob_client.get(f"/tasks?list={work.id}").status_code == 404
        assert bob_client.get(f"/tasks/{task.id}").status_code == 404
        assert "Shared task" not in bob_client.get("/tasks").get_data(as_text=True)
    assert sent == []  # Bob's login was remembered all along; his lists were not


def test_a_session_ended_elsewhere_is_refused_once_the_time_is_up(
    app: Flask, alice: User, alice_client: Client, db_session: Session, clock_of_cache: FakeClock
) -> None:
    """What another process does (revoke this browser's session) is not seen here
    until the entry expires: at most LOGIN_CACHE_SECONDS."""
    assert alice_client.get("/tasks").status_code == 200
    db_session.execute(update(LoginSession).values(revoked_at=utcnow()))
    db_session.commit()
    clock_of_cache.now += 4.0
    assert alice_client.get("/tasks").status_code == 200
    clock_of_cache.now += 1.0
    assert alice_client.get("/tasks").status_code == 302
