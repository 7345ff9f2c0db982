"""POST /tasks/<id>/move: the manual order, indent and outdent, and the buttons that post
it without JavaScript."""

from __future__ import annotations

import random
import re

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.models import Task, TaskList, User
from todo_web.tasks import lifecycle

from ..client import Client, task_ids, text_of
from ..database import is_postgres
from ..factories import get_task, make_list, make_task, snapshot


def five(session: Session, user: User) -> tuple[TaskList, list[Task]]:
    work = make_list(session, user, "Work")
    return work, [make_task(session, user, f"T{n}", task_list=work) for n in range(5)]


def order(client: Client, work: TaskList) -> list[int]:
    response = client.get(f"/tasks?list={work.id}")
    assert response.status_code == 200
    return task_ids(response)


def move(client: Client, task: Task, htmx: bool = False, **fields: str) -> object:
    return client.submit(f"/tasks/{task.id}/move", fields, htmx=htmx)


def test_a_task_moves_before_a_sibling_and_to_the_end(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    work, t = five(db_session, alice)
    assert move(alice_client, t[4], before=str(t[1].id)).status_code == 302
    assert order(alice_client, work) == [t[0].id, t[4].id, t[1].id, t[2].id, t[3].id]
    assert move(alice_client, t[0], before="").status_code == 302
    assert order(alice_client, work) == [t[4].id, t[1].id, t[2].id, t[3].id, t[0].id]


def test_htmx_gets_the_list_back_in_its_new_order(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    work, t = five(db_session, alice)
    response = alice_client.submit(
        f"/tasks/{t[3].id}/move",
        {"before": str(t[0].id)},
        htmx=True,
        headers={"HX-Current-URL": f"http://localhost/tasks?list={work.id}"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#task-list"
    assert task_ids(response)[:2] == [t[3].id, t[0].id]


def test_indent_makes_a_subtask_of_the_task_above_and_outdent_lifts_it_out(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    work, t = five(db_session, alice)
    assert move(alice_client, t[2], parent=str(t[1].id), before="").status_code == 302
    db_session.expire_all()
    assert get_task(db_session, t[2].id).parent_id == t[1].id
    html = text_of(alice_client.get(f"/tasks?list={work.id}"))
    assert f'data-parent-id="{t[1].id}"' in html
    # out again, right after its old parent
    assert move(alice_client, t[2], parent="", before=str(t[3].id)).status_code == 302
    db_session.expire_all()
    assert get_task(db_session, t[2].id).parent_id is None
    assert order(alice_client, work) == [x.id for x in t]


def test_a_moved_parent_takes_its_subtasks(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    work, t = five(db_session, alice)
    child = make_task(db_session, alice, "Child", parent=t[0])
    move(alice_client, t[0], before="")
    assert order(alice_client, work) == [t[1].id, t[2].id, t[3].id, t[4].id, t[0].id, child.id]


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"before": "abc"}, 400, "before must be an id"),
        ({"before": "", "parent": "x1"}, 400, "parent must be an id"),
        ({"before": "999999"}, 404, ""),
        ({"before": "", "parent": "999999"}, 404, ""),
    ],
)
def test_bad_ids_change_nothing(
    alice: User,
    alice_client: Client,
    app: Flask,
    db_session: Session,
    fields: dict[str, str],
    status: int,
    message: str,
) -> None:
    _, t = five(db_session, alice)
    before = snapshot(app)
    response = move(alice_client, t[0], **fields)
    assert response.status_code == status
    assert message in text_of(response)
    assert snapshot(app) == before


def test_before_must_be_a_sibling_at_the_new_spot(
    alice: User, alice_client: Client, app: Flask, db_session: Session
) -> None:
    _, t = five(db_session, alice)
    child = make_task(db_session, alice, "Child", parent=t[0])
    elsewhere = make_task(db_session, alice, "In the Inbox")
    before = snapshot(app)
    for fields in (
        {"before": str(child.id)},  # a subtask, while t[1] stays top level
        {"before": str(elsewhere.id)},  # another list
        {"before": str(t[1].id)},  # itself
        {"before": str(t[0].id), "parent": str(t[0].id)},  # under itself
    ):
        response = move(alice_client, t[1], **fields)
        assert response.status_code == 400, fields
    assert snapshot(app) == before


def test_a_task_cannot_move_under_its_own_subtask(
    alice: User, alice_client: Client, app: Flask, db_session: Session
) -> None:
    _, t = five(db_session, alice)
    child = make_task(db_session, alice, "Child", parent=t[0])
    grandchild = make_task(db_session, alice, "Grandchild", parent=child)
    before = snapshot(app)
    response = move(alice_client, t[0], parent=str(grandchild.id), before="")
    assert response.status_code == 400
    assert "its own subtasks" in text_of(response)
    assert snapshot(app) == before


def test_another_users_task_is_not_found(
    alice: User, bob: User, alice_client: Client, app: Flask, db_session: Session
) -> None:
    _, t = five(db_session, alice)
    bobs = make_task(db_session, bob, "Bob's")
    before = snapshot(app)
    assert move(alice_client, bobs, before="").status_code == 404
    assert move(alice_client, t[0], before=str(bobs.id)).status_code == 404
    assert move(alice_client, t[0], parent=str(bobs.id), before="").status_code == 404
    assert snapshot(app) == before


def test_the_buttons_post_the_right_neighbours(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    """Without JavaScript each row's "move up" posts the sibling above as `before`, "move
    down" the one after the next (or blank, to the end), and pressing them reorders."""
    work, t = five(db_session, alice)
    html = text_of(alice_client.get(f"/tasks?list={work.id}"))

    def button(task: Task, direction: str) -> str | None:
        row = re.search(rf'id="task-{task.id}".*?</li>', html, re.S)
        assert row
        found = re.search(
            rf'class="[^"]*move-{direction}"[^>]*name="before" value="([^"]*)"', row.group(0)
        )
        return found.group(1) if found else None

    assert button(t[0], "up") is None
    assert button(t[0], "down") == str(t[2].id)
    assert button(t[3], "down") == ""
    assert button(t[4], "down") is None
    assert button(t[2], "up") == str(t[1].id)
    move(alice_client, t[0], before=button(t[0], "down") or "")
    assert order(alice_client, work)[:2] == [t[1].id, t[0].id]


def test_no_move_buttons_where_the_order_cannot_change(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    work, _ = five(db_session, alice)
    for url in ("/tasks", f"/tasks?list={work.id}&sort=created", f"/tasks?list={work.id}&q=T1"):
        assert "move-up" not in text_of(alice_client.get(url)), url
        assert "drag-handle" not in text_of(alice_client.get(url)), url


def test_thousands_of_moves_into_one_spot_keep_the_order_and_move_few_rows(
    alice: User, db_session: Session
) -> None:
    """Every move puts the last task just after the first: the gap there halves each time,
    so the positions around it are spread out again and again, never the whole list."""
    work = make_list(db_session, alice, "Busy")
    count = 300
    for n in range(count):
        make_task(db_session, alice, f"T{n:03d}", task_list=work, commit=False)
    db_session.commit()
    # Fewer on PostgreSQL, where each statement is a round trip over TCP: the thousands
    # of tests/test_ordering.py run on the placement itself.
    moves = 400 if is_postgres() else 1000
    rng = random.Random(7)
    most_changed = 0

    def positions() -> dict[int, int]:
        rows = db_session.execute(select(Task.id, Task.position).where(Task.list_id == work.id))
        return dict(rows.all())

    now = positions()
    for _ in range(moves):
        ordered = sorted(now, key=lambda task_id: (now[task_id], task_id))
        mover_id = ordered[-1] if rng.random() < 0.9 else ordered[rng.randrange(2, count)]
        mover, spot = db_session.get(Task, mover_id), db_session.get(Task, ordered[1])
        assert mover is not None and spot is not None
        lifecycle.move_task(db_session, mover, work, None, spot)
        db_session.flush()
        db_session.expire_all()
        after = positions()
        changed = sum(1 for i, p in after.items() if now[i] != p and i != mover_id)
        most_changed = max(most_changed, changed)
        assert len(set(after.values())) == count  # a strict order
        now = after
    db_session.commit()
    assert most_changed <= 64
    # The list page's order (order_path, kept by the triggers) is the positions' order.
    by_path = db_session.scalars(
        select(Task.id).where(Task.list_id == work.id).order_by(Task.order_path, Task.id)
    ).all()
    assert by_path == sorted(now, key=lambda task_id: (now[task_id], task_id))


def test_subtasks_follow_their_parents_through_moves_that_renumber_siblings(
    alice: User, db_session: Session
) -> None:
    """Neighbours renumbered to make room take their subtasks' paths along: the list read
    in order_path order is always the tree read top to bottom."""
    work = make_list(db_session, alice, "Nested")
    parents = [make_task(db_session, alice, f"P{n:02d}", task_list=work) for n in range(20)]
    for parent in parents:
        child = make_task(db_session, alice, f"{parent.title}.c", parent=parent)
        make_task(db_session, alice, f"{parent.title}.c.g", parent=child)
    rng = random.Random(3)
    for _ in range(150):
        tops = db_session.scalars(
            select(Task)
            .where(Task.list_id == work.id, Task.parent_id.is_(None))
            .order_by(Task.position, Task.id)
        ).all()
        mover = tops[-1] if rng.random() < 0.8 else tops[rng.randrange(len(tops))]
        if mover.id == tops[1].id:
            continue
        lifecycle.move_task(db_session, mover, work, None, tops[1])
        db_session.commit()
        db_session.expire_all()
    tasks = db_session.scalars(select(Task).where(Task.list_id == work.id)).all()
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)

    def walk(parent_id: int | None) -> list[int]:
        ordered = sorted(children.get(parent_id, []), key=lambda t: (t.position, t.id))
        return [i for t in ordered for i in (t.id, *walk(t.id))]

    by_path = db_session.scalars(
        select(Task.id).where(Task.list_id == work.id).order_by(Task.order_path, Task.id)
    ).all()
    assert by_path == walk(None)
