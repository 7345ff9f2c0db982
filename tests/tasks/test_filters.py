"""Filters on status, priority, tags and due date, alone, together and with a search; due
dates judged on the user's own clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.models import Priority, Task, User
from todo_web.tasks import reading
from todo_web.tasks.listing import ListQuery

from ..client import Client, list_ids
from ..factories import make_task, set_timezone


def local_instant(zone: str, day: date, at: time) -> datetime:
    """The UTC instant at which the wall clock in `zone` shows `day` `at`."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def ids(session: Session, user: User, now: datetime | None = None, **query: object) -> set[int]:
    page = reading.list_tasks(session, user, ListQuery(per_page=100, **query), now=now)  # type: ignore[arg-type]
    return {task.id for task in page.tasks}


# -- due dates on the user's clock ---------------------------------------------------------

TODAY = date(2026, 3, 11)


@pytest.mark.parametrize(
    ("zone", "at"),
    [
        # Noon on Kiritimati (UTC+14) is still the 10th in UTC ...
        ("Pacific/Kiritimati", time(12, 0)),
        # ... and 14:00 in Pago Pago (UTC-11) is already the 12th.
        ("Pacific/Pago_Pago", time(14, 0)),
        ("UTC", time(12, 0)),
    ],
)
def test_due_filters_use_the_users_time_zone(
    db_session: Session, alice: User, zone: str, at: time
) -> None:
    alice.timezone = zone
    db_session.commit()
    now = local_instant(zone, TODAY, at)
    if zone != "UTC":
        assert now.date() != TODAY  # the test would pass on UTC dates by accident otherwise

    def due(days: int, at: time | None = None, **fields: object) -> int:
        return make_task(
            db_session, alice, due_date=TODAY + timedelta(days=days), due_time=at, **fields
        ).id

    yesterday = due(-1)
    today = due(0)
    today_early = due(0, time(9, 0))
    today_late = due(0, time(23, 0))
    in_six_days = due(6)
    in_seven_days = due(7)
    done_yesterday = due(-1, status="completed")
    cancelled_yesterday = due(-1, status="cancelled")
    undated = make_task(db_session, alice).id

    everything = {"status": "all"}
    assert ids(db_session, alice, now, due="overdue") == {yesterday, today_early}
    assert ids(db_session, alice, now, due="overdue", **everything) == {yesterday, today_early}
    assert ids(db_session, alice, now, due="today") == {today, today_early, today_late}
    assert ids(db_session, alice, now, due="week") == {
        today,
        today_early,
        today_late,
        in_six_days,
    }
    assert ids(db_session, alice, now, due="none") == {undated}
    assert ids(db_session, alice, now, due="today", **everything) == {
        today,
        today_early,
        today_late,
    }
    assert {done_yesterday, cancelled_yesterday, in_seven_days} <= ids(
        db_session, alice, now, **everything
    )


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_timed_task_is_overdue_once_its_time_has_passed(
    db_session: Session, alice: User, zone: str
) -> None:
    alice.timezone = zone
    db_session.commit()
    nine = make_task(db_session, alice, due_date=TODAY, due_time=time(9, 0)).id
    ten = make_task(db_session, alice, due_date=TODAY, due_time=time(10, 0)).id
    all_day = make_task(db_session, alice, due_date=TODAY).id

    at_ten = local_instant(zone, TODAY, time(10, 0))
    assert ids(db_session, alice, at_ten, due="overdue") == {nine}
    at_noon = local_instant(zone, TODAY, time(12, 0))
    assert ids(db_session, alice, at_noon, due="overdue") == {nine, ten}
    # A date-only task is due all day: late only once the day is over.
    last_minute = local_instant(zone, TODAY, time(23, 59, 59))
    assert all_day not in ids(db_session, alice, last_minute, due="overdue")
    next_morning = local_instant(zone, TODAY + timedelta(days=1), time(0, 0, 1))
    assert ids(db_session, alice, next_morning, due="overdue") == {nine, ten, all_day}


def test_due_filters_through_the_page_follow_the_users_clock(
    clock: TimeMachineFixture,
    db_session: Session,
    alice: User,
    log_in: Callable[[User], Client],
) -> None:
    clock.move_to(local_instant("Pacific/Kiritimati", TODAY, time(10, 0)), tick=False)
    set_timezone(db_session, alice, "Pacific/Kiritimati")
    alice_client = log_in(alice)
    nine = make_task(db_session, alice, "Standup", due_date=TODAY, due_time=time(9, 0)).id
    noon = make_task(db_session, alice, "Lunch", due_date=TODAY, due_time=time(12, 0)).id
    all_day = make_task(db_session, alice, "Call mum", due_date=TODAY).id
    yesterday = make_task(db_session, alice, "Taxes", due_date=TODAY - timedelta(days=1)).id

    assert set(list_ids(alice_client, "?due=overdue")) == {nine, yesterday}
    assert set(list_ids(alice_client, "?due=today")) == {nine, noon, all_day}
    page = alice_client.get("/tasks?due=today").get_data(as_text=True)
    assert "Today 09:00" in page and "Today 12:00" in page
    assert "Yesterday" in alice_client.get("/tasks?due=overdue").get_data(as_text=True)


# -- filters together ----------------------------------------------------------------------

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
STATUS_SETS = {
    "open": {"pending", "in_progress"},
    "pending": {"pending"},
    "in_progress": {"in_progress"},
    "completed": {"completed"},
    "cancelled": {"cancelled"},
    "all": {"pending", "in_progress", "completed", "cancelled"},
}


def matches(task: Task, tag_names: set[str], query: ListQuery) -> bool:
    """What the list should show, worked out without SQL."""
    today = NOW.date()
    if task.status not in STATUS_SETS[query.status]:
        return False
    if query.priority and task.priority.label != query.priority:
        return False
    if not {t.lower() for t in query.tags} <= {t.lower() for t in tag_names}:
        return False
    if query.q and query.q.lower() not in (task.title + " " + task.description).lower():
        return False
    due = task.due_date
    if query.due == "none":
        return due is None
    if query.due == "today":
        return due == today
    if query.due == "week":
        return due is not None and today <= due <= today + timedelta(days=6)
    if query.due == "overdue":
        late = due is not None and (
            due < today
            or (due == today and task.due_time is not None and task.due_time < NOW.time())
        )
        return task.status in STATUS_SETS["open"] and late
    return True


def test_every_combination_of_filters(db_session: Session, alice: User, bob: User) -> None:
    statuses = ["pending", "in_progress", "completed", "cancelled"]
    dues: list[tuple[date | None, time | None]] = [
        (None, None),
        (NOW.date() - timedelta(days=2), None),
        (NOW.date(), None),
        (NOW.date(), time(8, 0)),
        (NOW.date() + timedelta(days=3), None),
        (NOW.date() + timedelta(days=9), time(7, 0)),
    ]
    tag_sets = [(), ("home",), ("Home", "work"), ("work",)]
    tasks: list[tuple[Task, set[str]]] = []
    for n, (status, priority, (due_date, due_time)) in enumerate(
        itertools.product(statuses, Priority, dues)
    ):
        tags = tag_sets[n % len(tag_sets)]
        task = make_task(
            db_session,
            alice,
            "Buy milk" if n % 3 == 0 else f"Chore {n}",
            description="remember the MILK" if n % 5 == 0 else "",
            status=status,
            priority=priority,
            due_date=due_date,
            due_time=due_time,
            tags=tags,
            commit=False,
        )
        tasks.append((task, set(tags)))
    # Bob's matching tasks must never turn up in Alice's list.
    make_task(db_session, bob, "Buy milk", tags=("home", "work"), commit=False)
    db_session.commit()
    assert len(tasks) == 72

    checked = 0
    for status, priority, tags, due, q in itertools.product(
        STATUS_SETS,
        [None, "low", "medium", "high"],
        [(), ("home",), ("HOME", "work")],
        [None, "overdue", "today", "week", "none"],
        ["", "milk"],
    ):
        query = ListQuery(q=q, status=status, priority=priority, tags=tags, due=due, per_page=100)
        expected = {task.id for task, names in tasks if matches(task, names, query)}
        page = reading.list_tasks(db_session, alice, query, now=NOW)
        assert page.total == len(expected), query
        got = {task.id for task in page.tasks}
        assert got == expected, query
        checked += bool(expected)
    assert checked > 300  # most combinations match something, so the test means something


def test_repeated_tag_filter_needs_every_tag(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    both = make_task(db_session, alice, "both", tags=("a", "b")).id
    only_a = make_task(db_session, alice, "only a", tags=("a",)).id
    make_task(db_session, alice, "only b", tags=("b",))
    assert set(list_ids(alice_client, "?tag=a")) == {both, only_a}
    assert list_ids(alice_client, "?tag=a&tag=b") == [both]
    assert list_ids(alice_client, "?tag=A&tag=b&tag=a") == [both]
    assert list_ids(alice_client, "?tag=a&tag=nope") == []


def test_active_filters_are_removable_chips(alice_client: Client) -> None:
    url = "/tasks?q=milk&status=all&priority=high&tag=home&tag=work&due=week&sort=title"
    page = alice_client.get(url).get_data(as_text=True)
    assert 'aria-label="Active filters"' in page
    chips = {
        "q": _chip_href(page, "Remove search milk"),
        "status": _chip_href(page, "Remove the All filter"),
        "priority": _chip_href(page, "Remove the High priority filter"),
        "due": _chip_href(page, "Remove the Next 7 days filter"),
        "home": _chip_href(page, "Remove tag filter home"),
        "work": _chip_href(page, "Remove tag filter work"),
    }
    full = [
        ("q", "milk"),
        ("status", "all"),
        ("priority", "high"),
        ("tag", "home"),
        ("tag", "work"),
        ("due", "week"),
        ("sort", "title"),
    ]
    for removed, href in chips.items():
        params = parse_qsl(urlsplit(href).query)
        if removed in ("home", "work"):
            assert params == [p for p in full if p != ("tag", removed)]
        else:
            assert params == [p for p in full if p[0] != removed]
        assert alice_client.get(href).status_code == 200
    assert 'class="clear-filters" href="/tasks"' in page
    assert "Active filters" not in alice_client.get("/tasks").get_data(as_text=True)


def _chip_href(page: str, label: str) -> str:
    marker = f'aria-label="{label}"'
    assert marker in page, label
    start = page.rindex('href="', 0, page.index(marker)) + len('href="')
    return page[start : page.index('"', start)].replace("&amp;", "&")


def test_filter_form_keeps_the_current_choices(alice_client: Client) -> None:
    page = alice_client.get("/tasks?status=completed&priority=low&due=none&order=asc").get_data(
        as_text=True
    )
    assert '<option value="completed" selected>' in page
    assert '<option value="low" selected>' in page
    assert '<option value="none" selected>' in page
    assert '<option value="asc" selected>' in page


def test_unknown_time_zone_falls_back_to_utc(
    clock: TimeMachineFixture,
    db_session: Session,
    alice: User,
    log_in: Callable[[User], Client],
) -> None:
    clock.move_to(datetime(2026, 3, 11, 23, 30, tzinfo=UTC), tick=False)
    set_timezone(db_session, alice, "Mars/Olympus_Mons")
    alice_client = log_in(alice)
    today = make_task(db_session, alice, "UTC today", due_date=date(2026, 3, 11)).id
    make_task(db_session, alice, "UTC tomorrow", due_date=date(2026, 3, 12))
    assert list_ids(alice_client, "?due=today") == [today]
