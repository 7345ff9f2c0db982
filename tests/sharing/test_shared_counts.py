"""The smart views' counts of every member stay exact (issue point 1), whatever changes.

`view_counts` adds up task_counts rows kept by triggers on tasks and list_members (the
sharing migration). Here each member's counts are held against a direct count of the
tasks themselves: the live tasks of the lists they are a member of, leaving out those
assigned to someone else, after every kind of change, made the way the app makes it
(routes, the members functions, an account deleted in settings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.lists.members import remove_member, set_role, transfer
from todo_web.models import OPEN_STATUSES, ListMember, Role, Task, TaskList, TaskStatus, User
from todo_web.tasks import lifecycle
from todo_web.tasks.counts import view_counts
from todo_web.timezones import local_now

from ..client import Client, edit_fields
from ..conftest import NOW
from ..factories import PASSWORD, get_task, make_list, make_task, make_user, share
from ..lists import real_open_counts, stored_open_counts

TODAY = NOW.date()

pytestmark = pytest.mark.usefixtures("clock")


def direct_counts(session: Session, user: User, now: datetime = NOW) -> dict[str, int]:
    """What view_counts should say, counted from the tasks, one by one, in Python."""
    session.expire_all()
    member_of = set(
        session.scalars(select(ListMember.list_id).where(ListMember.user_id == user.id))
    )
    local = local_now(user.timezone, now)
    today, now_time = local.date(), local.time().replace(tzinfo=None, microsecond=0)
    counts = dict.fromkeys(
        ("today", "upcoming", "overdue", "nodate", "completed", "open", "all", "assigned"), 0
    )
    for task in session.scalars(select(Task).where(Task.deleted_at.is_(None))):
        if task.list_id not in member_of or task.assignee_id not in (None, user.id):
            continue
        is_open = TaskStatus(task.status) in OPEN_STATUSES
        due = task.due_date
        counts["all"] += 1
        counts["completed"] += task.status == TaskStatus.COMPLETED
        if not is_open:
            continue
        counts["open"] += 1
        counts["assigned"] += task.assignee_id == user.id
        counts["nodate"] += due is None
        if due is not None:
            counts["today"] += due <= today
            counts["upcoming"] += today <= due <= today + timedelta(days=6)
            late_today = due == today and task.due_time is not None and task.due_time < now_time
            counts["overdue"] += due < today or late_today
    return counts


@dataclass
class World:
    alice: User
    bob: User
    carol: User
    dave: User
    shared: TaskList
    home: TaskList
    bobs: TaskList
    #: Tasks by title.
    tasks: dict[str, Task]

    def __post_init__(self) -> None:
        # Read now: a user deleted by a change can no longer be asked.
        self.user_ids = [user.id for user in self.people()]
        self.task_ids = {title: task.id for title, task in self.tasks.items()}

    def people(self) -> list[User]:
        return [self.alice, self.bob, self.carol, self.dave]

    def id(self, title: str) -> int:
        return self.task_ids[title]


@pytest.fixture
def world(db_session: Session, alice: User, bob: User) -> World:
    """Alice's Shared (Bob edits, Carol views) and Home (hers alone); Bob's Bobs; Dave in
    nothing yet. Tasks of every kind of date and status, some assigned."""
    carol = make_user(db_session, "carol@example.com")
    dave = make_user(db_session, "dave@example.com")
    shared = make_list(db_session, alice, "Shared")
    home = make_list(db_session, alice, "Home")
    bobs = make_list(db_session, bob, "Bobs")
    share(db_session, shared, bob, Role.EDITOR)
    share(db_session, shared, carol, Role.VIEWER)
    t: dict[str, Task] = {}

    def add(title: str, task_list: TaskList, owner: User = alice, **fields: object) -> None:
        t[title] = make_task(db_session, owner, title, task_list=task_list, commit=False, **fields)
        db_session.flush()

    day = timedelta(days=1)
    add("overdue", shared, due_date=TODAY - 2 * day)
    add("today", shared, due_date=TODAY)
    add("today late", shared, due_date=TODAY, due_time=time(8, 0))
    add("today later", shared, due_date=TODAY, due_time=time(18, 0))
    add("soon", shared, due_date=TODAY + 3 * day, status="in_progress")
    add("later", shared, due_date=TODAY + 10 * day)
    add("undated", shared)
    add("parent", shared, due_date=TODAY + day)
    add("child", shared, parent=t["parent"], due_date=TODAY)
    add("done", shared, status="completed", due_date=TODAY - day)
    add("cancelled", shared, status="cancelled")
    add("for bob", shared, assignee_id=bob.id, due_date=TODAY)
    add("for alice", shared, assignee_id=alice.id)
    add("weekly", shared, due_date=TODAY - day, recurrence="FREQ=WEEKLY")
    add("weekly for bob", shared, due_date=TODAY, recurrence="FREQ=DAILY", assignee_id=bob.id)
    add("gone", shared, deleted_at=NOW)
    add("home", home, due_date=TODAY)
    add("home undated", home)
    add("bobs", bobs, bob, due_date=TODAY + day)
    db_session.commit()
    return World(alice, bob, carol, dave, shared, home, bobs, t)


def assert_exact(session: Session, world: World) -> None:
    for user_id in world.user_ids:
        session.expire_all()
        fresh = session.get(User, user_id)
        if fresh is None:  # deleted
            continue
        assert view_counts(session, fresh, NOW) == direct_counts(session, fresh), fresh.email
    assert stored_open_counts(session) == real_open_counts(session)


def test_the_world_starts_exact(db_session: Session, world: World) -> None:
    assert_exact(db_session, world)
    # And it is not trivially so: each member sees Shared, each in their own way.
    alice, bob, carol, dave = (view_counts(db_session, u, NOW) for u in world.people())
    assert dave["all"] == 0
    assert carol["all"] == alice["all"] - 2 - 1  # not Home's, nor the one for Alice
    assert bob["assigned"] == 2 and alice["assigned"] == 1 and carol["assigned"] == 0


# -- the changes --------------------------------------------------------------------------------

Change = Callable[[Session, World, Callable[[User], Client]], None]
CHANGES: dict[str, Change] = {}


def change(name: str) -> Callable[[Change], Change]:
    def register(function: Change) -> Change:
        CHANGES[name] = function
        return function

    return register


def ok(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status in (200, 302), status


def fields_of(session: Session, w: World, title: str, **changes: object) -> dict[str, object]:
    return edit_fields(get_task(session, w.id(title)), **changes)


@change("create by an editor")
def _create(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    bob = log_in(w.bob)
    ok(bob.submit("/tasks", {"title": "New", "list": w.shared.id, "due_date": TODAY.isoformat()}))
    ok(bob.submit("/tasks/quick", {"text": "Quick one tomorrow +Shared"}))
    ok(bob.submit("/tasks", {"title": "Sub", "parent": w.id("parent")}))


@change("complete")
def _complete(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    bob = log_in(w.bob)
    ok(bob.submit(f"/tasks/{w.id('today')}/toggle", {"state": "completed"}))
    ok(bob.submit(f"/tasks/{w.id('parent')}/toggle", {"state": "completed"}))  # and its child
    ok(bob.submit(f"/tasks/{w.id('for bob')}/toggle", {"state": "completed"}))


@change("complete recurring")
def _complete_recurring(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    bob = log_in(w.bob)
    ok(bob.submit(f"/tasks/{w.id('weekly')}/toggle", {"state": "completed"}))
    ok(bob.submit("/tasks/bulk", [("action", "complete"), ("ids", w.id("weekly for bob"))]))
    next_ones = s.scalars(select(Task).where(Task.recurs_from_id.is_not(None))).all()
    assert len(next_ones) == 2
    assert {t.user_id for t in next_ones} == {w.alice.id}


@change("reopen")
def _reopen(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    ok(log_in(w.alice).submit(f"/tasks/{w.id('done')}/toggle", {"state": "pending"}))
    ok(log_in(w.bob).submit("/tasks/bulk", [("action", "reopen"), ("ids", w.id("cancelled"))]))


@change("due date and status")
def _due(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    bob = log_in(w.bob)
    ok(bob.submit(f"/tasks/{w.id('undated')}/edit", fields_of(s, w, "undated", due_date=TODAY)))
    ok(bob.submit(f"/tasks/{w.id('overdue')}/edit", fields_of(s, w, "overdue", due_date="")))
    ok(
        bob.submit(
            f"/tasks/{w.id('today later')}/edit",
            fields_of(s, w, "today later", due_time="09:00"),
        )
    )
    ok(bob.submit(f"/tasks/{w.id('later')}/edit", fields_of(s, w, "later", status="in_progress")))
    ok(
        bob.submit(
            f"/tasks/{w.id('for bob')}/edit",
            fields_of(s, w, "for bob", due_date=(TODAY + timedelta(days=30)).isoformat()),
        )
    )


@change("delete and restore")
def _delete(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    bob = log_in(w.bob)
    ok(bob.submit(f"/tasks/{w.id('today')}/delete"))
    ok(bob.submit(f"/tasks/{w.id('parent')}/delete"))  # and its child
    ok(bob.submit(f"/tasks/{w.id('for alice')}/delete"))
    ok(bob.submit(f"/tasks/{w.id('gone')}/restore"))
    ok(bob.submit(f"/tasks/{w.id('today')}/restore"))
    ok(bob.submit("/tasks/bulk", [("action", "delete"), ("ids", w.id("soon"))]))


@change("delete only")
def _delete_only(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    bob = log_in(w.bob)
    ok(bob.submit(f"/tasks/{w.id('parent')}/delete"))
    ok(bob.submit(f"/tasks/{w.id('for bob')}/delete"))


@change("list delete")
def _list_delete(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    ok(log_in(w.alice).submit(f"/lists/{w.shared.id}/delete"))


@change("list delete and restore")
def _list_restore(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    alice = log_in(w.alice)
    ok(alice.submit(f"/lists/{w.shared.id}/delete"))
    ok(alice.submit(f"/lists/{w.shared.id}/restore"))


@change("move shared to unshared")
def _move_out(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    alice = log_in(w.alice)
    ok(
        alice.submit(
            f"/tasks/{w.id('today')}/edit", fields_of(s, w, "today", list=w.home.id, parent="")
        )
    )
    ok(
        alice.submit(
            "/tasks/bulk",
            [("action", "move_to_list"), ("ids", w.id("parent")), ("value", w.home.id)],
        )
    )
    ok(
        alice.submit(
            "/tasks/bulk",
            [("action", "move_to_list"), ("ids", w.id("for bob")), ("value", w.home.id)],
        )
    )


@change("move unshared to shared")
def _move_in(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    alice = log_in(w.alice)
    ok(
        alice.submit(
            "/tasks/bulk",
            [("action", "move_to_list"), ("ids", w.id("home")), ("value", w.shared.id)],
        )
    )
    ok(
        alice.submit(
            f"/tasks/{w.id('home undated')}/edit",
            fields_of(s, w, "home undated", list=w.shared.id),
        )
    )


@change("move by an editor to his own list and back")
def _move_bob(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    bob = log_in(w.bob)
    ok(
        bob.submit(
            "/tasks/bulk", [("action", "move_to_list"), ("ids", w.id("soon")), ("value", w.bobs.id)]
        )
    )
    ok(
        bob.submit(
            "/tasks/bulk",
            [("action", "move_to_list"), ("ids", w.id("bobs")), ("value", w.shared.id)],
        )
    )


@change("move of a parent and its subtask by an editor, out and in again")
def _move_tree(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    bob = log_in(w.bob)
    _assign(s, "child", w.alice)  # Alice may not edit Bob's list: unassigned on the way
    for target in (w.bobs.id, w.shared.id):
        pairs = [("action", "move_to_list"), ("ids", w.id("parent")), ("value", target)]
        ok(bob.submit("/tasks/bulk", pairs))
    child = get_task(s, w.id("child"))
    assert (child.list_id, child.assignee_id) == (w.shared.id, None)


def _assign(s: Session, title: str, user: User | None) -> None:
    task = s.scalar(select(Task).where(Task.title == title))
    assert task is not None
    task.assignee_id = None if user is None else user.id
    s.commit()


@change("assign")
def _assign_some(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    _assign(s, "today", w.bob)
    _assign(s, "undated", w.alice)
    _assign(s, "done", w.bob)


@change("unassign")
def _unassign(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    _assign(s, "for bob", None)
    _assign(s, "for alice", None)


@change("reassign")
def _reassign(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    _assign(s, "for bob", w.alice)
    _assign(s, "for alice", w.bob)


def _list(s: Session, w: World) -> TaskList:
    s.expire_all()
    task_list = s.get(TaskList, w.shared.id)
    assert task_list is not None
    return task_list


@change("member added")
def _added(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    share(s, _list(s, w), w.dave, Role.VIEWER)
    share(s, s.get(TaskList, w.home.id), w.bob, Role.EDITOR)  # type: ignore[arg-type]


@change("assigned to someone who then joins")
def _assigned_then_joins(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    _assign(s, "undated", w.dave)  # not a member yet: it counts for no one
    share(s, _list(s, w), w.dave, Role.EDITOR)


@change("role changed")
def _role(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    set_role(s, _list(s, w), w.bob.id, Role.VIEWER)  # unassigns "for bob"
    s.commit()
    set_role(s, _list(s, w), w.carol.id, Role.EDITOR)
    s.commit()


@change("member removed")
def _removed(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    remove_member(s, _list(s, w), w.bob.id)  # unassigns "for bob"
    s.commit()


@change("viewer removed")
def _viewer_removed(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    remove_member(s, _list(s, w), w.carol.id)
    s.commit()


@change("transfer")
def _transfer(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    transfer(s, _list(s, w), w.bob.id)
    s.commit()


@change("transfer, then the old owner removed")
def _transfer_remove(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    transfer(s, _list(s, w), w.bob.id)
    s.commit()
    remove_member(s, _list(s, w), w.alice.id)  # unassigns "for alice"
    s.commit()


@change("member's account deleted")
def _member_deleted(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    ok(log_in(w.bob).submit("/settings/delete", {"password": PASSWORD}))


@change("owner's account deleted")
def _owner_deleted(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    ok(log_in(w.alice).submit("/settings/delete", {"password": PASSWORD}))


@change("account deleted through the ORM")
def _orm_deleted(s: Session, w: World, log_in: Callable[[User], Client]) -> None:
    s.expire_all()
    s.delete(s.get(User, w.bob.id))
    s.commit()
    s.delete(s.get(User, w.carol.id))
    s.commit()


@pytest.mark.parametrize("name", list(CHANGES))
def test_counts_stay_exact_after(
    db_session: Session, world: World, log_in: Callable[[User], Client], name: str
) -> None:
    CHANGES[name](db_session, world, log_in)
    assert_exact(db_session, world)


def test_counts_stay_exact_through_every_change_in_turn(
    db_session: Session, world: World, log_in: Callable[[User], Client]
) -> None:
    """One world through the changes that leave everyone in place, one after another."""
    for name in [
        "create by an editor",
        "complete",
        "complete recurring",
        "assign",
        "reopen",
        "due date and status",
        "move unshared to shared",
        "member added",
        "reassign",
        "list delete and restore",
        "move by an editor to his own list and back",
        "unassign",
        "delete and restore",
        "transfer",
        "viewer removed",
    ]:
        CHANGES[name](db_session, world, log_in)
        assert_exact(db_session, world)


def test_counts_follow_the_clock(db_session: Session, world: World) -> None:
    """The dated views move with the day and hour, from the same rows."""
    for later in (timedelta(hours=9), timedelta(days=1), timedelta(days=12)):
        for user in world.people():
            assert view_counts(db_session, user, NOW + later) == direct_counts(
                db_session, user, NOW + later
            )


def test_a_task_unassigned_comes_back_for_everyone(db_session: Session, world: World) -> None:
    carol_before = view_counts(db_session, world.carol, NOW)
    _assign(db_session, "for bob", None)
    carol_after = view_counts(db_session, world.carol, NOW)
    assert carol_after["all"] == carol_before["all"] + 1
    assert carol_after["today"] == carol_before["today"] + 1
    assert view_counts(db_session, world.bob, NOW)["assigned"] == 1  # "weekly for bob"


def test_lifecycle_writes_outside_requests_keep_counts_too(
    app: Flask, db_session: Session, world: World
) -> None:
    task = get_task(db_session, world.id("soon"))
    lifecycle.soft_delete(db_session, task)
    db_session.commit()
    assert_exact(db_session, world)
