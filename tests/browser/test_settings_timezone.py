"""The settings page's time zone field in Chromium: the browser's zone is offered while the
account is on UTC, and typing searches the zones (static/settings.js); without JavaScript a
typed name is understood by the server."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from ..factories import make_user, user_by_email
from . import axe
from .support import PHONE_WIDTH, log_in

ALICE = "alice@example.com"


def open_in_berlin(pages: Any) -> Any:
    page = pages.open("desktop", timezone_id="Europe/Berlin")
    log_in(page)
    page.goto("/settings")
    return page


def open_settings(pages: Any, device: str = "desktop", **options: Any) -> Any:
    """Settings of a user already on Asia/Tokyo (so nothing is suggested)."""
    page = pages.open(device, timezone_id="Asia/Tokyo", **options)
    log_in(page)
    page.goto("/settings")
    return page


def test_browser_zone_is_suggested_and_saved(pages: Any, db_session: Session) -> None:
    make_user(db_session)
    page = open_in_berlin(pages)
    assert page.input_value("#timezone") == "Europe/Berlin"
    assert "Filled in from this device: Europe/Berlin" in page.inner_text("#timezone-hint")
    assert user_by_email(db_session, ALICE).timezone == "UTC"  # not saved yet
    page.click("#settings-profile button[type=submit]")
    page.wait_for_selector("#settings-profile .form-success")
    assert user_by_email(db_session, ALICE).timezone == "Europe/Berlin"


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


def test_typing_berl_offers_europe_berlin(pages: Any, db_session: Session, device: str) -> None:
    """At 1280x800 with the mouse and at 390x844 with a finger; then saved, and the field
    searches again in the section htmx brings back."""
    make_user(db_session, timezone="Asia/Tokyo")
    page = open_settings(pages, device)
    field = page.get_by_role("combobox", name="Time zone")
    listbox = page.get_by_role("listbox", name="Time zones")
    expect(listbox).to_be_hidden()

    field.fill("")
    field.press_sequentially("berl")
    expect(listbox).to_be_visible()
    expect(field).to_have_attribute("aria-expanded", "true")
    berlin = listbox.get_by_role("option", name="Europe/Berlin")
    expect(listbox.get_by_role("option").first).to_have_text("Europe/Berlin")
    box = berlin.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb's worth
    if device == "phone":
        assert box["x"] + box["width"] <= PHONE_WIDTH
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
        berlin.tap()
    else:
        berlin.click()
    expect(field).to_have_value("Europe/Berlin")
    expect(listbox).to_be_hidden()
    expect(field).to_have_attribute("aria-expanded", "false")
    expect(field).to_be_focused()

    page.click("#settings-profile button[type=submit]")
    expect(page.locator("#settings-profile .form-success")).to_be_visible()
    assert user_by_email(db_session, ALICE).timezone == "Europe/Berlin"

    field = page.get_by_role("combobox", name="Time zone")  # the new section's
    field.fill("")
    field.press_sequentially("york")
    new_york = page.get_by_role("listbox", name="Time zones").get_by_role(
        "option", name="America/New York"
    )
    expect(new_york).to_be_visible()


def test_the_list_is_used_with_the_keyboard(pages: Any, db_session: Session) -> None:
    make_user(db_session, timezone="Asia/Tokyo")
    page = open_settings(pages)
    field = page.get_by_role("combobox", name="Time zone")
    listbox = page.get_by_role("listbox", name="Time zones")
    field.fill("")
    field.press_sequentially("new y")
    expect(listbox).to_be_visible()
    field.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")
    field.press("Enter")  # picks; does not submit yet
    expect(field).to_have_value("America/New_York")
    expect(listbox).to_be_hidden()
    assert user_by_email(db_session, ALICE).timezone == "Asia/Tokyo"

    field.press("Backspace")
    expect(listbox).to_be_visible()
    field.press("Escape")  # closes the list, stays in the field
    expect(listbox).to_be_hidden()
    expect(field).to_be_focused()
    field.press("k")  # the list opens again, with nothing in it chosen,
    field.press("Enter")  # so Enter submits the form
    expect(page.locator("#settings-profile .form-success")).to_be_visible()
    assert user_by_email(db_session, ALICE).timezone == "America/New_York"


def test_an_unknown_zone_is_refused_in_place(pages: Any, db_session: Session) -> None:
    make_user(db_session, timezone="Asia/Tokyo")
    page = open_settings(pages)
    page.fill("#timezone", "Atlantis")
    page.click("#settings-profile button[type=submit]")
    expect(page.locator("#timezone-error")).to_have_text(
        "Unknown time zone “Atlantis”. Choose one from the list, e.g. Europe/Berlin or "
        "America/New_York."
    )
    expect(page.get_by_role("combobox", name="Time zone")).to_have_attribute("aria-invalid", "true")
    assert user_by_email(db_session, ALICE).timezone == "Asia/Tokyo"


def test_without_javascript_a_typed_city_is_saved(pages: Any, db_session: Session) -> None:
    make_user(db_session, timezone="Asia/Tokyo")
    page = open_settings(pages, java_script_enabled=False)
    # The browser's own suggestions come from the datalist (not scriptable here).
    assert page.get_attribute("#timezone", "list") == "timezone-options"
    assert page.locator("#timezone-options option[value='Europe/Berlin']").count() == 1
    page.fill("#timezone", "berlin")
    page.click("#settings-profile button[type=submit]")
    page.wait_for_url("**/settings#settings-profile")
    assert page.input_value("#timezone") == "Europe/Berlin"
    assert user_by_email(db_session, ALICE).timezone == "Europe/Berlin"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_open_list_passes_axe(pages: Any, db_session: Session, theme: str) -> None:
    make_user(db_session, timezone="Asia/Tokyo")
    page = open_settings(pages, color_scheme=theme)
    field = page.get_by_role("combobox", name="Time zone")
    field.fill("")
    field.press_sequentially("eu")
    field.press("ArrowDown")
    expect(page.get_by_role("listbox", name="Time zones")).to_be_visible()
    problems = axe.blocking(axe.violations(page))
    assert not problems, axe.describe(problems)
