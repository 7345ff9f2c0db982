"""The settings page in Chromium: the browser's time zone is offered while the account is
on UTC (static/settings.js)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from ..accounts import PASSWORD, add_user, user_by_email

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page_in_berlin(base_url: str):  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(timezone_id="Europe/Berlin", base_url=base_url)
        page = context.new_page()
        yield page
        browser.close()


def log_in(page, email: str = "alice@example.com") -> None:  # type: ignore[no-untyped-def]
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/tasks")


def test_browser_zone_is_suggested_and_saved(page_in_berlin, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    page = page_in_berlin
    add_user(db_session)
    db_session.commit()
    log_in(page)
    page.goto("/settings")
    assert page.input_value("#timezone") == "Europe/Berlin"
    assert "Filled in from this device: Europe/Berlin" in page.inner_text("#timezone-hint")
    assert user_by_email(db_session, "alice@example.com").timezone == "UTC"  # not saved yet
    page.click("#settings-profile button[type=submit]")
    page.wait_for_selector("#settings-profile .form-success")
    assert user_by_email(db_session, "alice@example.com").timezone == "Europe/Berlin"


def test_keep_utc_undoes_the_suggestion(page_in_berlin, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    page = page_in_berlin
    add_user(db_session)
    db_session.commit()
    log_in(page)
    page.goto("/settings")
    page.click("#timezone-hint button")
    assert page.input_value("#timezone") == "UTC"
    assert page.is_hidden("#timezone-hint")


def test_a_chosen_zone_is_left_alone(page_in_berlin, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    page = page_in_berlin
    add_user(db_session, timezone="Asia/Tokyo")
    db_session.commit()
    log_in(page)
    page.goto("/settings")
    assert page.input_value("#timezone") == "Asia/Tokyo"
    assert page.is_hidden("#timezone-hint")
