"""POST /tasks/quick (field `text`) and GET /tasks/quick/preview: one line becomes a task with
its date, time, repeat, tags and priority, all read in the user's own time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.models import Priority, Reminder, Tag, Task, TaskStatus, User

from ..client import Client, task_ids
from ..factories import all_tasks, count_rows, set_timezone

# 2026-11-20 12:00 UTC is Saturday 02:00 on Kiritimati (UTC+14) and Friday 01:00 in
# Pago Pago (UTC-11): "today" differs from UTC's in both directions.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EMPTY_MESSAGE = "Type a task to add"
NO_TITLE_MESSAGE = "Give the task a title"


def quick(client: Client, text: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return client.submit("/tasks/quick", {"text": text}, **kwargs)  # type: ignore[arg-type]


def only_task(db_session: Session) -> Task:
    (created,) = all_tasks(db_session)
    return created


@pytest.mark.parametrize(
    ("zone", "today"),
    [
        ("Pacific/Kiritimati", date(2026, 11, 21)),
        ("Pacific/Pago_Pago", date(2026, 11, 20)),
        ("UTC", date(2026, 11, 20)),
    ],
)
@pytest.mark.parametrize(
    ("text", "offset", "due_time"),
    [
        ("Call mom today", 0, None),
        ("Call mom tomorrow", 1, None),
        ("Call mom tomorrow 5pm", 1, time(17, 0)),
        ("Call mom at 9", 0, time(9, 0)),  # a time alone means today
        ("Call mom in 3 days", 3, None),
        ("Call mom 14:30 tmrw", 1, time(14, 30)),  # a user's report: was today, "tmrw" kept
        ("Call mom tonight", 0, time(20, 0)),
        ("Call mom at noon", 0, time(12, 0)),
        ("Call mom yesterday", -1, None),
    ],
)
def test_relative_dates_are_the_users_dates(
    clock: TimeMachineFixture,
    alice: User,
    alice_client: Client,
    db_session: Session,
    zone: str,
    today: date,
    text: str,
    offset: int,
    due_time: time | None,
) -> None:
    clock.move_to(NOW, tick=False)
    set_timezone(db_session, alice, zone)
    assert quick(alice_client, text).status_code == 302
    created = only_task(db_session)
    assert created.title == "Call mom"
    assert (created.due_date, created.due_time) == (today + timedelta(days=offset), due_time)


def test_today_is_the_users_today_on_the_real_clock(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    """Without a frozen clock: the expected date is computed the same way, in the zone."""
    zone = "Pacific/Kiritimati"
    set_timezone(db_session, alice, zone)
    before = datetime.now(ZoneInfo(zone)).date()
    quick(alice_client, "Stretch tomorrow")
    after = datetime.now(ZoneInfo(zone)).date()
    assert only_task(db_session).due_date in {
        before + timedelta(days=1),
        after + timedelta(days=1),
    }


def test_everything_at_once(
    clock: TimeMachineFixture, alice: User, alice_client: Client, db_session: Session
) -> None:
    clock.move_to(NOW, tick=False)
    set_timezone(db_session, alice, "Pacific/Kiritimati")  # Saturday 2026-11-21 there
    quick(alice_client, "Pay rent every month on the 1st #bills #Home !high")
    created = only_task(db_session)
    assert created.title == "Pay rent"
    assert created.recurrence == "FREQ=MONTHLY;BYMONTHDAY=1"
    assert created.due_date == date(2026, 12, 1)
    assert created.priority == Priority.HIGH
    assert sorted(t.name for t in created.tags) == ["Home", "bills"]
    assert created.status == TaskStatus.PENDING


def test_a_repeat_starts_on_its_first_date_in_the_users_week(
    clock: TimeMachineFixture, alice: User, alice_client: Client, db_session: Session
) -> None:
    """Friday in UTC, already Saturday on Kiritimati: "every saturday" starts today there."""
    clock.move_to(NOW, tick=False)
    set_timezone(db_session, alice, "Pacific/Kiritimati")
    quick(alice_client, "Market every saturday at 8am !low")
    created = only_task(db_session)
    assert created.recurrence == "FREQ=WEEKLY;BYDAY=SA"
    assert (created.due_date, created.due_time) == (date(2026, 11, 21), time(8, 0))
    assert created.priority == Priority.LOW


def test_quick_add_reuses_existing_tags_whatever_their_case(
    alice_client: Client, db_session: Session
) -> None:
    quick(alice_client, "One #Work")
    quick(alice_client, "Two #work #WORK")
    one, two = all_tasks(db_session)
    assert [t.name for t in two.tags] == ["Work"]
    assert one.tags[0].id == two.tags[0].id


@pytest.mark.parametrize("text", ["Two #İ", "Two #i #İ", "Two #İ #i", "Two #K #k"])
def test_tags_the_database_lowers_alike_are_one_tag(
    alice_client: Client, db_session: Session, text: str
) -> None:
    """PostgreSQL lowers "İ" (dotted capital I) to "i", Python casefolds it to "i̇": the
    unique index on lower(name) decides, so the task gets the existing tag, not a 500."""
    quick(alice_client, "One #i")
    response = quick(alice_client, text)
    assert response.status_code == 302
    _one, two = all_tasks(db_session)
    names = db_session.scalars(select(func.lower(Tag.name))).all()
    assert len(names) == len(set(names))  # the index held
    assert len(two.tags) == len({t.id for t in two.tags}) >= 1


def test_no_priority_is_medium_and_plain_text_is_the_title(
    alice_client: Client, db_session: Session
) -> None:
    quick(alice_client, "  Weekly   report  ")
    created = only_task(db_session)
    assert (created.title, created.priority, created.due_date, created.recurrence) == (
        "Weekly report",
        Priority.MEDIUM,
        None,
        None,
    )


def test_quoted_text_is_kept_literally(alice_client: Client, db_session: Session) -> None:
    quick(alice_client, '"Meet tomorrow #not-a-tag" tomorrow')
    created = only_task(db_session)
    assert created.title == "Meet tomorrow #not-a-tag"
    assert created.tags == []
    assert created.due_date is not None


def test_a_plain_post_redirects_back(alice_client: Client, db_session: Session) -> None:
    response = alice_client.submit(
        "/tasks/quick", {"text": "Buy milk", "next": "/tasks?view=today"}
    )
    assert response.status_code == 302
    assert response.location == "/tasks?view=today"
    page = alice_client.get("/tasks").get_data(as_text=True)
    assert "Added “Buy milk”." in unescape(page)
    response = alice_client.submit("/tasks/quick", {"text": "Buy eggs", "next": "//evil.example"})
    assert response.location == "/tasks"


def test_htmx_gets_the_list_and_a_fresh_form(alice_client: Client, db_session: Session) -> None:
    alice_client.submit("/tasks/quick", {"text": "First"})
    response = quick(alice_client, "Buy milk tomorrow #errands", htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    new = all_tasks(db_session)[-1]
    assert re.search(r'<section id="task-list"[^>]*data-total-count="2"', html)
    assert task_ids(html)[:2] == [new.id, all_tasks(db_session)[0].id]
    form = re.search(r'<form id="quick-form"[^>]*>', html)
    assert form and 'hx-swap-oob="true"' in form.group(0)
    quick_input = re.search(r'<input[^>]*id="quick-text"[^>]*>', html)
    assert quick_input and 'value=""' in quick_input.group(0)
    assert "Added “Buy milk”." in unescape(html)
    assert 'id="task-counts"' in html  # the sidebar's counts, out of band


def test_htmx_answers_the_list_the_user_is_looking_at(
    alice_client: Client, db_session: Session
) -> None:
    quick(alice_client, "Undated")
    response = quick(
        alice_client,
        "Dated today",
        htmx=True,
        headers={"HX-Current-URL": "http://localhost/tasks?view=today&sort=due&order=asc"},
    )
    html = response.get_data(as_text=True)
    dated = all_tasks(db_session)[-1]
    assert task_ids(html) == [dated.id]


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "\x00", "\x00 \x01", "\u3000"])
def test_empty_text_is_refused_and_writes_nothing(
    alice_client: Client, db_session: Session, text: str
) -> None:
    response = quick(alice_client, text)
    assert response.status_code == 400
    assert EMPTY_MESSAGE in response.get_data(as_text=True)
    assert all_tasks(db_session) == []


@pytest.mark.parametrize("htmx", [False, True])
def test_a_line_of_only_tags_and_dates_asks_for_a_title(
    alice_client: Client, db_session: Session, htmx: bool
) -> None:
    """It used to make a task titled "#onlytag !high" that also carried the tag."""
    for text in ("#onlytag !high", "tmrw 5pm p1", "every monday, friday"):
        response = quick(alice_client, text, htmx=htmx)
        assert response.status_code == 400
        html = unescape(response.get_data(as_text=True))
        assert f"{NO_TITLE_MESSAGE}: “{text}” was all read as" in html
        assert 'role="alert"' in html and f'value="{text}"' in html  # the text stays to fix
        if htmx:
            assert response.headers["HX-Retarget"] == "#quick-form"
    assert all_tasks(db_session) == []
    assert count_rows(db_session, Tag) == 0
    preview = alice_client.htmx_get("/tasks/quick/preview?text=%23onlytag+%21high")
    assert preview.status_code == 200 and "chip" not in preview.get_data(as_text=True)
    assert quick(alice_client, '"#onlytag" !high').status_code == 302  # quotes keep a title
    assert (only_task(db_session).title, only_task(db_session).tags) == ("#onlytag", [])


def test_a_missing_text_field_is_refused(alice_client: Client, db_session: Session) -> None:
    response = alice_client.submit("/tasks/quick", {})
    assert response.status_code == 400
    assert EMPTY_MESSAGE in response.get_data(as_text=True)
    assert all_tasks(db_session) == []


def test_empty_text_for_htmx_rerenders_the_quick_form(
    alice_client: Client, db_session: Session
) -> None:
    response = quick(alice_client, "  ", htmx=True)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#quick-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    html = response.get_data(as_text=True)
    assert 'id="quick-form"' in html and EMPTY_MESSAGE in html and 'role="alert"' in html
    assert all_tasks(db_session) == []


def test_text_over_a_thousand_characters_is_refused(
    alice_client: Client, db_session: Session
) -> None:
    response = quick(alice_client, "x" * 1001)
    assert response.status_code == 400
    assert "1000 characters" in response.get_data(as_text=True)
    response = quick(alice_client, "y" * 1001, htmx=True)
    assert response.status_code == 400
    assert "1000 characters" in response.get_data(as_text=True)
    assert all_tasks(db_session) == []


def test_a_thousand_characters_are_fine_and_the_title_is_cut(
    alice_client: Client, db_session: Session
) -> None:
    response = quick(alice_client, "word " * 199 + "last")  # 999 characters
    assert response.status_code == 302
    created = only_task(db_session)
    assert len(created.title) <= 200 and created.title.startswith("word word")
    assert quick(alice_client, "z" * 1000).status_code == 302
    assert len(all_tasks(db_session)[-1].title) == 200


def test_quick_add_needs_a_login_and_csrf(client: Client, alice: User, db_session: Session) -> None:
    response = client.post("/tasks/quick", data={"text": "Sneaky"})
    assert response.status_code in (302, 400)
    client.log_in(alice.email)
    response = client.post("/tasks/quick", data={"text": "No token"})
    assert response.status_code == 400
    assert all_tasks(db_session) == []


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
    | st.lists(
        st.sampled_from(
            [
                "every",
                "other",
                "day",
                "week",
                "month",
                "on",
                "the",
                "1st",
                "31st",
                "at",
                "in",
                "0",
                "99999",
                "days",
                "tomorrow",
                "today",
                "feb",
                "30",
                "29",
                "2026-02-30",
                "9999-12-31",
                "0001-01-01",
                "!high",
                "!0",
                "!",
                "#",
                "#x",
                "#" + "t" * 60,
                "25:00",
                "12pm",
                "0am",
                '"',
                "“",
                "next",
                "monday",
                "mon",
                "at 9",
                "\x00",
                "every 366 days",
                "every 365 years",
                "dec 31 9999",
                "every monday",
            ]
        ),
        max_size=12,
    ).map(" ".join)
)
def test_nonsense_never_fails(alice_client: Client, db_session: Session, text: str) -> None:
    before = len(all_tasks(db_session))
    response = quick(alice_client, text)
    assert response.status_code in (302, 400), (text, response.status_code)
    after = len(all_tasks(db_session))
    assert after == before + (1 if response.status_code == 302 else 0)
    preview = alice_client.get("/tasks/quick/preview", query_string={"text": text, "remove": "0"})
    assert preview.status_code == 200


@pytest.mark.parametrize(
    ("zone", "due_date"),
    [
        ("UTC", date(2026, 11, 20)),  # Friday the 20th is November's third Friday
        ("Pacific/Kiritimati", date(2026, 12, 18)),  # already the 21st there
    ],
)
def test_a_numbered_weekday_repeats_monthly_from_the_users_today(
    clock: TimeMachineFixture,
    alice: User,
    alice_client: Client,
    db_session: Session,
    zone: str,
    due_date: date,
) -> None:
    clock.move_to(NOW, tick=False)
    set_timezone(db_session, alice, zone)
    assert quick(alice_client, "every 3rd friday team lunch").status_code == 302
    created = only_task(db_session)
    assert (created.title, created.recurrence, created.due_date) == (
        "team lunch",
        "FREQ=MONTHLY;BYDAY=3FR",
        due_date,
    )


def test_a_list_of_weekdays_repeats_on_each_of_them(
    clock: TimeMachineFixture, alice: User, alice_client: Client, db_session: Session
) -> None:
    clock.move_to(NOW, tick=False)  # Friday
    set_timezone(db_session, alice, "Pacific/Pago_Pago")  # still Friday there
    assert quick(alice_client, "Call mom every monday, friday p1").status_code == 302
    created = only_task(db_session)
    assert (created.title, created.recurrence, created.due_date, created.priority) == (
        "Call mom",
        "FREQ=WEEKLY;BYDAY=MO,FR",
        date(2026, 11, 20),
        Priority.HIGH,
    )


def test_a_day_month_date_is_the_next_one_in_the_users_zone(
    clock: TimeMachineFixture, alice: User, alice_client: Client, db_session: Session
) -> None:
    clock.move_to(NOW, tick=False)
    set_timezone(db_session, alice, "Pacific/Kiritimati")  # Saturday the 21st there
    quick(alice_client, "Parcel 20.11.")
    quick(alice_client, "Party 21.11. p4")
    quick(alice_client, "Flight 24.12.2027 tonight")
    parcel, party, flight = all_tasks(db_session)
    assert parcel.due_date == date(2027, 11, 20)  # the 20th has passed there
    assert (party.due_date, party.priority) == (date(2026, 11, 21), Priority.MEDIUM)
    assert (flight.title, flight.due_date, flight.due_time) == (
        "Flight tonight",
        date(2027, 12, 24),
        None,
    )


# -- the live preview ----------------------------------------------------------------------


def chips(html: str) -> list[tuple[str, str]]:
    """(kind, label) of each removable chip in a preview."""
    return [
        (kind, unescape(label).strip())
        for kind, label in re.findall(
            r'class="chip chip-(\w+)"[^>]*>([^<]*)<span aria-hidden', html, re.S
        )
    ]


def test_preview_shows_chips_for_what_was_understood(
    clock: TimeMachineFixture, alice: User, alice_client: Client, db_session: Session
) -> None:
    clock.move_to(NOW, tick=False)
    set_timezone(db_session, alice, "Pacific/Kiritimati")
    response = alice_client.get(
        "/tasks/quick/preview",
        query_string={"text": "Call mom tomorrow 5pm #family !high"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert chips(html) == [
        ("date", "Sun 22 Nov 2026"),
        ("time", "17:00"),
        ("tag", "#family"),
        ("priority", "High priority"),
    ]
    assert re.search(r'class="chip chip-title"[^>]*>Call mom<', html)
    assert all_tasks(db_session) == []  # a preview saves nothing


def test_preview_chips_for_the_new_words(
    clock: TimeMachineFixture, alice: User, alice_client: Client, db_session: Session
) -> None:
    clock.move_to(NOW, tick=False)
    set_timezone(db_session, alice, "Pacific/Kiritimati")
    html = alice_client.htmx_get("/tasks/quick/preview?text=Dinner+tonight+%23home+p1").get_data(
        as_text=True
    )
    assert chips(html) == [
        ("date", "Sat 21 Nov 2026, 20:00"),
        ("tag", "#home"),
        ("priority", "High priority"),
    ]
    assert re.search(r'class="chip chip-title"[^>]*>Dinner<', html)
    html = alice_client.htmx_get(
        "/tasks/quick/preview?text=Call+mom+every+mon+and+thu+end+of+month"
    ).get_data(as_text=True)
    assert chips(html) == [
        ("repeat", "every Monday and Thursday"),
        ("date", "Mon 30 Nov 2026"),
    ]


def test_preview_of_plain_text_is_empty(alice_client: Client) -> None:
    for text in ("Just words", "", "   ", "x" * 1001):
        response = alice_client.get("/tasks/quick/preview", query_string={"text": text})
        assert response.status_code == 200
        assert "chip" not in response.get_data(as_text=True)


def test_removing_a_chip_sends_back_the_text_without_it(
    clock: TimeMachineFixture, alice_client: Client
) -> None:
    clock.move_to(NOW, tick=False)
    text = "Call mom tomorrow 5pm #family !high"
    response = alice_client.get("/tasks/quick/preview", query_string={"text": text, "remove": "0"})
    html = response.get_data(as_text=True)
    quick_input = re.search(r'<input[^>]*id="quick-text"[^>]*>', html)
    assert quick_input, html
    assert 'hx-swap-oob="true"' in quick_input.group(0)
    value = re.search(r'value="([^"]*)"', quick_input.group(0))
    assert value and unescape(value.group(1)) == "Call mom 5pm #family !high"
    # The chips are those of the new text: the date is gone (a time alone means today).
    assert [kind for kind, _ in chips(html)] == ["time", "tag", "priority"]

    response = alice_client.get("/tasks/quick/preview", query_string={"text": text, "remove": "2"})
    value = re.search(r'id="quick-text"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    value = value or re.search(
        r'value="([^"]*)"[^>]*id="quick-text"', response.get_data(as_text=True)
    )
    assert value and unescape(value.group(1)) == "Call mom tomorrow 5pm !high"


@pytest.mark.parametrize("remove", ["9", "-1", "x", "", "99999999999999999999"])
def test_removing_a_chip_that_is_not_there_changes_nothing(
    alice_client: Client, remove: str
) -> None:
    response = alice_client.get(
        "/tasks/quick/preview", query_string={"text": "Run tomorrow", "remove": remove}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="quick-text"' not in html  # the input is left as typed
    assert [kind for kind, _ in chips(html)] == ["date"]


def test_the_chip_buttons_ask_to_remove_their_piece(
    clock: TimeMachineFixture, alice_client: Client
) -> None:
    clock.move_to(NOW, tick=False)
    html = alice_client.get(
        "/tasks/quick/preview", query_string={"text": "Run tomorrow #fit"}
    ).get_data(as_text=True)
    targets = [unescape(t) for t in re.findall(r'hx-get="([^"]+)"', html)]
    assert len(targets) == 2
    assert all(t.startswith("/tasks/quick/preview?") for t in targets)
    assert "remove=0" in targets[0] and "remove=1" in targets[1]


def test_preview_needs_a_login(client: Client) -> None:
    response = client.get("/tasks/quick/preview", query_string={"text": "Run tomorrow"})
    assert response.status_code == 302 and "/auth/login" in response.location
    response = client.get(
        "/tasks/quick/preview", query_string={"text": "x"}, headers={"HX-Request": "true"}
    )
    assert response.headers.get("HX-Redirect", "").startswith("/auth/login")


def test_the_quick_form_is_on_the_list_page(alice_client: Client) -> None:
    html = alice_client.get("/tasks").get_data(as_text=True)
    form = re.search(r'<form id="quick-form"[^>]*>', html)
    assert form and 'action="/tasks/quick"' in form.group(0)
    assert 'hx-post="/tasks/quick"' in form.group(0)
    assert 'name="text"' in html and 'maxlength="1000"' in html
    assert 'hx-get="/tasks/quick/preview"' in html


def test_quick_add_sets_a_reminder(
    clock: TimeMachineFixture, alice_client: Client, db_session: Session
) -> None:
    clock.move_to(NOW, tick=False)
    response = quick(alice_client, "Call mom tomorrow 6pm remind 30m before")
    assert response.status_code in (200, 302)
    task = only_task(db_session)
    assert (task.remind_minutes, task.due_time) == (30, time(18, 0))
    reminder = db_session.get(Reminder, task.id)
    assert reminder is not None
    assert reminder.fire_at == datetime(2026, 11, 21, 17, 30, tzinfo=UTC)


def test_quick_add_refuses_a_reminder_without_a_date(
    alice_client: Client, db_session: Session
) -> None:
    response = quick(alice_client, "Milk remind 30m before")
    assert response.status_code == 400
    assert "A reminder needs a due date" in unescape(response.get_data(as_text=True))
    assert count_rows(db_session, Task) == 0
