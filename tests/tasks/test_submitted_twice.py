"""A create form submitted twice makes one task: each drawn form carries a fresh
`idempotency_key`, and the same key from the same person finds the task it made
(todo_web/tasks/submissions.py). A retry after a time-out, a double click that beat the
button, two requests racing: one task, one "created" mail, and both answered as a success.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from todo_web.models import Outbox, Task, User
from todo_web.tasks import lifecycle

from ..client import Client
from ..database import is_postgres
from ..factories import make_list, share

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def drawn_key(client: Client, path: str = "/tasks") -> str:
    """The key of the create form on the page, as a browser would send it."""
    match = KEY.search(client.get(path).get_data(as_text=True))
    assert match, "the page's form has no idempotency key"
    return match.group(1)


def titles(session: Session, user: User) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Task.title).where(Task.created_by_id == user.id)))


def test_every_drawn_form_gets_a_new_key(alice_client: Client) -> None:
    drawn = [
        *KEY.findall(alice_client.get("/tasks").get_data(as_text=True)),  # quick add
        *KEY.findall(alice_client.get("/tasks").get_data(as_text=True)),
        *KEY.findall(alice_client.htmx_get("/tasks/new").get_data(as_text=True)),  # full form
        *KEY.findall(alice_client.get("/tasks/new").get_data(as_text=True)),
    ]
    assert len(drawn) == len(set(drawn)) == 4


@pytest.mark.parametrize("htmx", [False, True])
def test_the_same_form_sent_again_makes_one_task(
    alice_client: Client, alice: User, db_session: Session, htmx: bool
) -> None:
    key = drawn_key(alice_client)
    form = {"title": "Pay rent", "priority": "high", "idempotency_key": key}
    first = alice_client.submit("/tasks", form, htmx=htmx)
    again = alice_client.submit("/tasks", form, htmx=htmx)
    assert first.status_code == again.status_code
    assert again.status_code == (200 if htmx else 302)
    assert titles(db_session, alice) == ["Pay rent"]
    if htmx:
        assert "Pay rent" in again.get_data(as_text=True)
    # A new form is a new task, even with the same title.
    form["idempotency_key"] = drawn_key(alice_client)
    alice_client.submit("/tasks", form, htmx=htmx)
    assert titles(db_session, alice) == ["Pay rent", "Pay rent"]


def test_quick_add_sent_again_makes_one_task(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    key = drawn_key(alice_client)
    for _ in range(3):
        response = alice_client.submit("/tasks/quick", {"text": "Call mum", "idempotency_key": key})
        assert response.status_code == 302
    assert titles(db_session, alice) == ["Call mum"]


def test_keys_are_per_person(
    alice: User,
    bob: User,
    alice_client: Client,
    bob_client: Client,
    db_session: Session,
) -> None:
    """Bob sending a key Alice used (he saw her page? a copied form) makes his own task
    and learns nothing of hers."""
    work = make_list(db_session, alice, "Work")
    share(db_session, work, bob)
    key = drawn_key(alice_client)
    alice_client.submit("/tasks", {"title": "Alice's", "list": work.id, "idempotency_key": key})
    response = bob_client.submit(
        "/tasks", {"title": "Bob's", "list": work.id, "idempotency_key": key}, htmx=True
    )
    assert response.status_code == 200
    assert titles(db_session, alice) == ["Alice's"]
    assert titles(db_session, bob) == ["Bob's"]


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space in it ok", "é" * 20])
def test_a_malformed_key_is_a_400_and_creates_nothing(
    alice_client: Client, alice: User, db_session: Session, key: str
) -> None:
    for path, form in (("/tasks", {"title": "T"}), ("/tasks/quick", {"text": "T"})):
        response = alice_client.submit(path, {**form, "idempotency_key": key})
        assert response.status_code == 400
        assert "reload the page" in response.get_data(as_text=True)
    assert titles(db_session, alice) == []


def test_a_form_without_a_key_creates_as_before(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    for _ in range(2):
        assert alice_client.submit("/tasks", {"title": "Same"}).status_code == 302
    assert titles(db_session, alice) == ["Same", "Same"]


@pytest.mark.skipif(
    not is_postgres(),
    reason="on SQLite the first request holds the write lock from its first statement "
    "(BEGIN IMMEDIATE), so the second cannot get past its checks before the first commits",
)
def test_two_sends_racing_make_one_task_and_one_mail(
    app: Flask,
    alice: User,
    db_session: Session,
    log_in: Callable[[User], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both requests are past every check before either inserts: the unique index alone
    decides (the second insert waits for the first to commit, then fails), and the loser
    answers with the winner's task. Alice, who asked for mail on her changes, gets one."""
    alice.notify_task_changes = True
    db_session.commit()
    tabs = [log_in(alice), log_in(alice)]
    key = drawn_key(tabs[0])
    for tab in tabs:
        tab.token()
    both_ready = threading.Barrier(2, timeout=10)
    original = lifecycle.create_task

    def create_when_both_ready(*args: object, **kwargs: object) -> Task:
        both_ready.wait()
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lifecycle, "create_task", create_when_both_ready)
    form = {"title": "Book the venue", "idempotency_key": key}
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda tab: tab.submit("/tasks", form), tabs))

    assert [answer.status_code for answer in answers] == [302, 302]
    assert titles(db_session, alice) == ["Book the venue"]
    mails = db_session.scalar(
        select(func.count()).select_from(Outbox).where(Outbox.user_id == alice.id)
    )
    assert mails == 1
