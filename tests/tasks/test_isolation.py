"""Another user's task is as missing as no task, on every route and method."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.models import User

from ..client import Client, create_task_via_form, list_ids, task_ids
from ..conftest import NOW
from ..factories import get_task, make_task, snapshot

CSRF_VALUE = re.compile(r'(?<=csrf-token" content=")[^"]+|(?<="X-CSRFToken": ")[^"]+')
ATTEMPTS = [
    ("GET", "/tasks/{id}", None),
    ("GET", "/tasks/{id}/edit", None),
    (
        "POST",
        "/tasks/{id}/edit",
        {"title": "Mine now", "priority": "low", "status": "completed", "tags": "stolen"},
    ),
    ("POST", "/tasks/{id}/toggle", {}),
    ("POST", "/tasks/{id}/delete", {}),
    ("POST", "/tasks/{id}/restore", {}),
]


def attempt(client: Client, method: str, url: str, data: dict | None, htmx: bool) -> int:
    if method == "GET":
        headers = {"HX-Request": "true"} if htmx else {}
        return client.get(url, headers=headers).status_code
    return client.submit(url, data, htmx=htmx).status_code


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_every_route_is_404_for_another_users_task(
    alice_client: Client, bob_client: Client, app: Flask, htmx: bool, db_session: Session
) -> None:
    task_id = create_task_via_form(
        alice_client,
        title="Alice's secret",
        description="Diary",
        tags="private",
        due_date="2026-04-01",
    )
    before = snapshot(app)
    for method, url, data in ATTEMPTS:
        status = attempt(bob_client, method, url.format(id=task_id), data, htmx)
        assert status == 404, (method, url)
    assert snapshot(app) == before
    task = get_task(db_session, task_id)
    assert task is not None
    assert task.title == "Alice's secret" and task.status == "pending"
    assert task.deleted_at is None and [t.name for t in task.tags] == ["private"]


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_another_users_deleted_task_cannot_be_restored(
    alice_client: Client, bob_client: Client, app: Flask, htmx: bool, db_session: Session
) -> None:
    task_id = create_task_via_form(alice_client, title="Deleted on purpose")
    assert alice_client.submit(f"/tasks/{task_id}/delete").status_code == 302
    before = snapshot(app)
    for method, url, data in ATTEMPTS:
        status = attempt(bob_client, method, url.format(id=task_id), data, htmx)
        assert status == 404, (method, url)
    assert snapshot(app) == before
    task = get_task(db_session, task_id)
    assert task is not None and task.deleted_at is not None


def test_404_for_another_user_looks_like_404_for_nothing(
    alice_client: Client, bob_client: Client
) -> None:
    task_id = create_task_via_form(alice_client, title="Alice's secret")
    bob_client.get("/tasks")  # shows (and so clears) any message left from logging in
    theirs = bob_client.get(f"/tasks/{task_id}")
    missing = bob_client.get("/tasks/987654")
    assert theirs.status_code == missing.status_code == 404
    assert "Alice's secret" not in theirs.get_data(as_text=True)

    def normalized(html: str) -> str:
        return CSRF_VALUE.sub("", html.replace(str(task_id), "").replace("987654", ""))

    assert normalized(theirs.get_data(as_text=True)) == normalized(missing.get_data(as_text=True))


def test_another_users_list_never_shows_the_task(
    clock: TimeMachineFixture,
    alice_client: Client,
    bob_client: Client,
    db_session: Session,
    alice: User,
    bob: User,
) -> None:
    secret = make_task(
        db_session,
        alice,
        "Zeppelin secret",
        description="unique words",
        tags=("shared-name",),
        due_date=NOW.date(),
    ).id
    completed = make_task(db_session, alice, "Zeppelin done", status="completed").id
    own = make_task(db_session, bob, "Bob's own", tags=("other",)).id
    for query in (
        "",
        "?status=all",
        "?status=completed",
        "?q=zeppelin&status=all",
        "?q=unique",
        "?tag=shared-name",
        "?tag=Shared-Name&status=all",
        "?due=today",
        "?due=week&status=all",
        "?sort=title&order=asc&per_page=100",
    ):
        ids = set(list_ids(bob_client, query))
        assert secret not in ids and completed not in ids, query
    page = bob_client.get("/tasks?status=all").get_data(as_text=True)
    assert task_ids(page) == [own]
    assert 'data-count-open="1"' in page and 'data-count-completed="0"' in page
    assert "Zeppelin" not in page and "shared-name" not in page
    assert list_ids(bob_client, "?tag=shared-name") == []
    assert set(list_ids(alice_client, "?tag=shared-name")) == {secret}


def test_tags_with_the_same_name_stay_apart(
    alice_client: Client,
    bob_client: Client,
    db_session: Session,
    alice: User,
    bob: User,
) -> None:
    alices = create_task_via_form(alice_client, title="Alice's", tags="work")
    bobs = create_task_via_form(bob_client, title="Bob's", tags="Work")
    assert list_ids(alice_client, "?tag=work") == [alices]
    assert list_ids(bob_client, "?tag=work") == [bobs]
    alice_task, bob_task = get_task(db_session, alices), get_task(db_session, bobs)
    assert alice_task is not None and bob_task is not None
    assert alice_task.tags[0].id != bob_task.tags[0].id
    assert alice_task.tags[0].user_id == alice.id and bob_task.tags[0].user_id == bob.id


def test_creating_never_writes_to_another_user(
    alice_client: Client, alice: User, bob: User, db_session: Session
) -> None:
    alice_client.submit("/tasks", {"title": "Mine", "user_id": str(bob.id)})
    [task_id] = list_ids(alice_client)
    task = get_task(db_session, task_id)
    assert task is not None and task.user_id == alice.id
