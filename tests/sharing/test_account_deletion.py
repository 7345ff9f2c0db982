"""Deleting an account that shares lists (DESIGN.md, "Sharing"): the lists it owns go with
it and their members lose them, its memberships end, and the tasks it made, was assigned or
completed in other people's lists stay there, without its name."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from todo_web.models import ListMember, Role, Task, TaskList, User
from todo_web.tasks import lifecycle
from todo_web.tasks.counts import view_counts

from ..client import Client, task_ids
from ..factories import PASSWORD, get_task, make_list, make_task, make_user, share


def test_deleting_an_account_keeps_what_it_did_in_others_lists(
    app: Flask,
    db_session: Session,
    alice: User,
    bob: User,
    alice_client: Client,
    log_in: Callable[[User], Client],
) -> None:
    carol = make_user(db_session, "carol@example.com")
    family = make_list(db_session, alice, "Family")
    share(db_session, family, bob, Role.EDITOR)
    share(db_session, family, carol, Role.VIEWER)
    make_task(db_session, alice, "Family dinner", task_list=family)
    bobs = make_list(db_session, bob, "Garden")
    share(db_session, bobs, alice, Role.EDITOR)
    made = make_task(db_session, alice, "Made by Alice", task_list=bobs)
    assigned = make_task(db_session, bob, "For Alice", task_list=bobs, assignee_id=alice.id)
    done = make_task(db_session, bob, "Done by Alice", task_list=bobs)
    lifecycle.complete_task(db_session, alice, db_session.get(Task, done.id))  # type: ignore[arg-type]
    db_session.commit()
    bob_client = log_in(bob)
    assert assigned.id not in task_ids(bob_client.get("/tasks"))  # Alice's, not his
    family_id, alice_id = family.id, alice.id

    response = alice_client.submit("/settings/delete", {"password": PASSWORD})
    assert response.status_code == 302

    db_session.expire_all()
    assert db_session.get(TaskList, family_id) is None
    members = db_session.scalars(select(ListMember.user_id).where(ListMember.user_id == alice_id))
    assert list(members) == []
    assert bob_client.get(f"/tasks?list={family_id}").status_code == 404
    assert log_in(carol).get(f"/tasks?list={family_id}").status_code == 404
    kept = {
        task.title: task for task in (get_task(db_session, t.id) for t in (made, assigned, done))
    }
    assert kept["Made by Alice"].created_by_id is None
    assert kept["For Alice"].assignee_id is None
    assert kept["Done by Alice"].completed_by_id is None and kept["Done by Alice"].is_completed
    # The task that was Alice's is Bob's to see in his views again, and the counts agree.
    assert assigned.id in task_ids(bob_client.get("/tasks"))
    stored_bob = db_session.get(User, bob.id)
    assert stored_bob is not None
    live_open = db_session.scalar(
        select(func.count())
        .select_from(Task)
        .where(Task.list_id == bobs.id, Task.deleted_at.is_(None), Task.status == "pending")
    )
    assert view_counts(db_session, stored_bob)["open"] == live_open  # his Inbox is empty
