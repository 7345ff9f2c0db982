"""GET /calendar/<secret>.ics, parsed back with the icalendar package."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import rrulestr
from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from todo_web import recurrence
from todo_web.db import utcnow
from todo_web.lists.queries import inbox_of
from todo_web.models import Priority, TaskStatus, User

from ..client import Client
from ..factories import make_list, make_task, make_user, set_timezone, user_by_email

BERLIN = "Europe/Berlin"  # clocks go forward on Sunday 2026-03-29


def feed_url(owner: User) -> str:
    return f"/calendar/{owner.calendar_secret}.ics"


def fetch(client: Client, owner: User) -> Calendar:
    response = client.get(feed_url(owner))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def events(calendar: Calendar) -> dict[str, Event]:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_holds_open_tasks_with_a_due_date(
    alice: User, client: Client, db_session: Session
) -> None:
    set_timezone(db_session, alice, BERLIN)
    day = date(2026, 3, 10)
    make_task(db_session, alice, "Pending", due_date=day)
    make_task(db_session, alice, "In progress", due_date=day, status=TaskStatus.IN_PROGRESS)
    make_task(
        db_session,
        alice,
        "Completed",
        due_date=day,
        status=TaskStatus.COMPLETED,
        completed_at=utcnow(),
    )
    make_task(db_session, alice, "Cancelled", due_date=day, status=TaskStatus.CANCELLED)
    make_task(db_session, alice, "Deleted", due_date=day, deleted_at=utcnow())
    make_task(db_session, alice, "No date")
    bob = make_user(db_session, "bob@example.com", name="Bob")
    make_task(db_session, bob, "Bob's", due_date=day)
    db_session.commit()
    calendar = fetch(client, alice)
    assert sorted(events(calendar)) == ["In progress", "Pending"]
    assert str(calendar["X-WR-CALNAME"]) == "Alice's tasks"
    assert str(calendar["VERSION"]) == "2.0" and "todo-web" in str(calendar["PRODID"])
    assert sorted(events(fetch(client, bob))) == ["Bob's"]


def test_a_date_only_task_is_an_all_day_event(
    alice: User, client: Client, db_session: Session
) -> None:
    set_timezone(db_session, alice, BERLIN)
    task = make_task(
        db_session,
        alice,
        "Pay rent",
        due_date=date(2026, 3, 10),
        description="Transfer\nto the landlord",
        priority=Priority.HIGH,
        tags=["bills", "home"],
    )
    db_session.commit()
    response = client.get(feed_url(alice))
    assert "DTSTART;VALUE=DATE:20260310" in response.get_data(as_text=True)
    event = events(Calendar.from_ical(response.get_data()))["Pay rent"]
    start = event.decoded("DTSTART")
    assert start == date(2026, 3, 10) and not isinstance(start, datetime)
    assert event.decoded("DTEND") == date(2026, 3, 11)
    assert "TZID" not in event["DTSTART"].params
    assert str(event["DESCRIPTION"]) == "Transfer\nto the landlord"
    assert [str(name) for name in event["CATEGORIES"].cats] == ["bills", "home"]
    assert int(event["PRIORITY"]) == 1
    assert str(event["UID"]) == f"task-{task.id}@127.0.0.1"
    assert str(event["URL"]) == f"http://127.0.0.1:5000/tasks/{task.id}"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert "RRULE" not in event


def test_timed_tasks_keep_their_local_time_across_a_dst_change(
    alice: User, client: Client, db_session: Session
) -> None:
    set_timezone(db_session, alice, BERLIN)
    make_task(db_session, alice, "Before", due_date=date(2026, 3, 27), due_time=time(9, 0))
    make_task(db_session, alice, "After", due_date=date(2026, 3, 30), due_time=time(9, 0))
    db_session.commit()
    response = client.get(feed_url(alice))
    text = response.get_data(as_text=True)
    assert "DTSTART;TZID=Europe/Berlin:20260327T090000" in text
    assert "DTSTART;TZID=Europe/Berlin:20260330T090000" in text
    calendar = Calendar.from_ical(response.get_data())
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [BERLIN]
    found = events(calendar)
    for title, day, utc_hour in (("Before", date(2026, 3, 27), 8), ("After", date(2026, 3, 30), 7)):
        event = found[title]
        assert event["DTSTART"].params["TZID"] == BERLIN
        start = event.decoded("DTSTART")
        assert (start.date(), start.time()) == (day, time(9, 0))
        assert start.astimezone(UTC) == datetime.combine(day, time(utc_hour), tzinfo=UTC)
        assert start.astimezone(UTC) == recurrence.occurrence_utc(day, time(9, 0), BERLIN)
        assert "DTEND" not in event  # a due time is a moment


def test_a_user_in_utc_gets_utc_times(client: Client, db_session: Session) -> None:
    bob = make_user(db_session, "bob@example.com", name="Bob", timezone="UTC")
    make_task(db_session, bob, "Call", due_date=date(2026, 7, 1), due_time=time(17, 30))
    db_session.commit()
    response = client.get(feed_url(bob))
    assert "DTSTART:20260701T173000Z" in response.get_data(as_text=True)


def test_recurring_tasks_carry_their_rule(alice: User, client: Client, db_session: Session) -> None:
    set_timezone(db_session, alice, BERLIN)
    make_task(
        db_session,
        alice,
        "Standup",
        due_date=date(2026, 3, 23),
        due_time=time(9, 0),
        recurrence="FREQ=WEEKLY;UNTIL=20260413",
    )
    make_task(
        db_session, alice, "Rent", due_date=date(2026, 4, 1), recurrence="FREQ=MONTHLY;COUNT=3"
    )
    make_task(
        db_session,
        alice,
        "Review",
        due_date=date(2026, 3, 2),
        recurrence="FREQ=WEEKLY;INTERVAL=2;UNTIL=20260601T120000Z;BYDAY=MO,FR",
    )
    db_session.commit()
    found = events(fetch(client, alice))

    standup = found["Standup"]
    # A date-only UNTIL is the whole of that local day, as a UTC time (RFC 5545 wants the
    # type of DTSTART): 23:59:59 in Berlin summer time.
    assert standup["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20260413T215959Z"
    start = standup.decoded("DTSTART")
    series = list(rrulestr(standup["RRULE"].to_ical().decode(), dtstart=start))
    assert [(o.date(), o.time()) for o in series] == [
        (date(2026, 3, 23) + timedelta(weeks=n), time(9, 0)) for n in range(4)
    ]
    # Across the change the wall clock stays, the instant moves by an hour.
    assert [o.astimezone(UTC).hour for o in series] == [8, 7, 7, 7]
    expected = recurrence.occurrences(
        "FREQ=WEEKLY;UNTIL=20260413", date(2026, 3, 23), time(9), BERLIN
    )
    assert [o.astimezone(UTC) for o in series] == [o.astimezone(UTC) for o in expected]

    rent = found["Rent"]
    assert rent["RRULE"].to_ical() == b"FREQ=MONTHLY;COUNT=3"
    assert rent.decoded("DTSTART") == date(2026, 4, 1)

    review = found["Review"]  # all-day: UNTIL becomes the local date of that instant
    assert review["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20260601;INTERVAL=2;BYDAY=MO,FR"


def test_the_feed_needs_no_login_and_sets_no_cookie(
    alice_client: Client, client: Client, db_session: Session
) -> None:
    alice = user_by_email(db_session)
    make_task(db_session, alice, "Call", due_date=date(2026, 1, 5))
    db_session.commit()
    stranger = alice_client.application.test_client()  # a calendar app: no cookies at all
    for who in (stranger, alice_client):
        response = who.get(feed_url(alice))
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in stranger.get("/calendar/" + "x" * 43 + ".ics").headers


def test_the_feed_is_cheap_to_poll(alice: User, client: Client, db_session: Session) -> None:
    set_timezone(db_session, alice, BERLIN)
    task = make_task(db_session, alice, "Call", due_date=date(2026, 1, 5))
    db_session.commit()
    first = client.get(feed_url(alice))
    assert first.headers["Cache-Control"] == "private, max-age=300"
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)
    assert client.get(feed_url(alice)).headers["ETag"] == etag  # same tasks, same bytes

    unchanged = client.get(feed_url(alice), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert unchanged.headers["ETag"] == etag

    task.title = "Call the bank"
    db_session.commit()
    changed = client.get(feed_url(alice), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert b"SUMMARY:Call the bank" in changed.get_data()


def test_a_wrong_secret_is_404(alice: User, client: Client, db_session: Session) -> None:
    set_timezone(db_session, alice, BERLIN)
    secret = alice.calendar_secret or ""
    for wrong in (
        secret[:-1] + ("A" if secret[-1] != "A" else "B"),
        secret.upper() if secret.upper() != secret else secret.lower(),
        "short",
        "x" * 65,
        "..%2F..%2Fetc",
    ):
        response = client.get(f"/calendar/{wrong}.ics")
        assert response.status_code == 404, wrong
        assert b"BEGIN:VCALENDAR" not in response.get_data()
    assert client.get(f"/calendar/{secret}").status_code == 404
    assert client.get(f"/calendar/{secret}.ics").status_code == 200


def test_every_user_has_their_own_long_random_secret(db_session: Session) -> None:
    secrets = {make_user(db_session, f"user{n}@example.com").calendar_secret for n in range(20)}
    assert len(secrets) == 20
    assert all(secret and re.fullmatch(r"[A-Za-z0-9_-]{43}", secret) for secret in secrets)


def test_replacing_the_secret_retires_the_old_url(
    alice_client: Client, client: Client, db_session: Session
) -> None:
    alice = user_by_email(db_session)
    old = feed_url(alice)
    stranger = alice_client.application.test_client()
    assert stranger.get(old).status_code == 200
    response = alice_client.submit("/settings/calendar/rotate")
    assert response.status_code == 302
    assert response.location == "/settings#settings-calendar"
    new = feed_url(user_by_email(db_session))
    assert new != old
    assert stranger.get(old).status_code == 404
    assert stranger.get(new).status_code == 200
    page = alice_client.get("/settings").get_data(as_text=True)
    assert new in page and old not in page
    assert "The old one no longer works" in page


def test_replacing_the_secret_with_htmx_answers_the_section(
    alice_client: Client, db_session: Session
) -> None:
    old = user_by_email(db_session).calendar_secret
    response = alice_client.submit("/settings/calendar/rotate", htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="settings-calendar"')
    new = user_by_email(db_session).calendar_secret
    assert new != old and f"/calendar/{new}.ics" in html


def test_replacing_the_secret_needs_a_login_and_the_token(
    client: Client, alice_client: Client, db_session: Session
) -> None:
    old = user_by_email(db_session).calendar_secret
    assert alice_client.post("/settings/calendar/rotate").status_code == 400  # no CSRF token
    stranger = alice_client.application.test_client()
    response = stranger.submit("/settings/calendar/rotate")
    assert response.status_code == 302 and "/auth/login" in response.location
    assert user_by_email(db_session).calendar_secret == old


def test_an_account_without_a_secret_can_create_one(
    alice_client: Client, db_session: Session
) -> None:
    alice = user_by_email(db_session)
    alice.calendar_secret = None
    db_session.commit()
    page = alice_client.get("/settings").get_data(as_text=True)
    assert "Create an address" in page and ".ics" not in page
    alice_client.submit("/settings/calendar/rotate")
    assert user_by_email(db_session).calendar_secret
    assert (
        alice_client.application.test_client().get(feed_url(user_by_email(db_session))).status_code
        == 200
    )


def test_one_list_of_the_feed(alice: User, client: Client, db_session: Session) -> None:
    """`?list=<id>` keeps that list's tasks; the events are those of the whole feed."""
    day = date(2026, 3, 10)
    home = make_list(db_session, alice, "Home")
    make_list(db_session, alice, "Empty")
    make_task(db_session, alice, "Inbox task", due_date=day)
    paint = make_task(db_session, alice, "Paint", due_date=day, task_list=home)
    make_task(db_session, alice, "Walls", due_date=day, parent=paint)
    make_task(db_session, alice, "Undated", task_list=home)
    whole = events(fetch(client, alice))
    assert sorted(whole) == ["Inbox task", "Paint", "Walls"]

    response = client.get(f"{feed_url(alice)}?list={home.id}")
    assert response.status_code == 200 and response.headers["ETag"]
    calendar = Calendar.from_ical(response.get_data())
    assert sorted(events(calendar)) == ["Paint", "Walls"]
    assert str(calendar["X-WR-CALNAME"]) == "Alice's tasks: Home"
    assert events(calendar)["Paint"].to_ical() == whole["Paint"].to_ical()
    assert response.headers["ETag"] != client.get(feed_url(alice)).headers["ETag"]

    inbox = client.get(f"{feed_url(alice)}?list={inbox_of(db_session, alice).id}")
    assert sorted(events(Calendar.from_ical(inbox.get_data()))) == ["Inbox task"]
    assert client.get(f"{feed_url(alice)}?list=").status_code == 200  # no list: all of them


def test_a_list_that_is_not_the_owners_is_404(
    alice: User, client: Client, db_session: Session
) -> None:
    bob = make_user(db_session, "bob@example.com", name="Bob")
    bobs = make_list(db_session, bob, "Bob's")
    make_task(db_session, bob, "Bob's task", due_date=date(2026, 3, 10), task_list=bobs)
    gone = make_list(db_session, alice, "Gone")
    gone.deleted_at = utcnow()
    db_session.commit()
    for value in (str(bobs.id), str(gone.id), "999999", "abc", "-1", "1.0", "\u0661", str(2**63)):
        response = client.get(f"{feed_url(alice)}?list={value}")
        assert response.status_code == 404, value
        assert response.mimetype == "text/plain" and "Bob" not in response.get_data(as_text=True)
    assert client.get(f"{feed_url(bob)}?list={bobs.id}").status_code == 200
