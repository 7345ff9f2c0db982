"""`/settings`: profile and time zone, notifications, password change, deleting the account."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from todo_web.models import Outbox, Tag, Task, User, task_tags
from todo_web.passwords import check_password

from ..client import Client
from ..factories import ALICE as EMAIL
from ..factories import count_rows, make_task, make_user, user_by_email


def stored_alice(session: Session) -> User:
    """Alice as the database holds her now."""
    return user_by_email(session, EMAIL)


def test_settings_need_a_login(client: Client) -> None:
    response = client.get("/settings")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_the_page_has_every_form(alice_client: Client) -> None:
    page = alice_client.get("/settings").get_data(as_text=True)
    for field in (
        "name",
        "timezone",
        "notify_task_changes",
        "notify_daily_digest",
        "current_password",
        "confirm",
    ):
        assert f'name="{field}"' in page
    assert page.count('name="password"') == 2
    assert 'id="password"' in page and 'id="delete-password"' in page
    assert re.search(r'<input[^>]*name="timezone"[^>]*value="UTC"', page)
    assert 'value="Europe/Berlin"' in page
    assert "/static/settings.js" in page
    assert "<script>" not in page  # no inline script: the CSP forbids it
    assert 'href="/settings"' in page  # the nav link
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate ids on the page"


def test_profile_saves_name_and_time_zone(alice_client: Client, db_session: Session) -> None:
    response = alice_client.submit(
        "/settings", {"name": " Alice Smith ", "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 302 and response.location.startswith("/settings")
    user = stored_alice(db_session)
    assert (user.name, user.timezone) == ("Alice Smith", "Europe/Berlin")
    page = alice_client.get("/settings").get_data(as_text=True)
    assert "Your profile has been saved." in page
    assert re.search(r'<input[^>]*name="timezone"[^>]*value="Europe/Berlin"', page)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Alice B", "timezone": "Mars/Olympus_Mons"}, "Unknown time zone"),
        ({"name": "Alice B", "timezone": ""}, "Choose a time zone"),
        ({"name": "Alice B", "timezone": "posix/Europe/Berlin"}, "Unknown time zone"),
        ({"name": "   ", "timezone": "Europe/Berlin"}, "This field is required"),
        ({"name": "x" * 101, "timezone": "Europe/Berlin"}, "100 characters"),
    ],
)
def test_bad_profile_is_400_and_changes_nothing(
    alice_client: Client, db_session: Session, data: dict, message: str
) -> None:
    response = alice_client.submit("/settings", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    user = stored_alice(db_session)
    assert (user.name, user.timezone) == ("Alice", "UTC")


def test_profile_over_htmx_answers_with_its_section(
    alice_client: Client, db_session: Session
) -> None:
    ok = alice_client.submit("/settings", {"name": "Al", "timezone": "Asia/Tokyo"}, htmx=True)
    body = ok.get_data(as_text=True)
    assert ok.status_code == 200
    assert body.lstrip().startswith('<section id="settings-profile"') and "<html" not in body
    assert "Your profile has been saved." in body
    bad = alice_client.submit("/settings", {"name": "Al", "timezone": "Nowhere"}, htmx=True)
    assert bad.status_code == 400 and "Unknown time zone" in bad.get_data(as_text=True)
    assert stored_alice(db_session).timezone == "Asia/Tokyo"


def test_notifications(alice_client: Client, db_session: Session) -> None:
    user = stored_alice(db_session)
    assert (user.notify_task_changes, user.notify_daily_digest) == (False, True)
    response = alice_client.submit("/settings/notifications", {"notify_task_changes": "y"})
    assert response.status_code == 302
    user = stored_alice(db_session)
    assert (user.notify_task_changes, user.notify_daily_digest) == (True, False)
    page = alice_client.get("/settings").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*name="notify_task_changes"', page) or re.search(
        r'<input[^>]*name="notify_task_changes"[^>]*checked', page
    )
    alice_client.submit("/settings/notifications", {"notify_daily_digest": "y"})
    user = stored_alice(db_session)
    assert (user.notify_task_changes, user.notify_daily_digest) == (False, True)


def test_change_password_ends_other_sessions(
    alice: User, alice_client: Client, db_session: Session, log_in: Callable[[User], Client]
) -> None:
    phone = log_in(alice)
    assert phone.get("/settings").status_code == 200

    response = alice_client.change_password()
    assert response.status_code == 302
    assert alice_client.get("/settings").status_code == 200  # still logged in here
    assert phone.get("/settings").status_code == 302  # logged out there
    assert check_password("new secret 1", stored_alice(db_session).password_hash)


def test_change_password_keeps_a_remembered_browser_remembered(
    alice: User, app: Flask, client: Client
) -> None:
    assert client.log_in(EMAIL, remember="y").status_code == 302
    old_cookie = client.get_cookie("remember_token")
    assert old_cookie is not None
    client.change_password()
    new_cookie = client.get_cookie("remember_token")
    assert new_cookie is not None and new_cookie.value != old_cookie.value
    # The new remember-me cookie alone logs this browser in.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", new_cookie.value)
    assert fresh.get("/settings").status_code == 200
    stale = app.test_client()
    stale.set_cookie("remember_token", old_cookie.value)
    assert stale.get("/settings").status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "current_password": "wrong one",
                "password": "new secret 1",
                "confirm": "new secret 1",
            },
            "not your current password",
        ),
        (
            {"current_password": "correct horse", "password": "short", "confirm": "short"},
            "between 8 and 1000",
        ),
        (
            {"current_password": "correct horse", "password": "new secret 1", "confirm": "other"},
            "do not match",
        ),
    ],
)
def test_bad_password_change_changes_nothing(
    alice: User,
    alice_client: Client,
    db_session: Session,
    log_in: Callable[[User], Client],
    data: dict,
    message: str,
) -> None:
    phone = log_in(alice)
    before = stored_alice(db_session)
    hash_before, token_before = before.password_hash, before.session_token
    response = alice_client.submit("/settings/password", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    after = stored_alice(db_session)
    assert (after.password_hash, after.session_token) == (hash_before, token_before)
    assert phone.get("/settings").status_code == 200


def test_delete_account_removes_everything(
    app: Flask, alice_client: Client, db_session: Session
) -> None:
    user = stored_alice(db_session)
    user_id = user.id
    make_task(db_session, user, "Mine", tags=["home"])
    db_session.add(Outbox(kind="test", recipient=EMAIL, user_id=user.id, payload={}))
    bob = make_user(db_session, "bob@example.com", name="Bob")
    make_task(db_session, bob, "Bob's", tags=["work"])

    wrong = alice_client.submit("/settings/delete", {"password": "not it"})
    assert wrong.status_code == 400 and "not your password" in wrong.get_data(as_text=True)
    assert count_rows(db_session, User) == 2

    response = alice_client.submit("/settings/delete", {"password": "correct horse"})
    assert response.status_code == 302 and response.location == "/auth/login"
    db_session.expire_all()
    assert db_session.scalar(select(User).where(User.email == EMAIL)) is None
    owned = {
        "tasks": db_session.scalar(
            select(func.count()).select_from(Task).where(Task.user_id == user_id)
        ),
        "tags": db_session.scalar(
            select(func.count()).select_from(Tag).where(Tag.user_id == user_id)
        ),
        "outbox": count_rows(db_session, Outbox),
    }
    assert owned == {"tasks": 0, "tags": 0, "outbox": 0}
    assert db_session.scalar(select(func.count()).select_from(task_tags)) == 1  # Bob's only
    assert count_rows(db_session, Task) == 1 and count_rows(db_session, Tag) == 1
    # Logged out, and the account cannot log in again.
    assert alice_client.get("/settings").status_code == 302
    stranger: Client = app.test_client()  # type: ignore[assignment]
    assert stranger.log_in(EMAIL, "correct horse").status_code == 400


def test_delete_over_htmx_redirects_the_page(alice_client: Client, db_session: Session) -> None:
    response = alice_client.submit("/settings/delete", {"password": "correct horse"}, htmx=True)
    assert response.headers["HX-Redirect"] == "/auth/login"
    assert count_rows(db_session, User) == 0


def test_forms_need_the_csrf_token(alice_client: Client, db_session: Session) -> None:
    response = alice_client.post("/settings/delete", data={"password": "correct horse"})
    assert response.status_code == 400
    assert count_rows(db_session, User) == 1


def test_settings_script_suggests_the_browser_zone(client: Client) -> None:
    script = client.get("/static/settings.js").get_data(as_text=True)
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in script
    assert "data-browser-timezone" in script
