"""POST /settings/import: summaries, all or nothing, limits and broken files."""

from __future__ import annotations

import io
import json
from datetime import date, time

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.data import importer, queries
from todo_web.db import get_database, get_session
from todo_web.lists.queries import inbox_of
from todo_web.models import Priority, Tag, Task, TaskList, TaskStatus, User
from todo_web.ordering import GAP

from ..client import Client, task_ids, upload
from ..factories import (
    BOB,
    TODOIST_CSV,
    all_tasks,
    count_rows,
    make_list,
    make_tags,
    make_task,
    make_user,
    snapshot,
)


def export_json(*tasks: dict[str, object]) -> str:
    return json.dumps({"format": "todo-web", "version": 1, "tasks": list(tasks)})


GOOD = export_json(
    {"title": "Pay rent", "priority": "high", "tags": ["bills", "Home"], "due_date": "2026-02-01"},
    {"title": "Call mom", "status": "in_progress"},
)
BAD_ROW = export_json(
    {"title": "Fine"},
    {"title": "Also fine"},
    {"title": "", "priority": "urgent"},
)


def test_import_needs_a_login(client: Client, db_session: Session) -> None:
    response = upload(client, GOOD)
    assert response.status_code == 302 and "/auth/login" in response.location
    assert count_rows(db_session, Task) == 0


def test_the_settings_page_offers_export_import_and_the_feed(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    page = alice_client.get("/settings").get_data(as_text=True)
    assert 'href="/settings/export.json"' in page and 'href="/settings/export.csv"' in page
    assert 'action="/settings/import"' in page and 'enctype="multipart/form-data"' in page
    assert 'name="file"' in page and 'name="dry_run" value="1"' in page
    assert "Up to 5 MB and 10,000 tasks" in page
    secret = alice.calendar_secret
    assert secret and len(secret) >= 43
    assert f"http://127.0.0.1:5000/calendar/{secret}.ics" in page
    assert 'action="/settings/calendar/rotate"' in page


def test_dry_run_shows_the_summary_and_writes_nothing(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    make_tags(db_session, alice, "home")
    response = upload(alice_client, GOOD, dry_run=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-import-tasks="2"' in page and 'data-import-errors="0"' in page
    assert "todo-web export (JSON)" in page
    assert "2 tags, 1 of them new: bills" in page  # "Home" is the existing "home"
    assert "Choose it again and press Import" in page
    assert count_rows(db_session, Task) == 0
    assert count_rows(db_session, Tag) == 1


def test_import_writes_the_tasks_and_goes_to_the_list(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    make_tags(db_session, alice, "home")
    response = upload(alice_client, GOOD)
    assert response.status_code == 302 and response.location == "/tasks"
    page = alice_client.get("/tasks").get_data(as_text=True)
    assert "Imported 2 tasks from the todo-web export (JSON)." in page
    rent, mom = all_tasks(db_session, alice)
    assert (rent.title, rent.priority, rent.due_date) == (
        "Pay rent",
        Priority.HIGH,
        date(2026, 2, 1),
    )
    assert sorted(tag.name for tag in rent.tags) == ["bills", "home"]  # the existing tag reused
    assert (mom.title, mom.status, mom.completed_at) == ("Call mom", "in_progress", None)
    assert count_rows(db_session, Tag) == 2


def test_our_csv_imports(alice: User, alice_client: Client, db_session: Session) -> None:
    content = (
        "\ufefftitle,status,priority,due_date,due_time,tags,completed_at\r\n"
        'Done,completed,low,2026-01-02,08:00,"a, b",2026-01-02T09:00:00+00:00\r\n'
        "Open,,,,,,\r\n"
    )
    response = upload(alice_client, content.encode(), "tasks.csv")
    assert response.status_code == 302
    done, open_ = all_tasks(db_session, alice)
    assert (done.status, done.priority, done.due_time) == ("completed", Priority.LOW, time(8))
    assert done.completed_at is not None and done.completed_at.hour == 9
    assert [tag.name for tag in done.tags] == ["a", "b"]
    assert (open_.status, open_.priority) == ("pending", Priority.MEDIUM)


def test_todoist_csv_imports(alice: User, alice_client: Client, db_session: Session) -> None:
    dry = upload(alice_client, TODOIST_CSV, "Errands.csv", dry_run=True)
    page = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "Todoist CSV export" in page
    assert 'data-import-tasks="5"' in page
    assert "3 rows skipped" in page
    assert 'data-import-problems="warnings"' in page and 'data-row="8"' in page
    response = upload(alice_client, TODOIST_CSV, "Errands.csv")
    assert response.status_code == 302
    tasks = {task.title: task for task in all_tasks(db_session, alice)}
    assert sorted(tasks) == [
        "Buy milk",
        "Dentist, downtown",
        "Quarterly report",
        "Sub-task without a date",
        "Water plants",
    ]
    assert sorted(tag.name for tag in tasks["Buy milk"].tags) == ["errands", "home"]
    assert tasks["Water plants"].recurrence == "FREQ=WEEKLY;BYDAY=MO"
    assert tasks["Dentist, downtown"].due_time == time(10, 30)
    assert "Todoist date: every 3rd friday starting Jan 9" in tasks["Quarterly report"].description
    [errands] = [item for item in lists_of(db_session, alice) if not item.is_inbox]
    assert errands.name == "Errands"
    assert {task.list_id for task in tasks.values()} == {errands.id}
    assert tasks["Dentist, downtown"].parent_id == tasks["Water plants"].id
    assert tasks["Sub-task without a date"].parent_id == tasks["Quarterly report"].id
    assert tasks["Buy milk"].parent_id is None
    top = sorted((task for task in tasks.values() if task.parent_id is None), key=by_position)
    assert [task.title for task in top] == ["Buy milk", "Water plants", "Quarterly report"]


def test_one_bad_row_imports_nothing(alice_client: Client, db_session: Session) -> None:
    response = upload(alice_client, BAD_ROW)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-import-errors="2"' in page
    assert 'data-row="3"' in page and "The title is empty." in page
    assert "priority must be one of low, medium, high" in page
    assert "Nothing is imported while any row has an error" in page
    assert count_rows(db_session, Task) == 0
    dry = upload(alice_client, BAD_ROW, dry_run=True)
    assert dry.status_code == 200 and 'data-row="3"' in dry.get_data(as_text=True)
    assert count_rows(db_session, Task) == 0


def test_a_failure_while_writing_leaves_nothing_behind(
    app: Flask, alice_client: Client, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = queries.import_tasks

    def write_then_fail(*args: object, **kwargs: object) -> int:
        original(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(queries, "import_tasks", write_then_fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = upload(alice_client, GOOD)
    assert response.status_code == 500
    assert count_rows(db_session, Task) == 0 and count_rows(db_session, Tag) == 0


BOMB = '{"format": "todo-web", "version": 1, "tasks": ' + "[" * 50_000 + "]" * 50_000 + "}"


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        ("title\nCafé\n".encode("latin-1"), "tasks.csv", "not UTF-8 text"),
        (b'title,description\n"Broken,quote\n', "tasks.csv", "malformed near line"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
            "tasks.csv",
            "not a text file",
        ),
        (BOMB.encode(), "tasks.json", "nested more than 16 levels"),
        (b'{"format": "todo-web", "version": 1, "version": 1}', "x.json", "twice"),
        (b"Name,Due\nPay rent,tomorrow\n", "tasks.csv", "not ones this app knows"),
        (b"", "tasks.csv", "The file is empty."),
    ],
)
def test_broken_files_answer_a_clear_error(
    alice_client: Client,
    db_session: Session,
    content: bytes,
    filename: str,
    message: str,
) -> None:
    for dry_run in (True, False):
        response = upload(alice_client, content, filename, dry_run=dry_run)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert message in page and "Nothing was imported." in page
    assert count_rows(db_session, Task) == 0


def test_no_file(alice_client: Client) -> None:
    response = alice_client.submit("/settings/import", {"dry_run": "1"})
    assert response.status_code == 400
    assert "Choose a file to import." in response.get_data(as_text=True)


def test_a_file_over_the_size_limit(app: Flask, alice_client: Client, db_session: Session) -> None:
    app.config["IMPORT_MAX_BYTES"] = 2048
    response = upload(alice_client, "title\n" + "x" * 2048 + "\n", "big.csv")
    assert response.status_code == 413
    assert "The file is too large: files up to 2 KB can be imported." in response.get_data(
        as_text=True
    )
    assert count_rows(db_session, Task) == 0


def test_a_request_over_max_content_length(
    app: Flask, alice_client: Client, db_session: Session
) -> None:
    """Refused before the form is read (the CSRF check reads it), with the same message."""
    app.config["MAX_CONTENT_LENGTH"] = 1024
    alice_client.token()  # the token, before the limit bites
    response = upload(alice_client, "title\n" + "x" * 4096 + "\n", "big.csv", htmx=True)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is too large: files up to 1 KB can be imported." in page
    assert "<html" not in page  # htmx gets the fragment
    assert count_rows(db_session, Task) == 0


def test_too_many_rows(app: Flask, alice_client: Client, db_session: Session) -> None:
    app.config["IMPORT_MAX_ROWS"] = 5
    content = "title\n" + "".join(f"Task {n}\n" for n in range(6))
    response = upload(alice_client, content, "many.csv")
    assert response.status_code == 400
    assert "more than 5 tasks" in response.get_data(as_text=True)
    assert count_rows(db_session, Task) == 0
    five = "title\n" + "".join(f"T{n}\n" for n in range(5))
    assert upload(alice_client, five, "x.csv").status_code == 302
    assert count_rows(db_session, Task) == 5


def test_htmx_gets_the_summary_fragment_and_a_redirect(
    alice_client: Client, db_session: Session
) -> None:
    dry = upload(alice_client, GOOD, dry_run=True, htmx=True)
    assert dry.status_code == 200
    html = dry.get_data(as_text=True)
    assert "<html" not in html and 'data-import-tasks="2"' in html
    assert "The file is fine. Press Import to add these tasks." in html  # the file stays chosen
    bad = upload(alice_client, BAD_ROW, htmx=True)
    assert bad.status_code == 400 and "<html" not in bad.get_data(as_text=True)
    done = upload(alice_client, GOOD, htmx=True)
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/tasks"
    assert count_rows(db_session, Task) == 2


def test_an_import_touches_only_the_importers_account(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    bob = make_user(db_session, BOB, name="Bob")
    make_task(db_session, bob, "Bob's task", status=TaskStatus.PENDING)
    make_tags(db_session, bob, "bills")
    assert upload(alice_client, GOOD).status_code == 302
    assert [task.title for task in all_tasks(db_session, bob)] == ["Bob's task"]
    assert len(all_tasks(db_session, alice)) == 2
    owners = db_session.scalars(select(Tag.user_id).where(Tag.name == "bills")).all()
    assert sorted(owners) == sorted([alice.id, bob.id])


def test_the_import_needs_the_csrf_token(alice_client: Client, db_session: Session) -> None:
    response = alice_client.post(
        "/settings/import",
        data={"file": (io.BytesIO(GOOD.encode()), "tasks.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert count_rows(db_session, Task) == 0


def lists_of(session: Session, user: User) -> list[TaskList]:
    """The user's live lists, Inbox first, then in their order."""
    session.expire_all()
    return list(
        session.scalars(
            select(TaskList)
            .where(TaskList.owner_id == user.id, TaskList.deleted_at.is_(None))
            .order_by(TaskList.is_inbox.desc(), TaskList.position, TaskList.id)
        )
    )


def by_position(task: Task) -> tuple[int, int]:
    return (task.position, task.id)


V2 = json.dumps(
    {
        "format": "todo-web",
        "version": 2,
        "lists": [
            {"name": "Inbox", "inbox": True, "position": 0},
            {"name": "Home", "inbox": False, "position": GAP},
            {"name": "Empty", "inbox": False, "position": 2 * GAP},
            {"name": "Garden", "inbox": False, "position": 3 * GAP},
        ],
        # Subtasks before their parents, a grandchild first of all.
        "tasks": [
            {"id": 13, "title": "Hinges", "parent": 12, "position": 0, "list": "Home"},
            {"id": 11, "title": "Walls", "parent": 10, "position": 5, "list": "Home"},
            {"id": 10, "title": "Paint", "position": 2 * GAP, "list": "Home"},
            {"id": 12, "title": "Door", "parent": 10, "position": 1, "list": "Home"},
            {"id": 14, "title": "Shop", "position": GAP, "list": "Home"},
            {"id": 15, "title": "Mow", "position": 0, "list": "garden"},
            {"id": 16, "title": "Inbox one", "position": 0, "list": "Inbox"},
        ],
    }
)


def test_a_version_2_file_recreates_lists_subtasks_and_order(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    """An existing list of the same name (ignoring case) is reused; the others are made
    after Alice's lists; subtasks hang under their parents; siblings keep their order."""
    make_list(db_session, alice, "GARDEN")
    make_task(db_session, alice, "Already in the inbox")
    before = snapshot(alice_client.application, ("users", "tasks", "tags", "lists"))

    dry = upload(alice_client, V2, dry_run=True)
    page = dry.get_data(as_text=True)
    assert dry.status_code == 200 and 'data-import-new-lists="2"' in page
    assert "3 lists, 2 of them new: Home, Empty" in page
    assert snapshot(alice_client.application, ("users", "tasks", "tags", "lists")) == before

    assert upload(alice_client, V2).status_code == 302
    lists = lists_of(db_session, alice)
    assert [item.name for item in lists] == ["Inbox", "GARDEN", "Home", "Empty"]
    inbox, garden, home, _ = lists
    tasks = {task.title: task for task in all_tasks(db_session, alice)}
    assert tasks["Mow"].list_id == garden.id
    assert {tasks[title].list_id for title in ("Walls", "Paint", "Door", "Hinges")} == {home.id}
    assert tasks["Paint"].parent_id is None
    assert tasks["Walls"].parent_id == tasks["Door"].parent_id == tasks["Paint"].id
    assert tasks["Hinges"].parent_id == tasks["Door"].id
    home_top = [t for t in tasks.values() if t.list_id == home.id and t.parent_id is None]
    assert [task.title for task in sorted(home_top, key=by_position)] == ["Shop", "Paint"]
    under_paint = sorted((tasks["Walls"], tasks["Door"]), key=by_position)
    assert [task.title for task in under_paint] == ["Door", "Walls"]
    assert (tasks["Paint"].position, tasks["Walls"].position) == (2 * GAP, 5)  # kept
    # The Inbox had a task: the imported one goes after it.
    inbox_tasks = sorted((t for t in tasks.values() if t.list_id == inbox.id), key=by_position)
    assert [task.title for task in inbox_tasks] == ["Already in the inbox", "Inbox one"]
    assert {task.user_id for task in tasks.values()} == {alice.id}
    db_session.expire_all()
    assert (home.open_count, garden.open_count, inbox.open_count) == (5, 1, 2)  # triggers
    # The list page reads the tree in order (order_path, written from each parent's).
    page = alice_client.get(f"/tasks?list={home.id}")
    shown = [t.title for i in task_ids(page) for t in tasks.values() if t.id == i]
    assert shown == ["Shop", "Paint", "Door", "Hinges", "Walls"]


def test_a_version_1_file_goes_to_the_inbox(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    assert upload(alice_client, GOOD).status_code == 302
    inbox = inbox_of(db_session, alice)
    tasks = all_tasks(db_session, alice)
    assert {task.list_id for task in tasks} == {inbox.id}
    assert [task.position for task in tasks] == [0, GAP]  # in file order
    assert [item.name for item in lists_of(db_session, alice)] == ["Inbox"]


def test_csv_rows_go_in_their_lists(alice: User, alice_client: Client, db_session: Session) -> None:
    make_list(db_session, alice, "Work")
    content = (
        "id,title,list,parent\r\n"
        "1,Milk,Groceries,\r\n"
        "2,Report,work,\r\n"
        "3,Oat milk,,1\r\n"
        "4,Loose end,,\r\n"
    )
    dry = upload(alice_client, content, "tasks.csv", dry_run=True)
    assert "2 lists, 1 of them new: Groceries" in dry.get_data(as_text=True)
    assert upload(alice_client, content, "tasks.csv").status_code == 302
    inbox, work, groceries = lists_of(db_session, alice)
    assert groceries.name == "Groceries"
    tasks = {task.title: task for task in all_tasks(db_session, alice)}
    assert tasks["Milk"].list_id == tasks["Oat milk"].list_id == groceries.id
    assert tasks["Oat milk"].parent_id == tasks["Milk"].id
    assert (tasks["Report"].list_id, tasks["Loose end"].list_id) == (work.id, inbox.id)


def test_a_todoist_file_with_a_project_column(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    content = "TYPE,CONTENT,INDENT,PROJECT\ntask,Milk,1,Groceries\ntask,Report,1,\n"
    assert upload(alice_client, content, "My export.csv").status_code == 302
    names = [item.name for item in lists_of(db_session, alice)]
    assert names == ["Inbox", "Groceries", "My export"]


def test_bad_subtasks_import_nothing(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    content = json.dumps(
        {
            "format": "todo-web",
            "version": 2,
            "tasks": [
                {"id": 1, "title": "A", "list": "New list"},
                {"id": 2, "title": "B", "parent": 3},
            ],
        }
    )
    response = upload(alice_client, content)
    assert response.status_code == 400
    assert "parent 3 is not the id of a task in this file." in response.get_data(as_text=True)
    assert count_rows(db_session, Task) == 0
    assert [item.name for item in lists_of(db_session, alice)] == ["Inbox"]


def test_a_list_made_meanwhile_imports_nothing(
    alice: User, alice_client: Client, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request made a list of a name the file names after the import looked: the
    unique index refuses the second one, and the answer says to import again."""
    make_list(db_session, alice, "Home")
    monkeypatch.setattr(queries, "_existing_lists", lambda session, user: {})
    response = upload(alice_client, V2)
    assert response.status_code == 409
    assert "import the file again" in response.get_data(as_text=True)
    assert count_rows(db_session, Task) == 0
    assert [item.name for item in lists_of(db_session, alice)] == ["Inbox", "Home"]


def test_the_file_is_read_outside_a_transaction(
    app: Flask, alice_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsing a large file takes a while: no connection sits idle in a transaction
    (and holds its locks, and a pooler's server connection) meanwhile; none is even
    checked out of the pool."""
    seen: list[tuple[bool, int]] = []
    original = importer.read_upload
    pool = get_database(app).engine.pool

    def read_upload(*args: object, **kwargs: object) -> object:
        seen.append((get_session().in_transaction(), pool.checkedout()))  # type: ignore[attr-defined]
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer, "read_upload", read_upload)
    assert upload(alice_client, V2, dry_run=True).status_code == 200
    assert upload(alice_client, V2).status_code == 302
    assert seen == [(False, 0), (False, 0)]
