"""Property-based tests: whatever arrives in the query string or the task form, the answer
is a page or a clear 4xx, never a 500, and a refused form writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from todo_web.models import DESCRIPTION_MAX, TAG_NAME_MAX, TITLE_MAX, Task, User
from todo_web.tasks.listing import (
    DUE_FILTERS,
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    ORDERS,
    PRIORITY_FILTERS,
    SORT_KEYS,
    STATUS_FILTERS,
    BadListQuery,
    parse_list_query,
)

from ..client import Client, create_task_via_form, task_ids, total_count
from ..factories import get_task, make_task, snapshot

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

nasty_text = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from("\x00\"'\\:*&|!()<>%_- \t\n,;#")),
    st.builds(lambda piece, n: piece * n, st.text(min_size=1, max_size=5), st.integers(1, 3000)),
)


def one_of_or_junk(choices: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(choices),
        st.sampled_from(choices).map(str.upper),
        st.sampled_from(choices).map(lambda c: f" {c} "),
        nasty_text,
    )


numbers = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["", "0", "-0", "--1", "1.0", "1e2", "0x1", "+5", " 7 ", "٣", "²", "5\x00"]),
    nasty_text,
)

query_params = st.fixed_dictionaries(
    {},
    optional={
        "q": nasty_text,
        "status": one_of_or_junk(STATUS_FILTERS),
        "priority": one_of_or_junk(PRIORITY_FILTERS),
        "tag": st.lists(
            st.one_of(st.sampled_from(["home", "work", "Home"]), nasty_text), max_size=12
        ),
        "due": one_of_or_junk(DUE_FILTERS),
        "sort": one_of_or_junk(SORT_KEYS),
        "order": one_of_or_junk(ORDERS),
        "page": numbers,
        "per_page": numbers,
    },
)


def as_multidict(params: dict[str, Any]) -> MultiDict[str, str]:
    items: list[tuple[str, str]] = []
    for key, value in params.items():
        items += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    return MultiDict(items)


# -- the query string ----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(params=query_params)
def test_parsed_query_is_always_in_range_or_refused(params: dict[str, Any]) -> None:
    try:
        query = parse_list_query(as_multidict(params))
    except BadListQuery as error:
        assert str(error)
        return
    assert query.status in STATUS_FILTERS and query.sort in SORT_KEYS and query.order in ORDERS
    assert query.priority in (None, *PRIORITY_FILTERS)
    assert query.due in (None, *DUE_FILTERS)
    assert query.page >= 1 and 1 <= query.per_page <= MAX_PER_PAGE
    assert len(query.q) <= MAX_QUERY_LENGTH and "\x00" not in query.q
    assert all(0 < len(tag) <= TAG_NAME_MAX and "\x00" not in tag for tag in query.tags)
    # The URL the list writes for itself reads back as the same list.
    assert parse_list_query(MultiDict(query.to_params())) == query


@pytest.fixture
def seeded(db_session: Session, alice: User) -> list[int]:
    return [
        make_task(db_session, alice, "Buy milk", tags=("home",)).id,
        make_task(db_session, alice, "Write report", tags=("work", "urgent"), priority=3).id,
        make_task(db_session, alice, "Done thing", status="completed").id,
    ]


@FAST
@given(params=query_params, htmx=st.booleans())
def test_any_query_string_answers_a_list_or_a_400(
    alice_client: Client,
    app: Flask,
    seeded: list[int],
    params: dict[str, Any],
    htmx: bool,
) -> None:
    before = snapshot(app)
    headers = {"HX-Request": "true"} if htmx else {}
    response = alice_client.get("/tasks", query_string=as_multidict(params), headers=headers)
    assert response.status_code in (200, 400), response.status_code
    html = response.get_data(as_text=True)
    assert ("<html" in html) is not htmx
    assert set(task_ids(html)) <= set(seeded)
    assert 0 <= total_count(html) <= len(seeded)
    if response.status_code == 400:
        assert "toast-error" in html
    assert snapshot(app) == before


# -- the task form -------------------------------------------------------------------------

date_text = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(0, 10_000),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
    st.sampled_from(["", "2026-02-30", "2026-02-29", "2024-02-29", "2026-2-3", "26-01-01"]),
    nasty_text,
)
time_text = st.one_of(
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 25), st.integers(0, 61)),
    st.sampled_from(["", "25:00", "24:00", "12:60", "9:5", "12:00:00", "12:00 PM"]),
    nasty_text,
)
tags_text = st.one_of(
    st.lists(st.one_of(st.text(max_size=55), st.sampled_from(["Work", "work", "WORK"]))).map(
        ", ".join
    ),
    nasty_text,
)
task_fields = st.fixed_dictionaries(
    {
        "title": st.one_of(st.text(max_size=210), nasty_text, st.just("Plain title")),
    },
    optional={
        "description": st.one_of(st.text(), nasty_text, st.just("x" * DESCRIPTION_MAX)),
        "priority": one_of_or_junk(PRIORITY_FILTERS),
        "status": one_of_or_junk(("pending", "in_progress", "completed", "cancelled")),
        "due_date": date_text,
        "due_time": time_text,
        "tags": tags_text,
        "repeat": one_of_or_junk(("none", "daily", "weekdays", "weekly", "monthly", "yearly")),
        "next": st.one_of(st.just("/tasks?status=all"), nasty_text),
    },
)


def check_saved_task(db_session: Session, client: Client, task_id: int) -> None:
    """A task the form accepted obeys every rule of the data model and shows fine."""
    task = get_task(db_session, task_id)
    assert 1 <= len(task.title) <= TITLE_MAX and task.title == task.title.strip()
    assert "\x00" not in task.title + task.description
    assert len(task.description) <= DESCRIPTION_MAX
    assert (task.status == "completed") == (task.completed_at is not None)
    assert task.due_time is None or task.due_date is not None
    names = [tag.name for tag in task.tags]
    assert all(1 <= len(name) <= TAG_NAME_MAX and name == name.strip() for name in names)
    assert len({name.casefold() for name in names}) == len(names)
    assert client.get(f"/tasks/{task_id}").status_code == 200
    assert client.get(f"/tasks/{task_id}/edit").status_code == 200
    listed = client.get("/tasks?status=all&sort=due&per_page=100")
    assert listed.status_code == 200 and task_id in task_ids(listed.get_data(as_text=True))


def check_answer(response: Any, htmx: bool, before: Any, app: Flask) -> bool:
    """True when the form was accepted; a refusal must have written nothing."""
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 400:
        html = response.get_data(as_text=True)
        assert "field-error" in html
        assert snapshot(app) == before
        return False
    if not htmx:
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\"))
    return True


@FAST
@given(fields=task_fields, htmx=st.booleans())
def test_any_create_form_saves_a_valid_task_or_nothing(
    alice_client: Client, app: Flask, fields: dict[str, str], htmx: bool, db_session: Session
) -> None:
    before = snapshot(app)
    response = alice_client.submit("/tasks", fields, htmx=htmx)
    if check_answer(response, htmx, before, app):
        db_session.expire_all()
        newest = db_session.scalar(select(func.max(Task.id)))
        assert newest is not None
        assert len(snapshot(app)["tasks"]) == len(before["tasks"]) + 1
        check_saved_task(db_session, alice_client, newest)


@pytest.fixture
def edited(alice_client: Client) -> int:
    return create_task_via_form(alice_client, title="Edit me", tags="start", due_date="2026-01-01")


@FAST
@given(fields=task_fields, htmx=st.booleans())
def test_any_edit_form_saves_a_valid_task_or_nothing(
    alice_client: Client,
    app: Flask,
    edited: int,
    fields: dict[str, str],
    htmx: bool,
    db_session: Session,
) -> None:
    before = snapshot(app)
    response = alice_client.submit(f"/tasks/{edited}/edit", fields, htmx=htmx)
    if check_answer(response, htmx, before, app):
        assert len(snapshot(app)["tasks"]) == len(before["tasks"])
        check_saved_task(db_session, alice_client, edited)
