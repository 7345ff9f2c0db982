"""The access rules held against a model of them, over random small worlds (issue point 7).

Each example makes 3 to 4 people, 3 to 5 lists with random owners (besides everyone's Inbox),
random memberships and roles, and random tasks (some subtasks, some assigned to a member
who may edit, some completed, some deleted; a list may be deleted). Then, for every person:

- the tasks the app's reading functions give them (`list_tasks`, across lists and list by
  list) are exactly those the model says: the live tasks of the lists they are a member of;
  across lists without those assigned to someone else, in one list all of them;
- `task_for(..., Need.EDIT)` gives the task to the owner and editors, Forbidden to viewers,
  NotFound to everyone else (and VIEW to viewers); `list_for(..., Need.MANAGE)` gives the
  list to its owner alone, VIEW to every member;
- their smart-view counts equal a direct count (test_shared_counts.direct_counts).

The second property makes random changes first (members removed, roles changed, lists
handed over, tasks moved between lists, assigned, completed and reopened), through the
app's functions, and holds the same against the model kept alongside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden, NotFound

from todo_web.access import Need, list_for, task_for
from todo_web.db import Base, get_database, utcnow
from todo_web.lists.members import add_member, remove_member, set_role, transfer
from todo_web.lists.queries import delete_list, inbox_of
from todo_web.models import Role, Task, TaskList, User
from todo_web.tasks import lifecycle
from todo_web.tasks.counts import view_counts
from todo_web.tasks.listing import ListQuery
from todo_web.tasks.reading import list_tasks

from ..conftest import NOW
from ..factories import make_list, make_task, make_user
from .test_shared_counts import direct_counts

ROLES = (None, Role.EDITOR, Role.VIEWER)
DUE_DAYS = (None, -3, 0, 2, 9)
#: The model's rule: the most each role may do.
MAY = {Role.OWNER: Need.MANAGE, Role.EDITOR: Need.EDIT, Role.VIEWER: Need.VIEW}


@dataclass(frozen=True)
class TaskSpec:
    list_index: int  # into the world's lists: the Inboxes first, then the made lists
    parent: int | None  # index of an earlier task, used when it is in the same list
    completed: bool
    assignee: int | None  # a person, used when they may edit the list
    due_in: int | None
    deleted: bool


@dataclass(frozen=True)
class WorldSpec:
    people: int
    owners: tuple[int, ...]  # one per made list
    roles: tuple[tuple[Role | None, ...], ...]  # per made list, per person (owner ignored)
    deleted_lists: tuple[bool, ...]
    tasks: tuple[TaskSpec, ...]


@st.composite
def worlds(draw: st.DrawFn) -> WorldSpec:
    people = draw(st.integers(3, 4))
    made = draw(st.integers(3, 5))
    owners = tuple(draw(st.integers(0, people - 1)) for _ in range(made))
    roles = tuple(tuple(draw(st.sampled_from(ROLES)) for _ in range(people)) for _ in owners)
    deleted_lists = tuple(draw(st.booleans()) and draw(st.booleans()) for _ in owners)
    count = draw(st.integers(0, 14))
    tasks = tuple(
        TaskSpec(
            list_index=draw(st.integers(0, people + made - 1)),
            parent=draw(st.none() | st.integers(0, max(0, n - 1))) if n else None,
            completed=draw(st.booleans()),
            assignee=draw(st.none() | st.integers(0, people - 1)),
            due_in=draw(st.sampled_from(DUE_DAYS)),
            deleted=draw(st.integers(0, 4)) == 0,
        )
        for n in range(count)
    )
    return WorldSpec(people, owners, roles, deleted_lists, tasks)


@dataclass
class Built:
    users: list[User]
    lists: list[TaskList]  # Inboxes, then the made lists
    #: list id -> {user id: role}, the model's memberships (owners included)
    members: dict[int, dict[int, Role]]
    tasks: list[Task]


def build(session: Session, spec: WorldSpec) -> Built:
    users = [make_user(session, f"u{i}@example.com", commit=False) for i in range(spec.people)]
    lists = [inbox_of(session, user) for user in users]
    members: dict[int, dict[int, Role]] = {
        inbox.id: {user.id: Role.OWNER} for inbox, user in zip(lists, users, strict=True)
    }
    for n, owner in enumerate(spec.owners):
        task_list = make_list(session, users[owner], f"List {n}", commit=False)
        lists.append(task_list)
        members[task_list.id] = {users[owner].id: Role.OWNER}
        for person, role in enumerate(spec.roles[n]):
            if person == owner or role is None:
                continue
            add_member(session, task_list, users[person], Role.EDITOR)
            if role == Role.VIEWER:
                set_role(session, task_list, users[person].id, Role.VIEWER)
            members[task_list.id][users[person].id] = role
    tasks: list[Task] = []
    for n, t in enumerate(spec.tasks):
        task_list = lists[t.list_index]
        parent = tasks[t.parent] if t.parent is not None else None
        if parent is not None and parent.list_id != task_list.id:
            parent = None
        assignee = users[t.assignee] if t.assignee is not None else None
        if assignee is not None and members[task_list.id].get(assignee.id) in (None, Role.VIEWER):
            assignee = None  # the app assigns only to the owner and editors
        task = make_task(
            session,
            users[0],
            f"t{n}",
            task_list=task_list,
            parent=parent,
            status="completed" if t.completed else "pending",
            due_date=None if t.due_in is None else NOW.date() + timedelta(days=t.due_in),
            assignee_id=assignee.id if assignee else None,
            commit=False,
        )
        session.flush()
        tasks.append(task)
    for t, task in zip(spec.tasks, tasks, strict=True):
        if t.deleted and task.deleted_at is None:
            lifecycle.soft_delete(session, task)
    for deleted, task_list in zip(spec.deleted_lists, lists[spec.people :], strict=True):
        if deleted:
            delete_list(session, task_list, utcnow())
    session.commit()
    return Built(users, lists, members, tasks)


def check_world(session: Session, built: Built) -> None:
    session.expire_all()
    tasks = list(session.scalars(select(Task)))
    lists = {task_list.id: task_list for task_list in session.scalars(select(TaskList))}
    live_lists = {list_id for list_id, task_list in lists.items() if task_list.deleted_at is None}
    for user in built.users:
        role_in = {
            list_id: roles[user.id]
            for list_id, roles in built.members.items()
            if user.id in roles and list_id in live_lists
        }
        live = [t for t in tasks if t.deleted_at is None and t.list_id in role_in]

        # Across lists: the member lists' tasks, not those assigned to someone else.
        spanning = list_tasks(session, user, ListQuery(status="all", per_page=100))
        expected = {t.id for t in live if t.assignee_id in (None, user.id)}
        assert {t.id for t in spanning.tasks} == expected, user.email
        assert spanning.total == len(expected)
        open_only = list_tasks(session, user, ListQuery(per_page=100))
        assert {t.id for t in open_only.tasks} == {
            t.id for t in live if t.assignee_id in (None, user.id) and not t.is_completed
        }

        # One list at a time: all of its tasks, to a member; nothing to anyone else.
        for list_id in lists:
            one = list_tasks(session, user, ListQuery(list_id=list_id, status="all", per_page=100))
            wanted = {t.id for t in live if t.list_id == list_id}
            assert {t.id for t in one.tasks} == wanted, (user.email, list_id)

        # What they may do with each task and list.
        for task in tasks:
            role = role_in.get(task.list_id) if task.deleted_at is None else None
            for need in (Need.EDIT,) if role != Role.VIEWER else (Need.VIEW, Need.EDIT):
                if role is None:
                    with pytest.raises(NotFound):
                        task_for(session, user, task.id, need)
                elif role == Role.VIEWER and need == Need.EDIT:
                    with pytest.raises(Forbidden):
                        task_for(session, user, task.id, need)
                else:
                    assert task_for(session, user, task.id, need).id == task.id
        for list_id in lists:
            role = role_in.get(list_id)
            for need in (Need.VIEW, Need.MANAGE) if role else (Need.MANAGE,):
                if role is None:
                    with pytest.raises(NotFound):
                        list_for(session, user, list_id, need)
                elif MAY[role] < need:
                    with pytest.raises(Forbidden):
                        list_for(session, user, list_id, need)
                else:
                    assert list_for(session, user, list_id, need).id == list_id

        assert view_counts(session, user, NOW) == direct_counts(session, user), user.email


def empty(app: Flask) -> None:
    """Every row gone, for the next example (the `app` fixture emptied the tables for the
    first). DELETE rather than conftest's TRUNCATE: on a few rows it is much faster."""
    with get_database(app).engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=worlds())
def test_access_matches_the_model(app: Flask, db_session: Session, spec: WorldSpec) -> None:
    try:
        check_world(db_session, build(db_session, spec))
    finally:
        db_session.rollback()
        db_session.expunge_all()
        empty(app)


# -- the same after random changes of members, roles, owners, lists and assignees ---------------

Op = tuple[str, int, int, object]


@st.composite
def changes(draw: st.DrawFn) -> list[Op]:
    kinds = st.sampled_from(["remove", "role", "transfer", "move", "assign", "toggle"])
    return [
        (
            draw(kinds),
            draw(st.integers(0, 20)),  # a list or task, modulo how many there are
            draw(st.integers(0, 20)),  # a person or list, likewise
            draw(st.sampled_from([Role.EDITOR, Role.VIEWER, None])),
        )
        for _ in range(draw(st.integers(1, 12)))
    ]


def apply(session: Session, built: Built, people: int, ops: list[Op]) -> None:
    """Each change the app would allow, made through its functions; the model follows."""
    made = built.lists[people:]
    for kind, a, b, extra in ops:
        session.expire_all()
        if kind in ("remove", "role", "transfer"):
            task_list = made[a % len(made)]
            user = built.users[b % people]
            roles = built.members[task_list.id]
            role = roles.get(user.id)
            if role is None or role == Role.OWNER:
                continue
            if kind == "remove":
                remove_member(session, task_list, user.id)
                del roles[user.id]
            elif kind == "role" and extra is not None:
                set_role(session, task_list, user.id, extra)  # type: ignore[arg-type]
                roles[user.id] = extra  # type: ignore[assignment]
            elif kind == "transfer" and role == Role.EDITOR:
                old_owner = task_list.owner_id
                transfer(session, task_list, user.id)
                roles[old_owner], roles[user.id] = Role.EDITOR, Role.OWNER
            session.commit()
            continue
        if not built.tasks:
            continue
        task = built.tasks[a % len(built.tasks)]
        if task.deleted_at is not None:
            continue
        if kind == "move":
            target = built.lists[b % len(built.lists)]
            if target.deleted_at is not None or target.id == task.list_id:
                continue
            lifecycle.move_task(session, task, target, None, None)
        elif kind == "assign":
            user = built.users[b % people] if extra is not None else None
            may_edit = user is not None and built.members[task.list_id].get(user.id) in (
                Role.OWNER,
                Role.EDITOR,
            )
            if user is not None and not may_edit:
                continue
            task.assignee_id = user.id if user is not None else None
        else:
            lifecycle.toggle_task(session, built.users[b % people], task)
        session.commit()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=worlds(), ops=changes())
def test_access_matches_the_model_after_changes(
    app: Flask, db_session: Session, spec: WorldSpec, ops: list[Op]
) -> None:
    try:
        built = build(db_session, spec)
        apply(db_session, built, spec.people, ops)
        check_world(db_session, built)
    finally:
        db_session.rollback()
        db_session.expunge_all()
        empty(app)
