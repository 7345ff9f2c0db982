"""Lists in quick add (`+List`), in bulk actions (`move_to_list`) and in the create form's
default, and the purge of deleted lists."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.db import utcnow
from todo_web.lists.queries import delete_list, inbox_of
from todo_web.models import Task, TaskList, User
from todo_web.tasks.lifecycle import purge_deleted

from ..client import Client, task_ids, text_of
from ..factories import count_rows, get_task, make_list, make_task, snapshot


def newest(session: Session) -> Task:
    task = session.scalar(select(Task).order_by(Task.id.desc()).limit(1))
    assert task is not None
    return task


@pytest.mark.parametrize(
    ("text", "list_name", "title"),
    [
        ("Milk +Groceries", "Groceries", "Milk"),
        ("Milk +groceries tomorrow", "Groceries", "Milk"),
        ('Fix the tap +"Home repairs" !high', "Home repairs", "Fix the tap"),
        ("Fix the tap +“home REPAIRS”", "Home repairs", "Fix the tap"),
    ],
)
def test_quick_add_puts_the_task_in_the_named_list(
    alice: User,
    alice_client: Client,
    db_session: Session,
    text: str,
    list_name: str,
    title: str,
) -> None:
    make_list(db_session, alice, "Groceries")
    make_list(db_session, alice, "Home repairs")
    response = alice_client.submit("/tasks/quick", {"text": text})
    assert response.status_code == 302, text_of(response)
    task = newest(db_session)
    assert task.title == title
    assert db_session.get(TaskList, task.list_id).name == list_name  # type: ignore[union-attr]


def test_an_unknown_list_is_a_message_naming_the_lists_and_nothing_is_made(
    alice: User, alice_client: Client, app: Flask, db_session: Session
) -> None:
    make_list(db_session, alice, "Groceries")
    make_list(db_session, alice, "Home repairs")
    before = snapshot(app)
    response = alice_client.submit("/tasks/quick", {"text": "Milk +Grocery"}, htmx=True)
    assert response.status_code == 400
    message = unescape(text_of(response))
    assert "no list called “Grocery”" in message
    assert "+Groceries" in message and '+"Home repairs"' in message and "+Inbox" in message
    assert snapshot(app) == before


def test_another_users_list_name_is_unknown(
    alice: User, bob: User, alice_client: Client, app: Flask, db_session: Session
) -> None:
    make_list(db_session, bob, "Secret")
    before = snapshot(app)
    response = alice_client.submit("/tasks/quick", {"text": "Peek +Secret"})
    assert response.status_code == 400
    assert "Secret" not in text_of(response).split("Your lists")[-1]
    assert snapshot(app) == before


def test_the_preview_shows_the_list_chip(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    html = text_of(alice_client.htmx_get('/tasks/quick/preview?text=Milk+%2B"Big+shop"'))
    assert "+Big shop" in html


def test_without_a_list_quick_add_uses_the_list_being_viewed_else_the_inbox(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    work = make_list(db_session, alice, "Work")
    alice_client.submit(
        "/tasks/quick",
        {"text": "In work"},
        htmx=True,
        headers={"HX-Current-URL": f"http://localhost/tasks?list={work.id}"},
    )
    assert newest(db_session).list_id == work.id
    alice_client.submit("/tasks/quick", {"text": "Anywhere"})
    assert newest(db_session).list_id == inbox_of(db_session, alice).id
    # the full form too
    alice_client.submit(
        "/tasks",
        {"title": "Form in work"},
        htmx=True,
        headers={"HX-Current-URL": f"http://localhost/tasks?list={work.id}"},
    )
    assert newest(db_session).list_id == work.id


def test_bulk_move_to_list_moves_them_with_their_subtasks_and_undo_moves_them_back(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    work = make_list(db_session, alice, "Work")
    parent = make_task(db_session, alice, "Parent")
    child = make_task(db_session, alice, "Child", parent=parent)
    loose = make_task(db_session, alice, "Loose")
    inbox_id = parent.list_id
    response = alice_client.submit(
        "/tasks/bulk",
        [
            ("action", "move_to_list"),
            ("value", str(work.id)),
            ("ids", str(parent.id)),
            ("ids", str(loose.id)),
        ],
        htmx=True,
    )
    assert response.status_code == 200
    db_session.expire_all()
    assert {get_task(db_session, t.id).list_id for t in (parent, child, loose)} == {work.id}
    assert get_task(db_session, child.id).parent_id == parent.id
    assert task_ids(alice_client.get(f"/tasks?list={work.id}")) == [parent.id, child.id, loose.id]
    toast = text_of(response).split("beforeend:#toasts")[-1]
    assert 'name="action" value="move_to_list"' in toast
    assert f'name="value" value="{inbox_id}"' in toast
    undo_ids = re.findall(r'name="ids" value="(\d+)"', toast)
    alice_client.submit(
        "/tasks/bulk",
        [("action", "move_to_list"), ("value", str(inbox_id)), *[("ids", i) for i in undo_ids]],
    )
    db_session.expire_all()
    assert {get_task(db_session, t.id).list_id for t in (parent, child, loose)} == {inbox_id}


def test_bulk_move_to_a_list_that_is_not_the_users_is_not_found(
    alice: User, bob: User, alice_client: Client, app: Flask, db_session: Session
) -> None:
    task = make_task(db_session, alice, "Mine")
    bobs = make_list(db_session, bob, "Bob's")
    before = snapshot(app)
    for value in (str(bobs.id), "999999"):
        response = alice_client.submit(
            "/tasks/bulk", [("action", "move_to_list"), ("value", value), ("ids", str(task.id))]
        )
        assert response.status_code == 404
    response = alice_client.submit(
        "/tasks/bulk", [("action", "move_to_list"), ("value", "work"), ("ids", str(task.id))]
    )
    assert response.status_code == 400
    assert snapshot(app) == before


def test_deleted_lists_are_purged_after_thirty_days_with_their_tasks(
    alice: User, db_session: Session
) -> None:
    old = make_list(db_session, alice, "Old")
    recent = make_list(db_session, alice, "Recent")
    make_task(db_session, alice, "Old task", task_list=old)
    make_task(db_session, alice, "Recent task", task_list=recent)
    delete_list(db_session, old, now=utcnow() - timedelta(days=31))
    delete_list(db_session, recent, now=utcnow() - timedelta(days=29))
    db_session.commit()
    purge_deleted(db_session)
    db_session.commit()
    names = set(db_session.scalars(select(TaskList.name)))
    assert names == {"Inbox", "Recent"}
    assert count_rows(db_session, Task) == 1
