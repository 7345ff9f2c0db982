"""GET /settings/export.json and /settings/export.csv."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture

from todo_web.db import utcnow
from todo_web.models import Priority, TaskStatus, User
from todo_web.ordering import GAP

from ..client import Client
from ..factories import BOB, make_list, make_task, make_user, user_by_email

CREATED = datetime(2025, 11, 2, 8, 15, 30, 123456, tzinfo=UTC)


def seed(session: Session, alice: User) -> dict[str, int]:
    """Alice's tasks (one of each kind) and one of Bob's; returns ids by title."""
    first = make_task(
        session,
        alice,
        "Water plants",
        due_date=date(2026, 1, 5),
        status=TaskStatus.COMPLETED,
        recurrence="FREQ=WEEKLY",
        completed_at=datetime(2026, 1, 5, 18, tzinfo=UTC),
        created_at=CREATED,
        tags=["home"],
    )
    second = make_task(
        session,
        alice,
        "Water plants",
        due_date=date(2026, 1, 12),
        due_time=time(9, 30),
        recurrence="FREQ=WEEKLY",
        recurs_from_id=first.id,
        priority=Priority.HIGH,
        tags=["home", "Work"],
        description='Use the "blue" can,\nnot the red one',
    )
    plain = make_task(session, alice, "=SUM(A1:A2) is a title")
    deleted = make_task(session, alice, "Deleted task", deleted_at=utcnow())
    bob = make_user(session, BOB, name="Bob")
    make_task(session, bob, "Bob's secret")
    session.commit()
    return {"first": first.id, "second": second.id, "plain": plain.id, "deleted": deleted.id}


def test_exports_need_a_login(client: Client) -> None:
    for url in ("/settings/export.json", "/settings/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_json_export(
    clock: TimeMachineFixture, alice: User, alice_client: Client, db_session: Session
) -> None:
    ids = seed(db_session, alice)
    response = alice_client.get("/settings/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="todo-web-tasks-2026-11-20.json"'  # the clock's day
    )
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.get_data(as_text=True))
    assert (document["format"], document["version"]) == ("todo-web", 3)
    assert document["user"] == {"name": "Alice", "timezone": "UTC"}
    datetime.fromisoformat(document["exported_at"])
    tasks = document["tasks"]
    assert [task["id"] for task in tasks] == [ids["first"], ids["second"], ids["plain"]]
    first, second, plain = tasks
    assert first == {
        "id": ids["first"],
        "title": "Water plants",
        "description": "",
        "status": "completed",
        "priority": "medium",
        "due_date": "2026-01-05",
        "due_time": None,
        "recurrence": "FREQ=WEEKLY",
        "tags": ["home"],
        "created_at": "2025-11-02T08:15:30.123456+00:00",
        "updated_at": first["updated_at"],
        "completed_at": "2026-01-05T18:00:00+00:00",
        "recurs_from_id": None,
        "list": "Inbox",
        "parent": None,
        "position": 0,
        "remind": None,
    }
    assert document["lists"] == [{"name": "Inbox", "inbox": True, "position": 0}]
    assert (second["recurs_from_id"], second["due_time"], second["priority"]) == (
        ids["first"],
        "09:30",
        "high",
    )
    assert second["tags"] == ["Work", "home"]  # as the task shows them
    assert second["description"] == 'Use the "blue" can,\nnot the red one'
    assert plain["tags"] == [] and plain["due_date"] is None
    text = response.get_data(as_text=True)
    assert "Deleted task" not in text and "Bob" not in text


def test_csv_export(alice: User, alice_client: Client, db_session: Session) -> None:
    ids = seed(db_session, alice)
    response = alice_client.get("/settings/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"].endswith('.csv"')
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbfid,title,description,status,priority,")  # BOM for Excel
    assert raw.split(b"\r\n")[0].endswith(b",recurs_from_id,list,parent,position,remind")
    assert b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [row["id"] for row in rows] == [str(ids["first"]), str(ids["second"]), str(ids["plain"])]
    second = rows[1]
    assert second["tags"] == "Work, home"
    assert second["description"] == 'Use the "blue" can,\nnot the red one'
    assert (second["due_date"], second["due_time"], second["recurs_from_id"]) == (
        "2026-01-12",
        "09:30",
        str(ids["first"]),
    )
    assert rows[0]["completed_at"] == "2026-01-05T18:00:00+00:00"
    assert [(row["list"], row["parent"], row["position"]) for row in rows] == [
        ("Inbox", "", "0"),
        ("Inbox", "", str(GAP)),
        ("Inbox", "", str(2 * GAP)),
    ]
    assert rows[2]["title"] == "=SUM(A1:A2) is a title"  # written as it is
    assert (rows[2]["due_date"], rows[2]["recurrence"], rows[2]["tags"]) == ("", "", "")
    assert "Bob" not in raw.decode() and "Deleted task" not in raw.decode()


def test_another_users_export_holds_only_their_tasks(
    alice: User, db_session: Session, log_in: Callable[[User], Client]
) -> None:
    seed(db_session, alice)
    bob_client = log_in(user_by_email(db_session, BOB))
    document = bob_client.get("/settings/export.json").get_json()
    assert [task["title"] for task in document["tasks"]] == ["Bob's secret"]
    assert document["user"]["name"] == "Bob"


def test_an_empty_account_exports_an_empty_list(alice_client: Client) -> None:
    assert alice_client.get("/settings/export.json").get_json()["tasks"] == []
    raw = alice_client.get("/settings/export.csv").get_data(as_text=True)
    assert raw.strip("\ufeff\r\n").count("\r\n") == 0  # the header alone


def test_lists_subtasks_and_order_are_exported(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    """Every live list of Alice's (an empty one too) in her order; each task's list by
    name, its parent by id, its position among its siblings."""
    home = make_list(db_session, alice, "Home")
    make_list(db_session, alice, "Empty")
    gone = make_list(db_session, alice, "Gone")
    make_task(db_session, alice, "In the gone list", task_list=gone)
    gone.deleted_at = utcnow()
    db_session.commit()
    paint = make_task(db_session, alice, "Paint", task_list=home)
    walls = make_task(db_session, alice, "Walls", parent=paint)
    door = make_task(db_session, alice, "Door", parent=paint, position=-5)
    make_task(db_session, alice, "Inbox task")
    bob = make_user(db_session, BOB, name="Bob")
    make_list(db_session, bob, "Bob's list")

    document = alice_client.get("/settings/export.json").get_json()
    assert [(item["name"], item["inbox"]) for item in document["lists"]] == [
        ("Inbox", True),
        ("Home", False),
        ("Empty", False),
    ]
    positions = [item["position"] for item in document["lists"]]
    assert positions == sorted(positions)
    tasks = {task["title"]: task for task in document["tasks"]}
    assert sorted(tasks) == ["Door", "Inbox task", "Paint", "Walls"]  # not the gone list's
    assert (tasks["Paint"]["list"], tasks["Paint"]["parent"]) == ("Home", None)
    assert (tasks["Walls"]["list"], tasks["Walls"]["parent"]) == ("Home", paint.id)
    assert (tasks["Door"]["parent"], tasks["Door"]["position"]) == (paint.id, -5)
    assert tasks["Walls"]["position"] == walls.position and door.position == -5
    assert tasks["Inbox task"]["list"] == "Inbox"

    raw = alice_client.get("/settings/export.csv").get_data().decode("utf-8-sig")
    rows = {row["title"]: row for row in csv.DictReader(io.StringIO(raw, newline=""))}
    assert (rows["Walls"]["list"], rows["Walls"]["parent"]) == ("Home", str(paint.id))
    assert (rows["Door"]["position"], rows["Inbox task"]["list"]) == ("-5", "Inbox")
