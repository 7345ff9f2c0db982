"""Database round trips per request, counted at the wire: the app reaches PostgreSQL
through a forwarder that reads the protocol (tests/tcpproxy.py's `PgWire`), so every
query message the server gets is counted, ``BEGIN`` and the final ``ROLLBACK`` or
``COMMIT`` included, which SQLAlchemy's events never see. In production each round trip
costs about a millisecond (Neon, same region); the limits below fail the suite when a
change adds one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from todo_web.models import TaskList

from .client import Client
from .database import is_postgres
from .factories import (
    ALICE,
    BOB,
    make_list,
    make_task,
    make_tasks,
    make_user,
    share,
    task_titled,
)
from .tcpproxy import PgWire, TcpProxy

pytestmark = pytest.mark.skipif(not is_postgres(), reason="counts PostgreSQL's protocol")

MakeApp = Callable[..., Flask]

#: The most round trips each request may take (with a warm pool, logged in). A create
#: answers with the refreshed list and a fresh form, after its commit.
PAGE_VIEW = 4
TOGGLE = 6
CREATE = 10


@pytest.fixture
def wire() -> PgWire:
    return PgWire()


@pytest.fixture
def proxied_app(make_app: MakeApp, database_url: str, wire: PgWire) -> Iterator[Flask]:
    target = make_url(database_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432, wire=wire) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).update_query_dict(
            {"sslmode": "disable"}
        )
        yield make_app(DATABASE_URL=url.render_as_string(hide_password=False))


def round_trips(wire: PgWire, send: Callable[[], object]) -> list[str]:
    """The query messages `send()` made; the request is sent once before, so the pool is
    warm and the login session's last-seen time fresh."""
    send()
    wire.reset()
    send()
    return wire.taken()


def describe(queries: list[str]) -> str:
    shown = (" ".join(query.split("jit = off; ")[-1].split())[:200] for query in queries)
    return "\n".join(f"{n}. {query}" for n, query in enumerate(shown, 1))


@pytest.fixture
def alice_behind(proxied_app: Flask, db_session: Session) -> Client:
    """Alice, with a few tasks in her Inbox and in a list she shares with Bob."""
    alice = make_user(db_session, ALICE)
    bob = make_user(db_session, BOB)
    make_tasks(db_session, alice, 30, tags=["home", "errands"])
    work = make_list(db_session, alice, "Work")
    make_tasks(db_session, alice, 5, title="Report", task_list=work)
    share(db_session, work, bob)
    client: Client = proxied_app.test_client()  # type: ignore[assignment]
    assert client.log_in(ALICE).status_code == 302
    return client


@pytest.fixture
def heavy_behind(proxied_app: Flask, db_session: Session) -> Client:
    """A user with a thousand tasks, tagged, over three lists and many due dates."""
    heavy = make_user(db_session, BOB)
    lists = [make_list(db_session, heavy, name, commit=False) for name in ("A", "B")]
    for n in range(1000):
        make_task(
            db_session,
            heavy,
            f"Task {n}",
            tags=[f"tag{n % 7}"],
            due_date=date(2026, 11, 1) + timedelta(days=n % 90),
            task_list=lists[n % 2] if n % 3 else None,
            commit=False,
        )
    db_session.commit()
    client: Client = proxied_app.test_client()  # type: ignore[assignment]
    assert client.log_in(BOB).status_code == 302
    return client


PAGES = {
    "default": "/tasks",
    "search": "/tasks?q=Task",
    "filtered": "/tasks?status=all&priority=medium&tag={tag}&sort=due&order=asc",
    "view": "/tasks?view=upcoming",
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_page_view(alice_behind: Client, wire: PgWire, page: str) -> None:
    path = PAGES[page].format(tag="home")
    queries = round_trips(wire, lambda: alice_behind.get(path))
    assert len(queries) <= PAGE_VIEW, describe(queries)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_heavy_users_page_view(heavy_behind: Client, wire: PgWire, page: str) -> None:
    path = PAGES[page].format(tag="tag3")
    queries = round_trips(wire, lambda: heavy_behind.get(path))
    assert len(queries) <= PAGE_VIEW, describe(queries)


def test_a_lists_page(alice_behind: Client, wire: PgWire, db_session: Session) -> None:
    work = db_session.scalars(select(TaskList).where(TaskList.name == "Work")).one()
    queries = round_trips(wire, lambda: alice_behind.get(f"/tasks?list={work.id}"))
    assert len(queries) <= PAGE_VIEW, describe(queries)


def test_the_poll_of_an_unchanged_page(alice_behind: Client, wire: PgWire) -> None:
    page = alice_behind.get("/tasks").get_data(as_text=True)
    version = re.search(r'data-version="([^"]+)"', page)
    assert version, "the page polls with its version"
    url = f"/tasks?version={version.group(1)}"
    assert alice_behind.htmx_get(url).status_code == 204
    queries = round_trips(wire, lambda: alice_behind.htmx_get(url))
    assert len(queries) <= PAGE_VIEW, describe(queries)


def test_a_toggle(alice_behind: Client, wire: PgWire, db_session: Session) -> None:
    task = task_titled(db_session, "Task 007")
    states = iter(["completed", "pending"])

    def toggle() -> None:
        response = alice_behind.submit(
            f"/tasks/{task.id}/toggle", {"state": next(states)}, htmx=True
        )
        assert response.status_code == 200

    queries = round_trips(wire, toggle)
    assert len(queries) <= TOGGLE, describe(queries)


def test_a_create(alice_behind: Client, wire: PgWire) -> None:
    titles = iter(["First", "Second"])

    def create() -> None:
        response = alice_behind.submit("/tasks", {"title": next(titles)}, htmx=True)
        assert response.status_code == 200

    queries = round_trips(wire, create)
    assert len(queries) <= CREATE, describe(queries)
