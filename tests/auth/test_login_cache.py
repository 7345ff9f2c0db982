"""The login lookup remembered per process for LOGIN_CACHE_SECONDS
(todo_web/auth/login_cache.py): a round trip saved per request, and nothing it must not
remember: logout, a password change or a new name take effect on the next request, and a
member removed from a list loses it at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, update
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.auth import login_cache as login_cache_module
from todo_web.auth.login_cache import LoginCache, login_cache
from todo_web.db import get_database, utcnow
from todo_web.models import LoginSession, Task, User
from todo_web.passwords import check_password

from ..client import Client
from ..factories import count_rows, make_list, make_task, share, user_by_email

#: The login lookup's statement: users joined to login_sessions.
LOGIN_QUERY = "JOIN login_sessions"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock_of_cache(app: Flask) -> Iterator[FakeClock]:
    """The cache's clock, stopped; the cache emptied of earlier tests' logins (the run's
    app is shared)."""
    cache = login_cache(app)
    cache.clear()
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


def timezone_shown(page: str) -> str:
    match = re.search(r'<input[^>]*name="timezone"[^>]*value="([^"]*)"', page)
    assert match is not None
    return match.group(1)


def test_a_new_name_and_time_zone_show_on_the_next_page(
    app: Flask, alice_client: Client, clock_of_cache: FakeClock
) -> None:
    assert alice_client.get("/settings").status_code == 200  # remembered
    with login_queries(app) as sent:
        response = alice_client.submit("/settings", {"name": "Alicia", "timezone": "Europe/Paris"})
    assert response.status_code == 302
    assert sent == []  # the change was made on the remembered login
    with login_queries(app) as sent:
        page = alice_client.get("/settings").get_data(as_text=True)
    assert len(sent) == 1  # the change forgot the login
    assert 'value="Alicia"' in page
    assert timezone_shown(page) == "Europe/Paris"


def test_mail_settings_are_saved_on_a_remembered_login(
    app: Flask, alice_client: Client, db_session: Session, clock_of_cache: FakeClock
) -> None:
    assert alice_client.get("/settings").status_code == 200  # remembered
    with login_queries(app) as sent:
        response = alice_client.submit("/settings/notifications", {"notify_task_changes": "y"})
    assert response.status_code == 302 and sent == []
    stored = user_by_email(db_session)
    assert (stored.notify_task_changes, stored.notify_daily_digest) == (True, False)
    page = alice_client.get("/settings").get_data(as_text=True)
    [field] = re.findall(r'<input[^>]*name="notify_task_changes"[^>]*>', page)
    assert "checked" in field


def test_a_password_change_ends_the_other_browsers_at_once(
    app: Flask,
    alice: User,
    alice_client: Client,
    db_session: Session,
    log_in: Callable[[User], Client],
    clock_of_cache: FakeClock,
) -> None:
    phone = log_in(alice)
    assert phone.get("/tasks").status_code == 200
    assert alice_client.get("/tasks").status_code == 200
    with login_queries(app) as sent:
        assert phone.get("/tasks").status_code == 200
        response = alice_client.change_password("new secret 1")
    assert sent == []  # both remembered, the change made on a remembered login
    assert response.status_code == 302
    assert phone.get("/tasks").status_code == 302
    assert alice_client.get("/tasks").status_code == 200  # logged in again
    assert check_password("new secret 1", user_by_email(db_session).password_hash)


def test_deleting_the_account_on_a_remembered_login(
    app: Flask, alice: User, alice_client: Client, db_session: Session, clock_of_cache: FakeClock
) -> None:
    make_task(db_session, alice, "Mine")
    assert alice_client.get("/tasks").status_code == 200  # remembered
    copy: Client = app.test_client()  # type: ignore[assignment]
    cookie = alice_client.get_cookie("session")
    assert cookie is not None
    copy.set_cookie("session", cookie.value)
    with login_queries(app) as sent:
        response = alice_client.submit("/settings/delete", {"password": "correct horse"})
    assert sent == []
    assert response.status_code == 302 and response.location == "/auth/login"
    assert count_rows(db_session, User) == 0
    assert count_rows(db_session, Task) == 0
    assert copy.get("/tasks").status_code == 302
    assert len(login_cache(app)) == 0


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


def test_the_last_seen_time_is_remembered_with_the_login(
    app: Flask,
    clock: TimeMachineFixture,
    alice_client: Client,
    clock_of_cache: FakeClock,
) -> None:
    """The idle lifetime is checked on the remembered values: recording that the session
    was used must reach them, or a session in use would look idle."""
    app.config["SESSION_IDLE_MINUTES"] = 30
    assert alice_client.get("/tasks").status_code == 200  # remembered, last seen now
    clock.shift(timedelta(minutes=29))
    with login_queries(app) as sent:
        assert alice_client.get("/tasks").status_code == 200  # recorded as used again
        clock.shift(timedelta(minutes=2))  # 31 minutes after the login
        assert alice_client.get("/tasks").status_code == 200
    assert sent == []
    clock.shift(timedelta(minutes=31))
    assert alice_client.get("/tasks").status_code == 302  # idle, remembered or not


def test_rows_read_before_a_change_committed_elsewhere_are_not_kept(
    app: Flask,
    alice: User,
    alice_client: Client,
    monkeypatch: pytest.MonkeyPatch,
    clock_of_cache: FakeClock,
) -> None:
    """Another request's password change commits, and forgets the login, between this
    request's read of the rows and its putting them away: they must not be kept."""
    cache = login_cache(app)
    cache.forget_users({alice.id})
    put = cache.put

    def change_committed_meanwhile(*args: object) -> None:
        monkeypatch.setattr(cache, "put", put)
        with get_database(app).engine.begin() as connection:
            connection.execute(
                update(User).where(User.id == alice.id).values(session_token="changed")
            )
        cache.forget_users({alice.id})
        put(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "put", change_committed_meanwhile)
    assert alice_client.get("/tasks").status_code == 200  # read before the change
    assert len(cache) == 0
    assert alice_client.get("/tasks").status_code == 302


def test_at_most_so_many_logins_the_oldest_go_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(login_cache_module, "MAX_ENTRIES", 3)
    cache = LoginCache(5, clock=FakeClock())
    for user_id in range(1, 6):
        cache.put(User(id=user_id), LoginSession(id=f"s{user_id}"), cache.ticket())
    assert len(cache) == 3
    assert [key for key in cache._entries] == [(3, "s3"), (4, "s4"), (5, "s5")]
