"""The settings page's sections: their headings and links, one form each with the contract's
field names, deleting the account set apart, and the searchable time zone field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from sqlalchemy.orm import Session

from todo_web.settings.zones import zone_names

from ..client import Client, text_of
from ..factories import ALICE, user_by_email

#: Section ids in page order, with the form each holds: where it posts and its fields.
SECTIONS = {
    "settings-profile": ("/settings", {"csrf_token", "name", "timezone"}),
    "settings-notifications": (
        "/settings/notifications",
        {"csrf_token", "notify_task_changes", "notify_daily_digest"},
    ),
    "settings-password": (
        "/settings/password",
        {"csrf_token", "current_password", "password", "confirm"},
    ),
    "settings-data": ("/settings/import", {"csrf_token", "file", "dry_run"}),
    "settings-calendar": ("/settings/calendar/rotate", {"csrf_token"}),
    "settings-delete": ("/settings/delete", {"csrf_token", "password"}),
}


@dataclass
class Section:
    classes: set[str]
    headings: list[str] = field(default_factory=list)
    forms: list[tuple[str, str, set[str]]] = field(default_factory=list)  # method, action
    details_open: list[bool] = field(default_factory=list)


class SettingsReader(HTMLParser):
    """The page's sections (by id), the section links, and what each section holds."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, Section] = {}
        self.nav_links: list[str] = []
        self._section: Section | None = None
        self._in_nav = False
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and (found.get("id") or "").startswith("settings-"):
            classes = set((found.get("class") or "").split())
            self._section = self.sections[found["id"] or ""] = Section(classes)
        elif tag == "nav" and "settings-nav" in (found.get("class") or ""):
            self._in_nav = True
        elif tag == "a" and self._in_nav:
            self.nav_links.append(found.get("href") or "")
        elif self._section is None:
            return
        elif tag == "h2":
            self._heading = []
        elif tag == "form":
            method = (found.get("method") or "get").lower()
            self._section.forms.append((method, found.get("action") or "", set()))
        elif tag in ("input", "select", "textarea", "button") and found.get("name"):
            self._section.forms[-1][2].add(found["name"] or "")
        elif tag == "details":
            self._section.details_open.append("open" in found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = None
        elif tag == "nav":
            self._in_nav = False
        elif tag == "h2" and self._section is not None and self._heading is not None:
            self._section.headings.append("".join(self._heading).strip())
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)


def read(html: str) -> SettingsReader:
    reader = SettingsReader()
    reader.feed(html)
    return reader


def input_tag(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert found, f"no input named {name}"
    return found.group(0)


def test_each_section_has_a_heading_and_a_link(alice_client: Client) -> None:
    page = read(text_of(alice_client.get("/settings")))
    assert list(page.sections) == list(SECTIONS)
    # Notifications on this device (templates/settings/_push.html) has no form of its own.
    links = [f"#{section}" for section in SECTIONS]
    assert page.nav_links == [*links[:2], "#push", *links[2:]]
    headings = [section.headings for section in page.sections.values()]
    assert headings == [
        ["Profile"],
        ["Notifications"],
        ["Password"],
        ["Your data"],
        ["Calendar feed"],
        ["Delete account"],
    ]


def test_each_section_has_its_own_form_with_the_contract_names(alice_client: Client) -> None:
    page = read(text_of(alice_client.get("/settings")))
    for section_id, (action, names) in SECTIONS.items():
        forms = page.sections[section_id].forms
        assert len(forms) == 1, section_id
        method, form_action, fields = forms[0]
        assert (method, form_action) == ("post", action), section_id
        assert names <= fields, (section_id, fields)


def test_deleting_the_account_is_set_apart_behind_a_disclosure(alice_client: Client) -> None:
    html = text_of(alice_client.get("/settings"))
    delete = read(html).sections["settings-delete"]
    assert "danger-zone" in delete.classes
    assert delete.details_open == [False]  # opened on purpose
    assert 'class="danger-button"' in html

    wrong = alice_client.submit("/settings/delete", {"password": "not it"})
    assert wrong.status_code == 400
    # The form with its error shows without another click, on the page and over htmx.
    assert read(text_of(wrong)).sections["settings-delete"].details_open == [True]
    fragment = alice_client.submit("/settings/delete", {"password": "not it"}, htmx=True)
    assert fragment.status_code == 400
    assert read(text_of(fragment)).sections["settings-delete"].details_open == [True]


def test_time_zone_is_a_text_field_suggesting_every_zone(alice_client: Client) -> None:
    html = text_of(alice_client.get("/settings"))
    field = input_tag(html, "timezone")
    assert 'list="timezone-options"' in field and 'value="UTC"' in field
    assert 'type="text"' in field and "data-browser-timezone" in field
    datalist = re.search(r'<datalist id="timezone-options">(.*?)</datalist>', html, re.S)
    assert datalist is not None
    offered = re.findall(r'<option value="([^"]+)">', datalist.group(1))
    assert offered == sorted(zone_names())
    assert "Europe/Berlin" in offered


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("america/new york", "America/New_York"),
        ("New York", "America/New_York"),
        (" Asia/Kolkata ", "Asia/Kolkata"),
    ],
)
def test_a_zone_typed_without_the_list_is_understood(
    alice_client: Client, db_session: Session, typed: str, saved: str
) -> None:
    response = alice_client.submit("/settings", {"name": "Alice", "timezone": typed})
    assert response.status_code == 302
    assert user_by_email(db_session, ALICE).timezone == saved


@pytest.mark.parametrize(
    "typed",
    [
        "Mars/Olympus_Mons",
        "Berl",  # part of a name: the list offers it, the form does not guess
        "Indianapolis",  # America/Indianapolis or America/Indiana/Indianapolis
        "posix/Europe/Berlin",
        "Europe/Berlin/Mitte",
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_an_unknown_zone_is_400_with_a_message_and_changes_nothing(
    alice_client: Client, db_session: Session, typed: str, htmx: bool
) -> None:
    response = alice_client.submit(
        "/settings", {"name": "Someone Else", "timezone": typed}, htmx=htmx
    )
    assert response.status_code == 400
    html = text_of(response)
    assert f"Unknown time zone “{typed}”" in html
    field = input_tag(html, "timezone")
    assert 'aria-invalid="true"' in field and 'aria-describedby="timezone-error"' in field
    assert 'id="timezone-error"' in html
    if htmx:
        assert html.lstrip().startswith('<section id="settings-profile"')
    user = user_by_email(db_session, ALICE)
    assert (user.name, user.timezone) == ("Alice", "UTC")
