"""Subtasks: made from the parent, nested and shown under it, completed, deleted, moved and
repeated with it, each with one Undo."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.db import utcnow
from todo_web.models import MAX_DEPTH, Task, TaskStatus, User
from todo_web.tasks import lifecycle

from ..client import Client, edit_fields, task_ids, text_of, total_count
from ..factories import get_task, make_list, make_task, snapshot


def family(session: Session, user: User) -> dict[str, Task]:
    """Plan, with Book (with Pack) and Visa, in Alice's Inbox; then Other."""
    plan = make_task(session, user, "Plan trip")
    book = make_task(session, user, "Book hotel", parent=plan)
    pack = make_task(session, user, "Pack bags", parent=book)
    visa = make_task(session, user, "Get visa", parent=plan)
    other = make_task(session, user, "Other")
    return {"plan": plan, "book": book, "pack": pack, "visa": visa, "other": other}


def row_of(html: str, task_id: int) -> str:
    match = re.search(rf'<li class="task[^"]*"\s+id="task-{task_id}".*?</li>', html, re.S)
    assert match, f"no row for task {task_id}"
    return match.group(0)


def test_a_subtask_made_from_the_parent_goes_in_its_list(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    work = make_list(db_session, alice, "Work")
    parent = make_task(db_session, alice, "Report", task_list=work)
    response = alice_client.submit("/tasks", {"title": "Draft", "parent": str(parent.id)})
    assert response.status_code == 302
    draft = db_session.scalar(select(Task).where(Task.title == "Draft"))
    assert draft is not None
    assert (draft.parent_id, draft.list_id) == (parent.id, work.id)


def test_the_list_nests_subtasks_under_their_parent_in_manual_order(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    tasks = family(db_session, alice)
    inbox_id = tasks["plan"].list_id
    html = text_of(alice_client.get(f"/tasks?list={inbox_id}"))
    order = [tasks[name].id for name in ("plan", "book", "pack", "visa", "other")]
    assert task_ids(html) == order
    assert 'data-depth="2"' in row_of(html, tasks["pack"].id)
    assert f'data-parent-id="{tasks["book"].id}"' in row_of(html, tasks["pack"].id)
    assert "data-parent-id" not in row_of(html, tasks["plan"].id)
    assert total_count(html) == 5  # subtasks count like any task


def test_the_parent_shows_its_progress(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    plan = make_task(db_session, alice, "Plan")
    for n in range(5):
        make_task(
            db_session, alice, f"Step {n}", parent=plan, status="completed" if n < 2 else "pending"
        )
    html = text_of(alice_client.get(f"/tasks?list={plan.list_id}"))
    assert ">2/5<" in row_of(html, plan.id)
    detail = text_of(alice_client.get(f"/tasks/{plan.id}"))
    assert "2/5" in detail and "Add subtask" in detail


def test_five_levels_nest_and_a_sixth_is_refused(
    alice: User, alice_client: Client, app: Flask, db_session: Session
) -> None:
    parent = make_task(db_session, alice, "Level 1")
    for level in range(2, MAX_DEPTH + 1):
        parent = make_task(db_session, alice, f"Level {level}", parent=parent)
    before = snapshot(app)
    response = alice_client.submit("/tasks", {"title": "Too deep", "parent": str(parent.id)})
    assert response.status_code == 400
    assert f"at most {MAX_DEPTH} levels" in text_of(response)
    assert snapshot(app) == before


def test_a_search_that_finds_only_the_subtask_shows_its_parent_as_context(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    tasks = family(db_session, alice)
    html = text_of(alice_client.get("/tasks?q=visa"))
    assert task_ids(html) == [tasks["visa"].id]
    assert "Plan trip" in row_of(html, tasks["visa"].id)
    # inside the list, in its order, too
    html = text_of(alice_client.get(f"/tasks?list={tasks['plan'].list_id}&q=pack"))
    assert task_ids(html) == [tasks["pack"].id]
    assert "Book hotel" in row_of(html, tasks["pack"].id)


def test_a_parent_found_by_a_search_shows_its_progress(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    """The search's rows (PostgreSQL: read through the search index) carry the same
    subtask counts as the list's."""
    tasks = family(db_session, alice)
    tasks["visa"].status = TaskStatus.COMPLETED
    tasks["visa"].completed_at = utcnow()
    db_session.commit()
    html = text_of(alice_client.get("/tasks?q=plan&status=all"))
    assert task_ids(html) == [tasks["plan"].id]
    assert "1/2" in row_of(html, tasks["plan"].id)
    html = text_of(alice_client.get("/tasks?q=book&status=all"))
    assert "0/1" in row_of(html, tasks["book"].id)


def test_completing_a_parent_completes_its_open_subtasks_and_undo_reopens_exactly_those(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    tasks = family(db_session, alice)
    done_before = make_task(
        db_session, alice, "Already done", parent=tasks["plan"], status="completed"
    )
    response = alice_client.submit(
        f"/tasks/{tasks['plan'].id}/toggle", {"state": "completed"}, htmx=True
    )
    assert response.status_code == 200
    db_session.expire_all()
    statuses = {name: get_task(db_session, t.id).status for name, t in tasks.items()}
    assert statuses == {
        "plan": TaskStatus.COMPLETED,
        "book": TaskStatus.COMPLETED,
        "pack": TaskStatus.COMPLETED,
        "visa": TaskStatus.COMPLETED,
        "other": TaskStatus.PENDING,
    }
    # The toast's Undo: a bulk reopen of exactly what the completion completed.
    undo_ids = [
        int(i)
        for i in re.findall(
            r'name="ids" value="(\d+)"', text_of(response).split("beforeend:#toasts")[-1]
        )
    ]
    assert sorted(undo_ids) == sorted(tasks[n].id for n in ("plan", "book", "pack", "visa"))
    alice_client.submit("/tasks/bulk", [("action", "reopen"), *[("ids", str(i)) for i in undo_ids]])
    db_session.expire_all()
    assert {get_task(db_session, tasks[n].id).status for n in ("plan", "book", "pack", "visa")} == {
        TaskStatus.PENDING
    }
    assert get_task(db_session, done_before.id).status == TaskStatus.COMPLETED


def test_deleting_a_parent_deletes_its_subtasks_and_undo_restores_exactly_those(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    tasks = family(db_session, alice)
    gone_earlier = make_task(db_session, alice, "Gone earlier", parent=tasks["plan"])
    alice_client.submit(f"/tasks/{gone_earlier.id}/delete")
    alice_client.submit(f"/tasks/{tasks['plan'].id}/delete")
    db_session.expire_all()
    assert all(get_task(db_session, t.id).deleted_at for n, t in tasks.items() if n != "other")
    assert task_ids(alice_client.get("/tasks")) == [tasks["other"].id]
    response = alice_client.submit(f"/tasks/{tasks['plan'].id}/restore")
    assert response.status_code == 302
    db_session.expire_all()
    assert all(get_task(db_session, t.id).deleted_at is None for t in tasks.values())
    assert get_task(db_session, gone_earlier.id).deleted_at is not None


def test_moving_a_parent_to_another_list_takes_its_subtasks(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    tasks = family(db_session, alice)
    trips = make_list(db_session, alice, "Trips")
    plan = tasks["plan"]
    response = alice_client.submit(f"/tasks/{plan.id}/edit", edit_fields(plan, list=str(trips.id)))
    assert response.status_code == 302, text_of(response)
    db_session.expire_all()
    for name in ("plan", "book", "pack", "visa"):
        assert get_task(db_session, tasks[name].id).list_id == trips.id
    assert get_task(db_session, tasks["book"].id).parent_id == plan.id
    assert task_ids(alice_client.get(f"/tasks?list={trips.id}")) == [
        tasks[n].id for n in ("plan", "book", "pack", "visa")
    ]


def test_an_edit_that_leaves_out_list_and_parent_keeps_them(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    tasks = family(db_session, alice)
    book = tasks["book"]
    fields = edit_fields(book, title="Book a hotel")
    fields.pop("list", None)
    fields.pop("parent", None)
    assert alice_client.submit(f"/tasks/{book.id}/edit", fields).status_code == 302
    db_session.expire_all()
    saved = get_task(db_session, book.id)
    assert (saved.title, saved.parent_id, saved.list_id) == (
        "Book a hotel",
        tasks["plan"].id,
        book.list_id,
    )


def test_a_recurring_parent_comes_back_with_fresh_subtasks(
    clock: object, alice: User, alice_client: Client, db_session: Session
) -> None:
    weekly = make_task(
        db_session, alice, "Weekly review", due_date=date(2026, 11, 20), recurrence="FREQ=WEEKLY"
    )
    inbox_step = make_task(db_session, alice, "Empty inbox", parent=weekly)
    make_task(db_session, alice, "Plan week", parent=inbox_step)
    alice_client.submit(f"/tasks/{inbox_step.id}/toggle", {"state": "completed"})
    alice_client.submit(f"/tasks/{weekly.id}/toggle", {"state": "completed"})
    db_session.expire_all()
    successor = db_session.scalar(select(Task).where(Task.recurs_from_id == weekly.id))
    assert successor is not None and successor.due_date == date(2026, 11, 27)
    children = db_session.scalars(select(Task).where(Task.parent_id == successor.id)).all()
    assert [(c.title, c.status) for c in children] == [("Empty inbox", TaskStatus.PENDING)]
    grandchildren = db_session.scalars(select(Task).where(Task.parent_id == children[0].id)).all()
    assert [(g.title, g.status) for g in grandchildren] == [("Plan week", TaskStatus.PENDING)]
    # the completed occurrence keeps its own, completed
    old = db_session.scalars(select(Task).where(Task.parent_id == weekly.id)).all()
    assert [t.status for t in old] == [TaskStatus.COMPLETED]


def test_a_subtask_cannot_have_its_parent_in_another_list(
    alice: User, alice_client: Client, app: Flask, db_session: Session
) -> None:
    work = make_list(db_session, alice, "Work")
    home = make_list(db_session, alice, "Home")
    parent = make_task(db_session, alice, "At work", task_list=work)
    before = snapshot(app)
    response = alice_client.submit(
        "/tasks", {"title": "Wrong", "list": str(home.id), "parent": str(parent.id)}
    )
    assert response.status_code == 400
    assert "parent" in text_of(response).lower()
    assert snapshot(app) == before


def test_a_task_cannot_become_a_subtask_of_its_own_subtask(
    alice: User, alice_client: Client, app: Flask, db_session: Session
) -> None:
    tasks = family(db_session, alice)
    plan = tasks["plan"]
    before = snapshot(app)
    response = alice_client.submit(
        f"/tasks/{plan.id}/edit", edit_fields(plan, parent=str(tasks["pack"].id))
    )
    assert response.status_code == 400
    assert "its own subtasks" in text_of(response)
    assert snapshot(app) == before


def test_lifecycle_keeps_the_list_counts_exact(alice: User, db_session: Session) -> None:
    """lists.open_count (kept by triggers) through completing, deleting, restoring and
    moving a parent with subtasks."""
    tasks = family(db_session, alice)
    other_list = make_list(db_session, alice, "Other")
    inbox_id = tasks["plan"].list_id

    def counts() -> tuple[int, int]:
        db_session.expire_all()
        from todo_web.models import TaskList

        return tuple(  # type: ignore[return-value]
            db_session.get(TaskList, list_id).open_count for list_id in (inbox_id, other_list.id)
        )

    assert counts() == (5, 0)
    plan = get_task(db_session, tasks["plan"].id)
    lifecycle.complete_with_subtasks(db_session, alice, plan)
    db_session.commit()
    assert counts() == (1, 0)
    lifecycle.reopen_task(plan)
    db_session.commit()
    assert counts() == (2, 0)
    lifecycle.move_task(db_session, plan, other_list, None, None)
    db_session.commit()
    assert counts() == (1, 1)
    lifecycle.soft_delete(db_session, plan)
    db_session.commit()
    assert counts() == (1, 0)
    lifecycle.restore(db_session, plan)
    db_session.commit()
    assert counts() == (1, 1)
