"""An export imported into a fresh account gives back the same tasks, field by field, in
the same lists, under the same parents, in the same order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.db import utcnow
from todo_web.models import Priority, Reminder, Task, TaskList, TaskStatus, User

from ..client import Client, upload
from ..factories import all_tasks, make_list, make_task, make_user

FIELDS = (
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "due_time",
    "recurrence",
    "created_at",
    "updated_at",
    "completed_at",
    "position",
    "remind_minutes",
)


def seed(session: Session, alice: User) -> None:
    """One task of every shape the app can hold."""
    stamp = datetime(2025, 6, 1, 12, 30, 15, 654321, tzinfo=UTC)
    first = make_task(
        session,
        alice,
        "Water plants",
        due_date=date(2026, 3, 23),
        due_time=time(9, 0),
        recurrence="FREQ=WEEKLY;BYDAY=MO,TH",
        status=TaskStatus.COMPLETED,
        completed_at=datetime(2026, 3, 23, 8, 1, 2, 345678, tzinfo=UTC),
        created_at=stamp,
        updated_at=datetime(2026, 3, 23, 8, 1, 2, 345678, tzinfo=UTC),
        tags=["home"],
    )
    make_task(
        session,
        alice,
        "Water plants",
        due_date=date(2026, 3, 26),
        due_time=time(9, 0),
        recurrence="FREQ=WEEKLY;BYDAY=MO,TH",
        recurs_from_id=first.id,
        tags=["home"],
        created_at=datetime(2026, 3, 23, 8, 1, 2, 345678, tzinfo=UTC),
    )
    make_task(
        session,
        alice,
        'Ünïcödé, "quotes" and, commas 🎉',
        description="Line 1\r\nLine 2\n\n  indented; =formula",
        priority=Priority.HIGH,
        status=TaskStatus.IN_PROGRESS,
        tags=["Errands", "home"],
        created_at=stamp,
    )
    make_task(session, alice, "Cancelled", status=TaskStatus.CANCELLED, priority=Priority.LOW)
    make_task(
        session,
        alice,
        "Pay rent",
        due_date=date(2026, 4, 1),
        recurrence="FREQ=MONTHLY;UNTIL=20261231;BYMONTHDAY=1",
    )
    make_task(
        session,
        alice,
        "Seconds",
        due_date=date(2026, 4, 2),
        due_time=time(7, 5, 9),
        remind_minutes=30,
        reminder_by_id=alice.id,
    )
    make_task(session, alice, "In the bin", deleted_at=utcnow())
    # Lists (one left empty, one moved above another), a tree of subtasks, a manual order.
    home = make_list(session, alice, "Home")
    make_list(session, alice, "Someday")
    garden = make_list(session, alice, "Garden")
    garden.position, home.position = 5, 6
    paint = make_task(session, alice, "Paint", task_list=home)
    walls = make_task(session, alice, "Walls", parent=paint)
    door = make_task(session, alice, "Door", parent=paint, position=walls.position - 100)
    make_task(session, alice, "Hinges", parent=door, status=TaskStatus.COMPLETED)
    make_task(session, alice, "Mow", task_list=garden, tags=["home"])
    make_task(session, alice, "Before Paint", task_list=home, position=paint.position - 7)
    session.commit()


def snapshot(session: Session, tasks: list[Task]) -> list[dict[str, object]]:
    """The tasks as plain data, ids replaced by indexes so two accounts compare."""
    index = {task.id: number for number, task in enumerate(tasks)}
    names = {row.id: row.name for row in session.execute(select(TaskList.id, TaskList.name))}
    return [
        {
            **{name: getattr(task, name) for name in FIELDS},
            "tags": [tag.name for tag in task.tags],
            "recurs_from": index.get(task.recurs_from_id),
            "parent": index.get(task.parent_id),
            "list": names[task.list_id],
        }
        for task in tasks
    ]


def list_names(session: Session, user: User) -> list[str]:
    return list(
        session.scalars(
            select(TaskList.name)
            .where(TaskList.owner_id == user.id)
            .order_by(TaskList.is_inbox.desc(), TaskList.position, TaskList.id)
        )
    )


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_round_trip_into_a_fresh_account(
    alice: User,
    alice_client: Client,
    db_session: Session,
    log_in: Callable[[User], Client],
    kind: str,
) -> None:
    seed(db_session, alice)
    exported = alice_client.get(f"/settings/export.{kind}")
    assert exported.status_code == 200

    carol = make_user(db_session, "carol@example.com", name="Carol")
    carol_client = log_in(carol)
    response = upload(carol_client, exported.get_data(), f"export.{kind}")
    assert response.status_code == 302, response.get_data(as_text=True)

    originals = [task for task in all_tasks(db_session, alice) if task.deleted_at is None]
    copies = all_tasks(db_session, carol)
    assert len(copies) == len(originals) == 12
    mine, theirs = snapshot(db_session, originals), snapshot(db_session, copies)
    for original, copy in zip(mine, theirs, strict=True):
        assert copy == original
    assert theirs[1]["recurs_from"] == 0  # the occurrence history came along
    by_title = {task["title"]: task for task in theirs}
    assert by_title["Walls"]["parent"] == by_title["Door"]["parent"] == 6  # Paint
    assert by_title["Hinges"]["parent"] == 8  # Door
    assert by_title["Mow"]["list"] == "Garden"
    # A CSV has no list section: no empty list, and lists in the order the rows name them.
    expected = ["Garden", "Home", "Someday"] if kind == "json" else ["Home", "Garden"]
    assert list_names(db_session, carol) == ["Inbox", *expected]
    assert list_names(db_session, alice) == ["Inbox", "Garden", "Home", "Someday"]
    assert {tag.user_id for copy in copies for tag in copy.tags} == {copies[0].user_id}
    # The reminder came along, and reminds the importer.
    (reminded,) = [copy for copy in copies if copy.remind_minutes is not None]
    assert reminded.reminder_by_id == carol.id
    reminder = db_session.get(Reminder, reminded.id)
    assert reminder is not None and reminder.recipient_id == carol.id

    # And Carol's own export is Alice's, but for the ids and when it was made.
    again = carol_client.get(f"/settings/export.{kind}")
    if kind == "json":
        mine, theirs = exported.get_json(), again.get_json()
        for document in (mine, theirs):
            document.pop("exported_at")
            document.pop("user")
            ids = {task["id"]: n for n, task in enumerate(document["tasks"])}
            for task in document["tasks"]:
                task["id"] = ids[task["id"]]
                task["recurs_from_id"] = ids.get(task["recurs_from_id"])
                task["parent"] = ids.get(task["parent"])
        assert mine == theirs
