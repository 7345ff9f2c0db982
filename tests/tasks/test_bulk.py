"""POST /tasks/bulk: fields `action`, `ids` (repeatable), `value`; `select_all=1` takes the
`page_ids` of the list page as well. All or nothing: one transaction, and a batch naming any
task that is not one of the user's live tasks is a 404 that changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import insert
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture
from werkzeug.test import TestResponse

from todo_web.db import utcnow
from todo_web.lists.queries import inbox_of
from todo_web.models import Priority, Tag, Task, TaskStatus, User
from todo_web.tasks import lifecycle

from ..client import Client, task_ids
from ..factories import (
    BOB,
    all_tasks,
    count_rows,
    get_task,
    make_task,
    make_user,
    snapshot,
    successors,
)


def bulk(
    client: Client,
    action: str | None,
    ids: Iterable[object] = (),
    value: str | None = None,
    *,
    htmx: bool = False,
    extra: Iterable[tuple[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> TestResponse:
    pairs: list[tuple[str, str]] = []
    if action is not None:
        pairs.append(("action", action))
    pairs.extend(("ids", str(i)) for i in ids)
    if value is not None:
        pairs.append(("value", value))
    pairs.extend(extra)
    return client.submit("/tasks/bulk", pairs, htmx=htmx, headers=headers)


class Tasks:
    """Alice's tasks and one of Bob's, set up for each test."""

    def __init__(self, session: Session, user: User) -> None:
        self.a = make_task(session, user, "A", tags=["Work"]).id
        self.b = make_task(session, user, "B", priority=Priority.HIGH).id
        self.c = make_task(session, user, "C", tags=["Work", "home"]).id
        self.done = make_task(
            session, user, "Done", status=TaskStatus.COMPLETED, completed_at=utcnow()
        ).id
        self.deleted = make_task(session, user, "Deleted", deleted_at=utcnow()).id
        self.recurring = make_task(
            session, user, "Daily", due_date=date.today(), recurrence="FREQ=DAILY"
        ).id
        bob = make_user(session, BOB)
        self.bobs = make_task(session, bob, "Bob's").id
        self.bobs_deleted = make_task(session, bob, "Bob's deleted", deleted_at=utcnow()).id

    @property
    def open(self) -> list[int]:
        return [self.a, self.b, self.c]


@pytest.fixture
def tasks(alice: User, alice_client: Client, db_session: Session) -> Tasks:
    return Tasks(db_session, alice)


def tag_count(session: Session) -> int:
    return count_rows(session, Tag)


# -- each action ---------------------------------------------------------------------------


def test_complete(alice_client: Client, db_session: Session, tasks: Tasks) -> None:
    done_at = get_task(db_session, tasks.done).completed_at
    response = bulk(alice_client, "complete", [tasks.a, tasks.b, tasks.done, tasks.recurring])
    assert response.status_code == 302
    for task_id in (tasks.a, tasks.b, tasks.recurring):
        changed = get_task(db_session, task_id)
        assert changed.status == TaskStatus.COMPLETED and changed.completed_at is not None
    assert get_task(db_session, tasks.done).completed_at == done_at  # already done: untouched
    assert get_task(db_session, tasks.c).status == TaskStatus.PENDING
    (following,) = successors(db_session, tasks.recurring)
    assert following.status == TaskStatus.PENDING and following.recurrence == "FREQ=DAILY"


def test_reopen(alice_client: Client, db_session: Session, tasks: Tasks) -> None:
    bulk(alice_client, "complete", [tasks.a])
    response = bulk(alice_client, "reopen", [tasks.a, tasks.done, tasks.b])
    assert response.status_code == 302
    for task_id in (tasks.a, tasks.done, tasks.b):
        reopened = get_task(db_session, task_id)
        assert reopened.status == TaskStatus.PENDING and reopened.completed_at is None


def test_delete_and_undo(alice_client: Client, db_session: Session, tasks: Tasks) -> None:
    response = bulk(alice_client, "delete", [tasks.a, tasks.done])
    assert response.status_code == 302
    assert get_task(db_session, tasks.a).deleted_at is not None
    assert get_task(db_session, tasks.done).deleted_at is not None
    assert tasks.a not in task_ids(alice_client.get("/tasks?status=all").get_data(as_text=True))
    response = bulk(alice_client, "restore", [tasks.a, tasks.done])
    assert response.status_code == 302
    assert get_task(db_session, tasks.a).deleted_at is None
    assert get_task(db_session, tasks.done).deleted_at is None
    assert get_task(db_session, tasks.done).status == TaskStatus.COMPLETED


def test_restore_needs_deleted_tasks(
    app: Flask, alice_client: Client, db_session: Session, tasks: Tasks
) -> None:
    before = snapshot(app)
    assert bulk(alice_client, "restore", [tasks.deleted, tasks.a]).status_code == 404
    assert bulk(alice_client, "restore", [tasks.bobs_deleted]).status_code == 404
    assert snapshot(app) == before
    assert bulk(alice_client, "restore", [tasks.deleted]).status_code == 302
    assert get_task(db_session, tasks.deleted).deleted_at is None


@pytest.mark.parametrize(("value", "priority"), [("high", 3), ("LOW", 1), (" medium ", 2)])
def test_set_priority(
    alice_client: Client, db_session: Session, tasks: Tasks, value: str, priority: int
) -> None:
    response = bulk(alice_client, "set_priority", [tasks.a, tasks.b, tasks.done], value)
    assert response.status_code == 302
    for task_id in (tasks.a, tasks.b, tasks.done):
        assert get_task(db_session, task_id).priority == Priority(priority)
    assert get_task(db_session, tasks.c).priority == Priority.MEDIUM


def test_add_tag(alice_client: Client, db_session: Session, tasks: Tasks) -> None:
    tags_before = tag_count(db_session)
    # An existing tag, named in another case: reused, and not doubled on a task that has it.
    assert bulk(alice_client, "add_tag", [tasks.a, tasks.b], "WORK").status_code == 302
    assert [t.name for t in get_task(db_session, tasks.a).tags] == ["Work"]
    assert [t.name for t in get_task(db_session, tasks.b).tags] == ["Work"]
    assert tag_count(db_session) == tags_before
    # A new tag is created once.
    assert bulk(alice_client, "add_tag", [tasks.a, tasks.b], "  urgent  ").status_code == 302
    assert sorted(t.name for t in get_task(db_session, tasks.a).tags) == ["Work", "urgent"]
    assert "urgent" in [t.name for t in get_task(db_session, tasks.b).tags]
    assert tag_count(db_session) == tags_before + 1


def test_remove_tag(alice_client: Client, db_session: Session, tasks: Tasks) -> None:
    response = bulk(alice_client, "remove_tag", [tasks.a, tasks.b, tasks.c], "work")
    assert response.status_code == 302
    assert get_task(db_session, tasks.a).tags == []
    assert get_task(db_session, tasks.b).tags == []
    assert [t.name for t in get_task(db_session, tasks.c).tags] == ["home"]
    # The tag itself stays for the user to reuse.
    assert tag_count(db_session) == 2


def test_bulk_changes_mark_tasks_updated(
    clock: TimeMachineFixture, alice_client: Client, db_session: Session, tasks: Tasks
) -> None:
    before = get_task(db_session, tasks.a).updated_at
    clock.shift(timedelta(minutes=1))
    bulk(alice_client, "add_tag", [tasks.a], "fresh")
    assert get_task(db_session, tasks.a).updated_at > before


def test_repeated_ids_count_once(alice_client: Client, db_session: Session, tasks: Tasks) -> None:
    response = bulk(alice_client, "complete", [tasks.recurring, tasks.recurring, f" {tasks.a} "])
    assert response.status_code == 302
    assert len(successors(db_session, tasks.recurring)) == 1
    assert get_task(db_session, tasks.a).status == TaskStatus.COMPLETED


# -- all or nothing ------------------------------------------------------------------------

ACTIONS = [
    ("complete", None),
    ("reopen", None),
    ("delete", None),
    ("set_priority", "low"),
    ("add_tag", "brand-new"),
    ("remove_tag", "work"),
]


@pytest.mark.parametrize(("action", "value"), ACTIONS)
@pytest.mark.parametrize("stranger", ["bobs", "missing", "deleted", "bobs_deleted"])
def test_a_batch_with_any_foreign_id_is_404_and_changes_nothing(
    app: Flask,
    alice_client: Client,
    db_session: Session,
    tasks: Tasks,
    action: str,
    value: str | None,
    stranger: str,
) -> None:
    foreign = 987_654 if stranger == "missing" else getattr(tasks, stranger)
    before = snapshot(app)
    tags_before = tag_count(db_session)
    batch = [tasks.a, tasks.done, foreign, tasks.recurring, tasks.c]
    response = bulk(alice_client, action, batch, value)
    assert response.status_code == 404
    assert snapshot(app) == before
    assert tag_count(db_session) == tags_before
    htmx = bulk(alice_client, action, batch, value, htmx=True)
    assert htmx.status_code == 404
    assert htmx.headers["HX-Retarget"] == "#toasts"
    assert snapshot(app) == before


def test_select_all_with_a_foreign_page_id_is_404(
    app: Flask, alice_client: Client, db_session: Session, tasks: Tasks
) -> None:
    before = snapshot(app)
    response = bulk(
        alice_client,
        "delete",
        [tasks.a],
        extra=[("select_all", "1"), ("page_ids", str(tasks.b)), ("page_ids", str(tasks.bobs))],
    )
    assert response.status_code == 404
    assert snapshot(app) == before


def test_a_failure_halfway_rolls_everything_back(
    app: Flask,
    alice_client: Client,
    db_session: Session,
    tasks: Tasks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One transaction: when the second completion fails, the first is not kept either."""
    original = lifecycle.complete_task
    calls = []

    def fail_on_the_second(*args: object) -> object:
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(lifecycle, "complete_task", fail_on_the_second)
    before = snapshot(app)
    with pytest.raises(RuntimeError):  # TESTING: the 500 reaches the test as an exception
        bulk(alice_client, "complete", [tasks.recurring, tasks.a, tasks.b])
    assert len(calls) == 2
    assert snapshot(app) == before


# -- limits and bad requests ---------------------------------------------------------------


def many_tasks(session: Session, user: User, count: int) -> list[int]:
    session.execute(
        insert(Task),
        [
            {"user_id": user.id, "list_id": inbox_of(session, user).id, "title": f"Task {n}"}
            for n in range(count)
        ],
    )
    session.commit()
    return [t.id for t in all_tasks(session, user)]


def test_five_hundred_ids_work(alice: User, alice_client: Client, db_session: Session) -> None:
    ids = many_tasks(db_session, alice, 500)
    response = bulk(alice_client, "set_priority", ids, "high")
    assert response.status_code == 302
    assert {t.priority for t in all_tasks(db_session)} == {Priority.HIGH}


def test_five_hundred_and_one_ids_are_refused(
    app: Flask, alice: User, alice_client: Client, db_session: Session
) -> None:
    ids = many_tasks(db_session, alice, 501)
    before = snapshot(app)
    response = bulk(alice_client, "complete", ids)
    assert response.status_code == 400
    assert "at most 500" in response.get_data(as_text=True)
    assert snapshot(app) == before
    # select_all adds the page's ids to the count.
    response = bulk(
        alice_client,
        "complete",
        ids[:300],
        extra=[("select_all", "1"), *(("page_ids", str(i)) for i in ids[300:])],
    )
    assert response.status_code == 400
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("action", "ids", "value", "message"),
    [
        ("explode", ["A"], None, "Unknown action"),
        ("", ["A"], None, "Unknown action"),
        (None, ["A"], None, "Unknown action"),
        ("Complete", ["A"], None, "Unknown action"),
        ("complete", [], None, "Select at least one task"),
        ("complete", ["abc"], None, "whole numbers"),
        ("complete", ["-1"], None, "whole numbers"),
        ("complete", ["1.5"], None, "whole numbers"),
        ("complete", ["A", ""], None, "whole numbers"),
        ("complete", ["9" * 40], None, "whole numbers"),
        ("complete", ["\u0661"], None, "whole numbers"),  # an Arabic-Indic digit one
        ("set_priority", ["A"], None, "Choose a priority"),
        ("set_priority", ["A"], "urgent", "Choose a priority"),
        ("set_priority", ["A"], "3", "Choose a priority"),
        ("add_tag", ["A"], None, "Name the tag"),
        ("add_tag", ["A"], "   ", "Name the tag"),
        ("add_tag", ["A"], "a,b", "one name of at most 50"),
        ("add_tag", ["A"], "t" * 51, "one name of at most 50"),
        ("remove_tag", ["A"], "", "Name the tag"),
    ],
)
def test_bad_requests_are_400_and_change_nothing(
    app: Flask,
    alice_client: Client,
    db_session: Session,
    tasks: Tasks,
    action: str | None,
    ids: list[str],
    value: str | None,
    message: str,
) -> None:
    before = snapshot(app)
    tags_before = tag_count(db_session)
    real_ids = [str(tasks.a) if i == "A" else i for i in ids]
    response = bulk(alice_client, action, real_ids, value)
    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))
    htmx = bulk(alice_client, action, real_ids, value, htmx=True)
    assert htmx.status_code == 400
    assert message in unescape(htmx.get_data(as_text=True))
    assert htmx.headers["HX-Retarget"] == "#toasts"
    assert snapshot(app) == before
    assert tag_count(db_session) == tags_before


def test_page_ids_count_only_with_select_all(
    alice_client: Client, db_session: Session, tasks: Tasks
) -> None:
    response = bulk(alice_client, "complete", [], extra=[("page_ids", str(tasks.a))])
    assert response.status_code == 400
    assert get_task(db_session, tasks.a).status == TaskStatus.PENDING


def test_select_all_applies_to_the_page(
    alice_client: Client, db_session: Session, tasks: Tasks
) -> None:
    response = bulk(
        alice_client,
        "set_priority",
        [],
        "low",
        extra=[("select_all", "1"), *(("page_ids", str(i)) for i in tasks.open)],
    )
    assert response.status_code == 302
    assert [get_task(db_session, i).priority for i in tasks.open] == [Priority.LOW] * 3
    assert get_task(db_session, tasks.done).priority == Priority.MEDIUM


def test_the_page_offers_select_all_with_its_ids(alice_client: Client, tasks: Tasks) -> None:
    html = alice_client.get("/tasks").get_data(as_text=True)
    form = html[html.index('<form id="bulk-form"') : html.index("</form>", html.index("bulk-form"))]
    page_ids = [int(i) for i in re.findall(r'name="page_ids" value="(\d+)"', form)]
    assert sorted(page_ids) == sorted([*tasks.open, tasks.recurring])
    assert 'name="select_all" value="1"' in form
    checkboxes = re.findall(
        r'<input type="checkbox" name="ids" value="(\d+)" form="bulk-form">', html
    )
    assert sorted(int(i) for i in checkboxes) == sorted(page_ids)


def test_bulk_needs_a_login_and_the_csrf_token(
    client: Client, alice: User, db_session: Session
) -> None:
    response = client.post("/tasks/bulk", data={"action": "delete", "ids": "1"})
    assert response.status_code in (302, 400)
    mine = make_task(db_session, alice, "Mine")
    client.log_in(alice.email)
    response = client.post("/tasks/bulk", data={"action": "delete", "ids": str(mine.id)})
    assert response.status_code == 400
    assert get_task(db_session, mine.id).deleted_at is None


def test_get_is_not_allowed(alice_client: Client) -> None:
    assert alice_client.get("/tasks/bulk?action=delete&ids=1").status_code == 405


# -- answers -------------------------------------------------------------------------------


def test_a_plain_post_redirects_back_with_a_message(alice_client: Client, tasks: Tasks) -> None:
    response = bulk(
        alice_client,
        "set_priority",
        [tasks.a, tasks.c],
        "high",
        extra=[("next", "/tasks?view=nodate")],
    )
    assert response.status_code == 302 and response.location == "/tasks?view=nodate"
    page = alice_client.get(response.location).get_data(as_text=True)
    assert "Set 2 tasks to high priority." in page
    response = bulk(alice_client, "complete", [tasks.a], extra=[("next", "https://evil.example/")])
    assert response.location == "/tasks"


def test_a_plain_delete_offers_undo_on_the_next_page(
    alice_client: Client, db_session: Session, tasks: Tasks
) -> None:
    response = bulk(alice_client, "delete", [tasks.a, tasks.b])
    page = alice_client.get(response.location).get_data(as_text=True)
    undo = undo_form(page)
    assert undo["action"] == ["restore"]
    assert sorted(map(int, undo["ids"])) == sorted([tasks.a, tasks.b])
    restored = alice_client.submit("/tasks/bulk", [(k, v) for k in undo for v in undo[k]])
    assert restored.status_code == 302
    assert get_task(db_session, tasks.a).deleted_at is None
    assert get_task(db_session, tasks.b).deleted_at is None


def undo_form(html: str) -> dict[str, list[str]]:
    """The hidden fields of the Undo form of a toast (without the CSRF token)."""
    match = re.search(r'<form[^>]*class="undo-form"[^>]*>(.*?)</form>', html, re.S)
    assert match, "no undo form"
    assert 'action="/tasks/bulk"' in match.group(0)
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', match.group(1)):
        if name != "csrf_token":
            fields.setdefault(name, []).append(unescape(value))
    return fields


@pytest.mark.parametrize(
    ("action", "value", "message"),
    [
        ("complete", None, "Completed 2 tasks."),
        ("reopen", None, "Reopened 2 tasks."),
        ("set_priority", "low", "Set 2 tasks to low priority."),
        ("add_tag", "later", "Tagged 2 tasks #later."),
        ("remove_tag", "Work", "Removed #Work from 2 tasks."),
        ("delete", None, "Deleted 2 tasks."),
    ],
)
def test_htmx_gets_the_list_and_a_toast(
    alice_client: Client,
    db_session: Session,
    tasks: Tasks,
    action: str,
    value: str | None,
    message: str,
) -> None:
    response = bulk(alice_client, action, [tasks.a, tasks.c], value, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#task-list"
    assert response.headers["HX-Reswap"] == "outerHTML"
    html = response.get_data(as_text=True)
    assert "<html" not in html and '<section id="task-list"' in html
    assert 'hx-swap-oob="beforeend:#toasts"' in html
    assert message in html
    assert 'id="task-counts"' in html
    if action == "delete":
        undo = undo_form(html)
        assert undo["action"] == ["restore"]
        assert sorted(map(int, undo["ids"])) == [tasks.a, tasks.c]
        assert set(task_ids(html)).isdisjoint({tasks.a, tasks.c})
    else:
        assert 'class="undo-form"' not in html


def test_htmx_answers_the_list_the_user_is_looking_at(
    alice_client: Client, db_session: Session, tasks: Tasks
) -> None:
    response = bulk(
        alice_client,
        "complete",
        [tasks.a],
        htmx=True,
        headers={"HX-Current-URL": "http://localhost/tasks?view=completed&sort=completed"},
    )
    ids = task_ids(response.get_data(as_text=True))
    assert set(ids) == {tasks.a, tasks.done}


def test_htmx_undo_restores_the_deleted_tasks(
    alice_client: Client, db_session: Session, tasks: Tasks
) -> None:
    html = bulk(alice_client, "delete", [tasks.a, tasks.c], htmx=True).get_data(as_text=True)
    undo = undo_form(html)
    response = alice_client.submit(
        "/tasks/bulk", [(k, v) for k in undo for v in undo[k]], htmx=True
    )
    assert response.status_code == 200
    assert "Restored 2 tasks." in response.get_data(as_text=True)
    assert {tasks.a, tasks.c} <= set(task_ids(response.get_data(as_text=True)))
    assert get_task(db_session, tasks.a).deleted_at is None
