"""Smart views (`/tasks?view=today|upcoming|overdue|nodate|completed`) and their counts in
the sidebar, all judged on the user's own clock."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape

import pytest
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.models import TaskStatus, User
from todo_web.tasks import counts as counting
from todo_web.tasks import reading
from todo_web.tasks.listing import ListQuery

from ..client import Client, view_counts
from ..factories import BOB, make_task, make_user, set_timezone, user_by_email

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # Friday, 10:00 in UTC
TODAY = date(2026, 11, 20)
VIEWS = ("today", "upcoming", "overdue", "nodate", "completed")


@pytest.fixture(autouse=True)
def _stopped_at_now(clock: TimeMachineFixture) -> None:
    """Every test of this file runs on this clock (requested before users and tasks)."""
    clock.move_to(NOW, tick=False)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def completed_at(hours_ago: int) -> dict[str, object]:
    return {"status": TaskStatus.COMPLETED, "completed_at": NOW - timedelta(hours=hours_ago)}


class World:
    """Alice's tasks, one of each kind a view must sort in or out, plus Bob's."""

    def __init__(self, session: Session, user: User) -> None:
        self.user = user

        def add(title: str, **fields: object) -> int:
            return make_task(session, user, title, commit=False, **fields).id  # type: ignore[arg-type]

        self.overdue_old = add("Overdue since last week", due_date=day(-10))
        self.overdue_yesterday = add("Overdue since yesterday", due_date=day(-1))
        self.timed_past = add("Today at 08:00", due_date=TODAY, due_time=time(8, 0))
        self.today_plain = add("Today, any time", due_date=TODAY)
        self.timed_later = add("Today at 15:00", due_date=TODAY, due_time=time(15, 0))
        self.in_progress = add("Started, due today", due_date=TODAY, status=TaskStatus.IN_PROGRESS)
        self.tomorrow = add("Tomorrow", due_date=day(1))
        self.sixth = add("In six days", due_date=day(6))
        self.seventh = add("In seven days", due_date=day(7))
        self.undated = add("Some day")
        self.undated_started = add("Some day, started", status=TaskStatus.IN_PROGRESS)
        self.cancelled = add("Cancelled", due_date=day(-1), status=TaskStatus.CANCELLED)
        self.cancelled_undated = add("Cancelled, undated", status=TaskStatus.CANCELLED)
        self.done_old = add("Done long ago", due_date=day(-10), **completed_at(200))
        self.done_recent = add("Done just now", due_date=TODAY, **completed_at(1))
        self.done_middle = add("Done yesterday", **completed_at(20))
        self.deleted = add("Deleted", due_date=TODAY, deleted_at=NOW)
        self.deleted_done = add("Deleted, done", deleted_at=NOW, **completed_at(2))
        bob = make_user(session, BOB, commit=False)
        for fields in ({"due_date": TODAY}, {"due_date": day(-3)}, {}, completed_at(1)):
            make_task(session, bob, "Bob's", commit=False, **fields)  # type: ignore[arg-type]
        session.commit()

    @property
    def expected(self) -> dict[str, set[int]]:
        return {
            "today": {
                self.overdue_old,
                self.overdue_yesterday,
                self.timed_past,
                self.today_plain,
                self.timed_later,
                self.in_progress,
            },
            "upcoming": {
                self.timed_past,
                self.today_plain,
                self.timed_later,
                self.in_progress,
                self.tomorrow,
                self.sixth,
            },
            "overdue": {self.overdue_old, self.overdue_yesterday, self.timed_past},
            "nodate": {self.undated, self.undated_started},
            "completed": {self.done_old, self.done_recent, self.done_middle},
        }

    @property
    def expected_counts(self) -> dict[str, int]:
        counts = {view: len(ids) for view, ids in self.expected.items()}
        counts["open"] = 11  # every live pending or in-progress task
        counts["all"] = 16  # every live task, cancelled and completed too
        counts["assigned"] = 0  # nothing is assigned in a list of one's own
        return counts


@pytest.fixture
def world(alice: User, alice_client: Client, db_session: Session) -> World:
    return World(db_session, alice)


def task_ids(html: str) -> list[int]:
    """Every task id of a page or fragment in document order, a repeated one repeated
    (client.task_ids reads each once; these tests check that none is listed twice)."""
    return [int(found) for found in re.findall(r'data-task-id="(\d+)"', html)]


def list_ids(client: Client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return task_ids(response.get_data(as_text=True))


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_holds_exactly_its_tasks(alice_client: Client, world: World, view: str) -> None:
    ids = list_ids(alice_client, f"/tasks?view={view}")
    assert set(ids) == world.expected[view]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_shows_its_total(alice_client: Client, world: World, view: str) -> None:
    html = alice_client.get(f"/tasks?view={view}").get_data(as_text=True)
    total = re.search(r'data-total-count="(\d+)"', html)
    assert total and int(total.group(1)) == len(world.expected[view])
    heading = re.search(r'<h1 class="list-title">([^<]*)</h1>', html)
    assert heading and heading.group(1) in {
        "Today",
        "Upcoming",
        "Overdue",
        "No date",
        "Completed",
    }


def test_today_sorts_by_due_date_through_the_sidebar_link(
    alice_client: Client, world: World
) -> None:
    page = alice_client.get("/tasks").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)"[^>]*data-view="today"', page)
    assert link
    ids = list_ids(alice_client, unescape(link.group(1)))
    assert ids == [
        world.overdue_old,
        world.overdue_yesterday,
        world.timed_past,  # on one day, timed tasks first, by time
        world.timed_later,
        world.today_plain,
        world.in_progress,
    ]


def test_upcoming_is_grouped_by_day_with_headings(alice_client: Client, world: World) -> None:
    html = alice_client.get("/tasks?view=upcoming&sort=due&order=asc").get_data(as_text=True)
    sections = html.split('<h2 class="day-heading">')[1:]
    headings = [unescape(section.split("</h2>", 1)[0]) for section in sections]
    assert headings == [
        "Today · Friday 20 November",
        "Tomorrow · Saturday 21 November",
        "Thursday 26 November",
    ]
    groups = [set(task_ids(section)) for section in sections]
    assert groups == [
        {world.timed_past, world.today_plain, world.timed_later, world.in_progress},
        {world.tomorrow},
        {world.sixth},
    ]


def test_upcoming_groups_days_whatever_the_sort(alice_client: Client, world: World) -> None:
    html = alice_client.get("/tasks?view=upcoming").get_data(as_text=True)
    assert html.count('<h2 class="day-heading">') == 3


def test_other_views_are_not_grouped(alice_client: Client, world: World) -> None:
    for view in ("today", "overdue", "nodate", "completed"):
        html = alice_client.get(f"/tasks?view={view}").get_data(as_text=True)
        assert 'class="day-heading"' not in html, view


def test_completed_shows_the_newest_completion_first(alice_client: Client, world: World) -> None:
    ids = list_ids(alice_client, "/tasks?view=completed&sort=completed&order=desc")
    assert ids == [world.done_recent, world.done_middle, world.done_old]
    ids = list_ids(alice_client, "/tasks?view=completed&sort=completed&order=asc")
    assert ids == [world.done_old, world.done_middle, world.done_recent]
    # The sidebar's link asks for that order.
    page = alice_client.get("/tasks").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)"[^>]*data-view="completed"', page)
    assert link and list_ids(alice_client, unescape(link.group(1))) == [
        world.done_recent,
        world.done_middle,
        world.done_old,
    ]


def test_a_view_combines_with_other_filters(
    alice_client: Client, world: World, db_session: Session
) -> None:
    ids = list_ids(alice_client, "/tasks?view=today&q=today")
    assert set(ids) == {world.timed_past, world.today_plain, world.timed_later, world.in_progress}
    # status= is ignored while a view decides it
    assert set(list_ids(alice_client, "/tasks?view=nodate&status=completed")) == {
        world.undated,
        world.undated_started,
    }


@pytest.mark.parametrize(
    "url",
    [
        "/tasks?view=tomorrow",
        "/tasks?view=all",
        "/tasks?view=1",
        "/tasks?view=today%01",
        "/tasks?view=" + "x" * 300,
    ],
)
def test_an_unknown_view_is_a_400(alice_client: Client, world: World, url: str) -> None:
    response = alice_client.get(url)
    assert response.status_code == 400
    assert "Unknown view" in unescape(response.get_data(as_text=True))
    fragment = alice_client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 400
    assert "Unknown view" in unescape(fragment.get_data(as_text=True))


def test_an_empty_view_is_the_inbox(alice_client: Client, world: World) -> None:
    assert len(list_ids(alice_client, "/tasks?view=")) == world.expected_counts["open"]


def test_view_names_are_read_without_regard_to_case(alice_client: Client, world: World) -> None:
    assert set(list_ids(alice_client, "/tasks?view=Overdue")) == world.expected["overdue"]


# -- counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["/tasks", "/tasks?view=upcoming", "/tasks/{id}", "/tasks/{id}/edit", "/settings"]
)
def test_the_counts_are_on_every_logged_in_page(
    alice_client: Client, world: World, page: str
) -> None:
    response = alice_client.get(page.format(id=world.today_plain))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert view_counts(html) == world.expected_counts
    assert 'id="task-counts"' in html and 'aria-label="Task views"' in html


def test_the_counts_follow_a_change_out_of_band(alice_client: Client, world: World) -> None:
    response = alice_client.submit(
        f"/tasks/{world.overdue_old}/toggle", {"state": "completed"}, htmx=True
    )
    html = response.get_data(as_text=True)
    counts = view_counts(html)
    expected = world.expected_counts
    assert counts["today"] == expected["today"] - 1
    assert counts["overdue"] == expected["overdue"] - 1
    assert counts["completed"] == expected["completed"] + 1
    assert re.search(r'<div id="task-counts"[^>]*hx-swap-oob="true"', html)


def test_an_htmx_list_answer_carries_the_counts(alice_client: Client, world: World) -> None:
    response = alice_client.get("/tasks?view=today", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert view_counts(html) == world.expected_counts
    assert set(task_ids(html)) == world.expected["today"]


def test_the_current_view_is_marked_in_the_sidebar(alice_client: Client, world: World) -> None:
    html = alice_client.get("/tasks?view=overdue").get_data(as_text=True)
    current = re.findall(r'data-view="(\w+)"[^>]*aria-current="page"', html)
    assert current == ["overdue"]
    assert 'class="view-overdue has-overdue"' in html


def test_a_new_user_has_zero_everywhere(alice_client: Client) -> None:
    counts = view_counts(alice_client.get("/tasks").get_data(as_text=True))
    assert counts == dict.fromkeys((*VIEWS, "open", "all", "assigned"), 0)


# -- the user's clock ----------------------------------------------------------------------


def ids_for(client: Client, view: str) -> set[int]:
    return set(list_ids(client, f"/tasks?view={view}"))


@pytest.mark.parametrize(
    ("zone", "local_today"),
    [
        ("Pacific/Kiritimati", date(2026, 11, 21)),  # UTC+14: Saturday 00:00 already
        ("Pacific/Pago_Pago", date(2026, 11, 19)),  # UTC-11: still Thursday 23:00
    ],
)
def test_views_use_the_users_date(
    alice: User, alice_client: Client, db_session: Session, zone: str, local_today: date
) -> None:
    user = set_timezone(db_session, alice, zone)
    before = make_task(db_session, user, "Local yesterday", due_date=local_today - timedelta(1))
    on = make_task(db_session, user, "Local today", due_date=local_today)
    after = make_task(db_session, user, "Local tomorrow", due_date=local_today + timedelta(1))
    last = make_task(db_session, user, "Local +6", due_date=local_today + timedelta(6))
    beyond = make_task(db_session, user, "Local +7", due_date=local_today + timedelta(7))
    assert ids_for(alice_client, "today") == {before.id, on.id}
    assert ids_for(alice_client, "overdue") == {before.id}
    assert ids_for(alice_client, "upcoming") == {on.id, after.id, last.id}
    assert beyond.id not in ids_for(alice_client, "upcoming")
    counts = view_counts(alice_client.get("/tasks").get_data(as_text=True))
    assert (counts["today"], counts["overdue"], counts["upcoming"]) == (2, 1, 3)


def test_a_timed_task_is_overdue_by_the_users_clock(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    """10:00 UTC is 11:00 in Berlin: 10:30 has passed there, 11:30 has not."""
    user = set_timezone(db_session, alice, "Europe/Berlin")
    passed = make_task(db_session, user, "10:30", due_date=TODAY, due_time=time(10, 30))
    coming = make_task(db_session, user, "11:30", due_date=TODAY, due_time=time(11, 30))
    assert ids_for(alice_client, "overdue") == {passed.id}
    assert ids_for(alice_client, "today") == {passed.id, coming.id}


# -- the query functions -------------------------------------------------------------------


def query_ids(session: Session, user: User, view: str, now: datetime) -> set[int]:
    page = reading.list_tasks(session, user, ListQuery(view=view, per_page=100), now=now)
    return {t.id for t in page.tasks}


def test_the_query_functions_take_the_instant(world: World, db_session: Session) -> None:
    """list_tasks and view_counts agree with each other and move with `now`."""
    user = db_session.get(User, world.user.id)
    assert user is not None
    for view in VIEWS:
        ids = query_ids(db_session, user, view, NOW)
        assert ids == world.expected[view], view
    assert counting.view_counts(db_session, user, NOW) == world.expected_counts
    # A day later the old "tomorrow" is today, and today's tasks are overdue.
    later = NOW + timedelta(days=1)
    assert world.tomorrow in query_ids(db_session, user, "today", later)
    assert world.today_plain in query_ids(db_session, user, "overdue", later)
    assert world.seventh in query_ids(db_session, user, "upcoming", later)
    counts = counting.view_counts(db_session, user, later)
    for view in VIEWS:
        assert counts[view] == len(query_ids(db_session, user, view, later)), view


def test_bobs_counts_are_his_own(world: World, db_session: Session) -> None:
    bob = user_by_email(db_session, BOB)
    counts = counting.view_counts(db_session, bob, NOW)
    assert (counts["today"], counts["overdue"], counts["nodate"], counts["completed"]) == (
        2,
        1,
        1,
        1,
    )
