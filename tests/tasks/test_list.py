"""The list: sort orders, pages, counts, empty states, and a constant number of queries."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from todo_web.db import get_database
from todo_web.models import Priority, Task, User
from todo_web.tasks import reading
from todo_web.tasks.listing import SORT_KEYS, ListQuery

from ..client import Client, list_ids, task_ids, total_count
from ..factories import make_task, make_tasks


@contextmanager
def count_statements(app: Flask) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine runs inside the block."""
    statements: list[str] = []
    engine = get_database(app).engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


SAME_TIME = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def expected_order(tasks: list[Task], sort: str, order: str) -> list[int]:
    """The order the list promises, worked out in Python: ties broken by id in the same
    direction, undated tasks last either way, and on one day timed tasks first."""
    desc = order == "desc"
    if sort == "due":
        dated = [t for t in tasks if t.due_date is not None]
        undated = [t for t in tasks if t.due_date is None]
        by_day: dict[date, list[Task]] = {}
        for task in dated:
            by_day.setdefault(task.due_date, []).append(task)  # type: ignore[arg-type]
        result: list[Task] = []
        for day in sorted(by_day, reverse=desc):
            timed = [t for t in by_day[day] if t.due_time is not None]
            untimed = [t for t in by_day[day] if t.due_time is None]
            result += sorted(timed, key=lambda t: (t.due_time, t.id), reverse=desc)
            result += sorted(untimed, key=lambda t: t.id, reverse=desc)
        result += sorted(undated, key=lambda t: t.id, reverse=desc)
        return [t.id for t in result]
    if sort == "completed":
        done = [t for t in tasks if t.completed_at is not None]
        open_ = [t for t in tasks if t.completed_at is None]
        by_completion = sorted(done, key=lambda t: (t.completed_at, t.id), reverse=desc)
        return [t.id for t in by_completion + sorted(open_, key=lambda t: t.id, reverse=desc)]
    key = {
        "created": lambda t: (t.created_at, t.id),
        "updated": lambda t: (t.updated_at, t.id),
        "title": lambda t: (t.title.lower(), t.id),
        "priority": lambda t: (int(t.priority), t.id),
        # one list here, all top level: by position
        "manual": lambda t: (t.list_id, t.position, t.id),
    }[sort]
    return [t.id for t in sorted(tasks, key=key, reverse=desc)]


@pytest.fixture
def lumpy_tasks(db_session: Session, alice: User) -> list[Task]:
    """Fourteen tasks with many equal sort keys: the same creation time, three titles in
    mixed case, three priorities, a few due days with and without times, some undated."""
    titles = ["apple", "Banana", "apple", "cherry", "BANANA"]
    dues: list[tuple[date | None, time | None]] = [
        (None, None),
        (date(2026, 5, 1), None),
        (date(2026, 5, 1), time(9, 0)),
        (date(2026, 4, 1), None),
        (None, None),
        (date(2026, 5, 1), time(9, 0)),
        (date(2026, 5, 1), time(17, 0)),
    ]
    tasks = []
    for n in range(14):
        due_date, due_time = dues[n % len(dues)]
        tasks.append(
            make_task(
                db_session,
                alice,
                titles[n % len(titles)],
                priority=list(Priority)[n % 3],
                due_date=due_date,
                due_time=due_time,
                created_at=SAME_TIME,
                updated_at=SAME_TIME + timedelta(minutes=n % 2),
                commit=False,
            )
        )
    db_session.commit()
    return tasks


@pytest.mark.parametrize(("sort", "order"), list(itertools.product(SORT_KEYS, ("asc", "desc"))))
def test_sort_orders(
    db_session: Session, alice: User, lumpy_tasks: list[Task], sort: str, order: str
) -> None:
    page = reading.list_tasks(db_session, alice, ListQuery(sort=sort, order=order, per_page=100))
    assert [t.id for t in page.tasks] == expected_order(lumpy_tasks, sort, order)


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_undated_tasks_come_last_either_way(
    db_session: Session, alice: User, lumpy_tasks: list[Task], order: str
) -> None:
    page = reading.list_tasks(db_session, alice, ListQuery(sort="due", order=order, per_page=100))
    dated = [t.due_date is not None for t in page.tasks]
    assert dated == sorted(dated, reverse=True)
    assert dated.count(False) == 4


@pytest.mark.parametrize(("sort", "order"), list(itertools.product(SORT_KEYS, ("asc", "desc"))))
def test_walking_the_pages_shows_every_task_once(
    db_session: Session, alice: User, lumpy_tasks: list[Task], sort: str, order: str
) -> None:
    whole = expected_order(lumpy_tasks, sort, order)
    for per_page in (1, 2, 3):
        seen: list[int] = []
        for number in itertools.count(1):
            query = ListQuery(sort=sort, order=order, page=number, per_page=per_page)
            page = reading.list_tasks(db_session, alice, query)
            assert page.total == len(whole)
            if not page.tasks:
                break
            seen += [t.id for t in page.tasks]
        assert seen == whole, (sort, order, per_page)


@pytest.mark.parametrize("per_page", [1, 2, 3])
def test_following_next_links_shows_every_task_once(
    alice_client: Client, lumpy_tasks: list[Task], per_page: int
) -> None:
    url: str | None = f"/tasks?sort=priority&order=asc&per_page={per_page}"
    seen: list[int] = []
    while url:
        page = alice_client.get(url).get_data(as_text=True)
        assert total_count(page) == len(lumpy_tasks)
        seen += task_ids(page)
        match = re.search(r'<a href="([^"]+)"[^>]*rel="next"', page)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == expected_order(lumpy_tasks, "priority", "asc")


def test_sort_through_the_page(alice_client: Client, lumpy_tasks: list[Task]) -> None:
    for sort, order in itertools.product(SORT_KEYS, ("asc", "desc")):
        assert list_ids(alice_client, f"?sort={sort}&order={order}&per_page=100") == (
            expected_order(lumpy_tasks, sort, order)
        )


def test_default_order_is_newest_first(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    old = make_task(db_session, alice, "old", created_at=SAME_TIME).id
    new = make_task(db_session, alice, "new", created_at=SAME_TIME + timedelta(days=1)).id
    assert list_ids(alice_client) == [new, old]


# -- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_page", "shown"),
    [("1", 1), ("0", 1), ("-5", 1), ("100", 100), ("1000", 100), ("", 20), ("7", 7)],
)
def test_per_page_is_clamped(
    alice_client: Client, db_session: Session, alice: User, per_page: str, shown: int
) -> None:
    make_tasks(db_session, alice, 101)
    response = alice_client.get(f"/tasks?per_page={per_page}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert len(task_ids(page)) == shown
    assert total_count(page) == 101


def test_page_past_the_end_links_back(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    make_tasks(db_session, alice, 5)
    response = alice_client.get("/tasks?page=9&per_page=2")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert task_ids(page) == []
    assert total_count(page) == 5
    assert "This page is past the end of the list." in page
    assert '<a href="/tasks?page=3&amp;per_page=2">Go to the last page (3)</a>' in page
    assert len(task_ids(alice_client.get("/tasks?page=3&per_page=2").get_data(as_text=True))) == 1


def test_pages_show_where_you_are(alice_client: Client, db_session: Session, alice: User) -> None:
    make_tasks(db_session, alice, 5)
    page = alice_client.get("/tasks?page=2&per_page=2").get_data(as_text=True)
    assert "3\N{EN DASH}4 of 5 tasks" in page
    assert "Page 2 of 3" in page
    assert 'rel="prev"' in page and 'rel="next"' in page
    last = alice_client.get("/tasks?page=3&per_page=2").get_data(as_text=True)
    assert 'rel="next"' not in last


def test_counts_of_open_and_completed_tasks(
    alice_client: Client, db_session: Session, alice: User, bob: User
) -> None:
    make_tasks(db_session, alice, 3)
    make_tasks(db_session, alice, 2, status="in_progress")
    make_tasks(db_session, alice, 4, status="completed")
    make_tasks(db_session, alice, 1, status="cancelled")
    make_task(db_session, alice, "gone", deleted_at=SAME_TIME)
    make_tasks(db_session, bob, 7)
    page = alice_client.get("/tasks").get_data(as_text=True)
    assert 'data-count-open="5"' in page
    assert 'data-count-completed="4"' in page
    assert 'data-view="all" data-count="10"' in page
    assert total_count(page) == 5
    assert total_count(alice_client.get("/tasks?status=all").get_data(as_text=True)) == 10


# -- empty states --------------------------------------------------------------------------


def test_empty_list_says_how_to_start(alice_client: Client) -> None:
    page = alice_client.get("/tasks").get_data(as_text=True)
    assert total_count(page) == 0
    assert "Add your first task with the box above." in page
    assert 'id="quick-form"' in page
    # The form with every field is one click away (loaded when opened).
    assert 'hx-get="/tasks/new"' in page


def test_empty_filtered_list_offers_the_way_back(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    make_task(db_session, alice, "Something")
    page = alice_client.get("/tasks?q=nothing-like-it&priority=high").get_data(as_text=True)
    assert total_count(page) == 0
    assert "No tasks match these filters." in page
    assert '<a href="/tasks">Show all open tasks</a>' in page
    assert "Clear all" in page


def test_all_done_list_is_not_the_first_run_message(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    make_task(db_session, alice, "Finished", status="completed")
    page = alice_client.get("/tasks").get_data(as_text=True)
    assert total_count(page) == 0
    assert "empty-state" in page
    assert 'data-count-completed="1"' in page


# -- queries -------------------------------------------------------------------------------


def _statements_for_list(app: Flask, client: Client, url: str, **headers: str) -> list[str]:
    client.get(url, headers=headers)  # warm up: caches, first connection
    with count_statements(app) as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return list(statements)


@pytest.mark.parametrize("htmx", [False, True])
def test_list_runs_the_same_queries_for_5_or_100_tasks(
    alice_client: Client, app: Flask, db_session: Session, alice: User, htmx: bool
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    url = "/tasks?per_page=100&status=all"
    make_tasks(db_session, alice, 5, tags=("home", "work"), due_date=date(2026, 1, 1))
    few = _statements_for_list(app, alice_client, url, **headers)
    assert total_count(alice_client.get(url).get_data(as_text=True)) == 5

    make_tasks(db_session, alice, 95, tags=("home", "errands"), status="completed")
    many = _statements_for_list(app, alice_client, url, **headers)
    page = alice_client.get(url).get_data(as_text=True)
    assert len(task_ids(page)) == 100
    assert page.count('href="/tasks?tag=home"') == 100
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 10
