"""The settings page in Chromium: the browser's time zone is offered while the account is
on UTC (static/settings.js)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..factories import make_user, user_by_email
from .support import log_in


def open_in_berlin(pages: Any) -> Any:
    page = pages.open("desktop", timezone_id="Europe/Berlin")
    log_in(page)
    page.goto("/settings")
    return page


def test_browser_zone_is_suggested_and_saved(pages: Any, db_session: Session) -> None:
    make_user(db_session)
    page = open_in_berlin(pages)
    assert page.input_value("#timezone") == "Europe/Berlin"
    assert "Filled in from this device: Europe/Berlin" in page.inner_text("#timezone-hint")
    assert user_by_email(db_session, "alice@example.com").timezone == "UTC"  # not saved yet
    page.click("#settings-profile button[type=submit]")
    page.wait_for_selector("#settings-profile .form-success")
    assert user_by_email(db_session, "alice@example.com").timezone == "Europe/Berlin"


def test_keep_utc_undoes_the_suggestion(pages: Any, db_session: Session) -> None:
    make_user(db_session)
    page = open_in_berlin(pages)
    page.click("#timezone-hint button")
    assert page.input_value("#timezone") == "UTC"
    assert page.is_hidden("#timezone-hint")


def test_a_chosen_zone_is_left_alone(pages: Any, db_session: Session) -> None:
    make_user(db_session, timezone="Asia/Tokyo")
    page = open_in_berlin(pages)
    assert page.input_value("#timezone") == "Asia/Tokyo"
    assert page.is_hidden("#timezone-hint")
