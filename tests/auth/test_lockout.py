"""Someone who knows an e-mail address cannot lock its owner out: failed logins are
counted per account and client, a browser that logged in before keeps its own count, the
account-wide bound spares such browsers, and a mailed link lets one more browser in.
The policy: todo_web/auth/lockout.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture
from werkzeug.test import TestResponse

from todo_web.auth import lockout
from todo_web.models import User

from ..client import Client, text_of
from ..factories import make_user, outbox_rows

PASSWORD = "right password"
ATTACKER = "203.0.113.9"
HOME = "198.51.100.7"
ELSEWHERE = "192.0.2.44"
_UNLOCK_LINK = re.compile(r"http://127\.0\.0\.1:5000(/auth/unlock/[^\s\"<]+)")
_MESSAGE = re.compile(r"<article class=\"error-page\">.*?<p>(.*?)</p>", re.S)


@pytest.fixture
def lockout_app(make_app: Callable[..., Flask], clock: TimeMachineFixture) -> Flask:
    """3 failures a minute per account and client, 6 an hour per account; the clock stands
    still (see conftest)."""
    return make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN_PER_ACCOUNT_AND_CLIENT="3 per minute",
        RATELIMIT_LOGIN_PER_ACCOUNT="6 per hour",
        RATELIMIT_LOGIN_PER_ADDRESS="100 per minute",
    )


@pytest.fixture
def owner(db_session: Session) -> User:
    return make_user(db_session, "owner@example.com", password=PASSWORD)


def browser(app: Flask, address: str) -> Client:
    client: Client = app.test_client()  # type: ignore[assignment]
    client.environ_base["REMOTE_ADDR"] = address
    return client


def guess(client: Client, email: str = "owner@example.com", times: int = 1) -> list[int]:
    return [client.log_in(email, "wrong guess").status_code for _ in range(times)]


def unlock_links(session: Session) -> list[str]:
    rows = outbox_rows(session, kind="login_unlock")
    return [_UNLOCK_LINK.findall(row.payload["text"])[0] for row in rows]


def message_of(response: TestResponse) -> str:
    match = _MESSAGE.search(text_of(response))
    assert match, text_of(response)
    return match.group(1)


def test_the_owner_elsewhere_logs_in_while_the_attacker_is_throttled(
    lockout_app: Flask, owner: User
) -> None:
    # A daily limit is checked after the hourly account-wide one, so the account-wide one
    # is looked at on each refused attempt too (and must not be charged for it).
    lockout_app.config["RATELIMIT_LOGIN_PER_ACCOUNT_AND_CLIENT"] = "3 per day"
    attacker = browser(lockout_app, ATTACKER)
    assert guess(attacker, times=10) == [400] * 3 + [429] * 7
    assert attacker.log_in("owner@example.com", PASSWORD).status_code == 429
    # A new browser of the owner's, at another address: the attacker's refused attempts
    # did not count towards the account-wide bound either.
    assert browser(lockout_app, HOME).log_in("owner@example.com", PASSWORD).status_code == 302


def test_the_account_wide_bound_spares_the_browsers_the_owner_used_before(
    lockout_app: Flask, owner: User
) -> None:
    laptop = browser(lockout_app, HOME)
    assert laptop.log_in("owner@example.com", PASSWORD).status_code == 302
    assert laptop.log_out().status_code == 302
    for address in ("203.0.113.1", "203.0.113.2"):
        assert guess(browser(lockout_app, address), times=3) == [400] * 3
    # Six failures from everywhere: any browser new to the account waits...
    newcomer = browser(lockout_app, ELSEWHERE)
    assert newcomer.log_in("owner@example.com", PASSWORD).status_code == 429
    # ...but not the owner's laptop, wherever it is now.
    laptop.environ_base["REMOTE_ADDR"] = ELSEWHERE
    assert laptop.log_in("owner@example.com", PASSWORD).status_code == 302


def test_a_known_browser_still_has_a_count_of_its_own(lockout_app: Flask, owner: User) -> None:
    laptop = browser(lockout_app, HOME)
    assert laptop.log_in("owner@example.com", PASSWORD).status_code == 302
    laptop.log_out()
    assert guess(laptop, times=4) == [400, 400, 400, 429]
    # Someone else at the same address is not held back by the laptop's count.
    assert browser(lockout_app, HOME).log_in("owner@example.com", PASSWORD).status_code == 302


def test_a_forged_trust_cookie_counts_for_nothing(lockout_app: Flask, owner: User) -> None:
    forger = browser(lockout_app, ATTACKER)
    forger.set_cookie("login_trust", "e30.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb", path="/auth/")
    assert guess(forger, times=4) == [400, 400, 400, 429]
    forger.set_cookie("login_trust", "garbage", path="/auth/")
    assert guess(forger) == [429]


def test_the_429_page_says_what_happened_and_that_a_link_was_mailed(
    lockout_app: Flask, owner: User, db_session: Session
) -> None:
    attacker = browser(lockout_app, ATTACKER)
    guess(attacker, times=3)
    refused = attacker.log_in("owner@example.com", "wrong guess")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    message = message_of(refused)
    assert "Too many attempts with a wrong password for this e-mail address." in message
    assert "Try again in about a minute." in message
    assert "If an account uses this address, we have e-mailed it a link" in message
    [row] = outbox_rows(db_session, kind="login_unlock")
    assert row.recipient == "owner@example.com"
    assert row.payload["subject"] == "Too many failed logins to your todo-web account"

    htmx = attacker.submit(
        "/auth/login", {"email": "owner@example.com", "password": "x"}, htmx=True
    )
    assert htmx.status_code == 429 and htmx.headers["HX-Retarget"] == "#toasts"
    assert "we have e-mailed it a link" in text_of(htmx)


def test_at_most_one_unlock_mail_an_hour(
    lockout_app: Flask, owner: User, db_session: Session, clock: TimeMachineFixture
) -> None:
    attacker = browser(lockout_app, ATTACKER)
    guess(attacker, times=10)
    guess(browser(lockout_app, ELSEWHERE), times=5)
    assert len(unlock_links(db_session)) == 1
    clock.shift(timedelta(minutes=61))
    assert guess(attacker, times=4) == [400, 400, 400, 429]
    assert len(unlock_links(db_session)) == 2


def test_an_unknown_address_gets_the_same_answer(
    lockout_app: Flask, owner: User, db_session: Session
) -> None:
    answers = []
    for email in ("owner@example.com", "nobody@example.com"):
        attacker = browser(lockout_app, ATTACKER)
        assert guess(attacker, email, times=3) == [400] * 3
        refused = attacker.log_in(email, "wrong guess")
        answers.append((refused.status_code, refused.headers["Retry-After"], message_of(refused)))
    assert answers[0] == answers[1]
    assert [row.recipient for row in outbox_rows(db_session)] == ["owner@example.com"]


def throttled_at_home(app: Flask, *emails: str) -> Client:
    """The attacker shares the owner's address (one office, one carrier): the owner's new
    browser there is throttled too."""
    for email in emails:
        guess(browser(app, HOME), email, times=3)
    owner_browser = browser(app, HOME)
    for email in emails:
        assert owner_browser.log_in(email, PASSWORD).status_code == 429
    return owner_browser


def unlock(client: Client, path: str) -> tuple[TestResponse, TestResponse]:
    return client.get(path), client.submit(path, {})


def test_the_unlock_link_lets_that_browser_in_once(
    lockout_app: Flask, owner: User, db_session: Session
) -> None:
    owner_browser = throttled_at_home(lockout_app, "owner@example.com")
    [path] = unlock_links(db_session)
    page, used = unlock(owner_browser, path)
    assert page.status_code == 200 and "Let this browser log in" in text_of(page)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert used.status_code == 302 and used.location == "/auth/login"
    assert owner_browser.log_in("owner@example.com", PASSWORD).status_code == 302
    # Only that browser: another one at the address still waits.
    assert browser(lockout_app, HOME).log_in("owner@example.com", PASSWORD).status_code == 429
    # And only once.
    other = browser(lockout_app, HOME)
    page, used = unlock(other, path)
    assert page.status_code == 400 and "expired or has already been used" in text_of(page)
    assert used.status_code == 400
    assert other.log_in("owner@example.com", PASSWORD).status_code == 429


def test_opening_the_link_changes_nothing_until_the_button_is_pressed(
    lockout_app: Flask, owner: User, db_session: Session
) -> None:
    owner_browser = throttled_at_home(lockout_app, "owner@example.com")
    [path] = unlock_links(db_session)
    scanner = browser(lockout_app, ELSEWHERE)
    assert scanner.get(path).status_code == 200  # a mail scanner follows the link
    assert owner_browser.log_in("owner@example.com", PASSWORD).status_code == 429
    assert unlock(owner_browser, path)[1].status_code == 302
    assert owner_browser.log_in("owner@example.com", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("age", "works"), [(timedelta(minutes=59), True), (timedelta(minutes=61), False)]
)
def test_the_unlock_link_expires_after_an_hour(
    lockout_app: Flask,
    owner: User,
    db_session: Session,
    clock: TimeMachineFixture,
    age: timedelta,
    works: bool,
) -> None:
    lockout_app.config["RATELIMIT_LOGIN_PER_ACCOUNT_AND_CLIENT"] = "3 per day"
    owner_browser = throttled_at_home(lockout_app, "owner@example.com")
    [path] = unlock_links(db_session)
    clock.shift(age)
    page, used = unlock(owner_browser, path)
    assert (page.status_code, used.status_code) == ((200, 302) if works else (400, 400))
    expected = 302 if works else 429
    assert owner_browser.log_in("owner@example.com", PASSWORD).status_code == expected


def test_the_unlock_link_is_for_its_own_account_only(
    lockout_app: Flask, owner: User, db_session: Session
) -> None:
    make_user(db_session, "other@example.com", password=PASSWORD)
    owner_browser = throttled_at_home(lockout_app, "owner@example.com", "other@example.com")
    links = dict(zip(("owner", "other"), unlock_links(db_session), strict=True))
    assert unlock(owner_browser, links["owner"])[1].status_code == 302
    assert owner_browser.log_in("other@example.com", PASSWORD).status_code == 429
    assert owner_browser.log_in("owner@example.com", PASSWORD).status_code == 302
    # A token is signed for one user: another's payload under its signature is refused.
    owner_payload = links["owner"].rsplit("/", 1)[1].partition(".")[0]
    other_rest = links["other"].rsplit("/", 1)[1].partition(".")[2]
    forged = f"/auth/unlock/{owner_payload}.{other_rest}"
    assert browser(lockout_app, HOME).get(forged).status_code == 400


def test_a_failed_mail_write_leaves_the_429_and_the_throttle_as_they_are(
    lockout_app: Flask,
    owner: User,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def database_down(*args: object) -> bool:
        raise OperationalError("INSERT INTO outbox ...", {}, Exception("connection lost"))

    monkeypatch.setattr(lockout, "mail_account_holder", database_down)
    attacker = browser(lockout_app, ATTACKER)
    assert guess(attacker, times=5) == [400, 400, 400, 429, 429]
    assert "we have e-mailed it a link" in message_of(attacker.log_in("owner@example.com", "x"))
    assert "could not queue the unlock mail" in caplog.text
    # The throttle kept its store: it did not take the failure for its own.
    assert "falling back to in-memory storage" not in caplog.text
    assert outbox_rows(db_session) == []


def test_the_browser_that_registered_is_known_for_the_account(lockout_app: Flask) -> None:
    laptop = browser(lockout_app, HOME)
    assert laptop.register("new@example.com", password=PASSWORD).status_code == 302
    laptop.csrf_token = None
    assert laptop.log_out().status_code == 302
    for address in ("203.0.113.1", "203.0.113.2"):
        guess(browser(lockout_app, address), "new@example.com", times=3)
    assert browser(lockout_app, ELSEWHERE).log_in("new@example.com", PASSWORD).status_code == 429
    assert laptop.log_in("new@example.com", PASSWORD).status_code == 302
