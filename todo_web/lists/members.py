"""Who belongs to a shared list: adding members, changing roles, removing them, handing the
list to another owner. Every function takes a list the caller got through
todo_web.access (which has already checked the role it needs); the caller commits.

The task counts of each member follow by themselves (triggers on list_members, see the
sharing migration); what a removed member was assigned is unassigned here first, so that
it counts for the others again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, bindparam, delete, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import TypeDecorator

from .. import reminders
from ..access import ROLE, Need, check, forget_reach
from ..models import ListMember, Role, Task, TaskList, User


class MembershipError(ValueError):
    """A change of members the rules forbid; the message says why (a 400)."""


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    email: str
    role: Role

    @property
    def initials(self) -> str:
        """One or two letters for the member's badge: "Ann Lee" is "AL", "ann" is "A"."""
        words = [word for word in self.name.split() if word[:1].isalnum()]
        letters = "".join(word[0] for word in words[:2]) or self.email[:1]
        return letters.upper()


_ROLE_ORDER = {Role.OWNER: 0, Role.EDITOR: 1, Role.VIEWER: 2}


def members_of(session: Session, task_list: TaskList) -> list[Member]:
    """The list's members, the owner first, then editors and viewers, each by name."""
    rows = session.execute(
        select(User.id, User.name, User.email, ListMember.role)
        .join(ListMember, ListMember.user_id == User.id)
        .where(ListMember.list_id == task_list.id)
    ).all()
    return _in_order(rows)


def _in_order(rows: Sequence[Sequence[Any]]) -> list[Member]:
    members = [Member(row[0], row[1], row[2], Role(row[3])) for row in rows]
    return sorted(members, key=lambda m: (_ROLE_ORDER[m.role], m.name.casefold(), m.user_id))


class _JsonRows(TypeDecorator[list[Any]]):
    """Rows gathered by `_json_rows`: parsed already on PostgreSQL (json), text on SQLite."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> list[Any]:
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else list(value)


class _json_rows(GenericFunction[list[Any]]):
    """The rows of its arguments as one JSON array of arrays: ``json_agg`` on PostgreSQL,
    ``json_group_array`` on SQLite."""

    type = _JsonRows()
    inherit_cache = True


@compiles(_json_rows, "postgresql")
def _json_rows_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(_json_rows, "sqlite")
def _json_rows_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


#: A list for its page, with the user's role (bound as `role_user_id`) and its members, in
#: one round trip.
_LIST_PAGE = select(
    TaskList,
    ROLE,
    select(_json_rows(User.id, User.name, User.email, ListMember.role))
    .join(ListMember, ListMember.user_id == User.id)
    .where(ListMember.list_id == TaskList.id)
    .scalar_subquery(),
).where(TaskList.id == bindparam("list_id"), TaskList.deleted_at.is_(None))


def list_and_members_for(
    session: Session, user: User, list_id: int, need: Need
) -> tuple[TaskList, list[Member]]:
    """The list (NotFound or Forbidden as `access.list_for` decides) and its members in
    members_of's order, for the list's page."""
    row = session.execute(_LIST_PAGE, {"list_id": list_id, "role_user_id": user.id}).first()
    check(None if row is None else row[1], need)
    assert row is not None
    return row[0], _in_order(row[2])


def assignable_members(session: Session, task_list: TaskList) -> list[Member]:
    """Who a task of the list may be assigned to: its owner and editors."""
    return [m for m in members_of(session, task_list) if m.role != Role.VIEWER]


def member_role(session: Session, list_id: int, user_id: int) -> Role | None:
    role = session.scalar(
        select(ListMember.role).where(ListMember.list_id == list_id, ListMember.user_id == user_id)
    )
    return None if role is None else Role(role)


def add_member(session: Session, task_list: TaskList, user: User, role: Role) -> None:
    """Make `user` a member with `role` (an editor or viewer); a member already keeps the
    role they have."""
    if role == Role.OWNER:
        raise MembershipError("A list has one owner; hand it over instead.")
    if task_list.is_inbox:
        raise MembershipError("The Inbox cannot be shared.")
    if member_role(session, task_list.id, user.id) is None:
        session.add(ListMember(list_id=task_list.id, user_id=user.id, role=role.value))
        session.flush()
    forget_reach()


def set_role(session: Session, task_list: TaskList, user_id: int, role: Role) -> None:
    """Change a member's role between editor and viewer. A viewer may not be assigned
    tasks: becoming one unassigns theirs in this list."""
    current = member_role(session, task_list.id, user_id)
    if current is None:
        raise MembershipError("That person is not a member of this list.")
    if current == Role.OWNER or role == Role.OWNER:
        raise MembershipError("The owner's role changes only by handing the list over.")
    session.execute(
        update(ListMember)
        .where(ListMember.list_id == task_list.id, ListMember.user_id == user_id)
        .values(role=role.value)
    )
    if role == Role.VIEWER:
        _unassign(session, task_list.id, [user_id])
    forget_reach()


def remove_member(session: Session, task_list: TaskList, user_id: int) -> None:
    """End a membership (the owner removing someone, or a member leaving). Their tasks in
    the list are unassigned first; access ends with the commit."""
    current = member_role(session, task_list.id, user_id)
    if current is None:
        raise MembershipError("That person is not a member of this list.")
    if current == Role.OWNER:
        raise MembershipError("The owner cannot leave their list; hand it over or delete it.")
    _unassign(session, task_list.id, [user_id])
    session.execute(
        delete(ListMember).where(ListMember.list_id == task_list.id, ListMember.user_id == user_id)
    )
    session.flush()
    forget_reach()


def transfer(session: Session, task_list: TaskList, new_owner_id: int) -> None:
    """Hand the list to one of its editors; the old owner stays on as an editor. The
    list's tasks carry their owner's id (`tasks.user_id`, see todo_web.access), so they
    are rewritten too, and their tags become the new owner's (same names)."""
    if task_list.is_inbox:
        raise MembershipError("The Inbox cannot be handed over.")
    if member_role(session, task_list.id, new_owner_id) != Role.EDITOR:
        raise MembershipError("Hand the list to one of its editors.")
    old_owner_id = task_list.owner_id
    if _owner_has_name(session, new_owner_id, task_list.name):
        raise MembershipError(
            f"They already have a list called “{task_list.name}”; rename this one first."
        )
    session.execute(
        update(ListMember)
        .where(ListMember.list_id == task_list.id, ListMember.user_id == old_owner_id)
        .values(role=Role.EDITOR.value)
    )
    session.execute(
        update(ListMember)
        .where(ListMember.list_id == task_list.id, ListMember.user_id == new_owner_id)
        .values(role=Role.OWNER.value)
    )
    task_list.owner_id = new_owner_id
    _move_tags(session, task_list.id, new_owner_id)
    session.execute(
        update(Task).where(Task.list_id == task_list.id).values(user_id=new_owner_id),
        execution_options={"synchronize_session": False},
    )
    session.flush()
    forget_reach()


def _owner_has_name(session: Session, owner_id: int, name: str) -> bool:
    wanted = name.casefold()
    names = session.scalars(
        select(TaskList.name).where(TaskList.owner_id == owner_id, TaskList.deleted_at.is_(None))
    )
    return any(taken.casefold() == wanted for taken in names)


def _move_tags(session: Session, list_id: int, owner_id: int) -> None:
    """The list's tasks' tags, as tags of `owner_id` of the same names."""
    from ..tasks.tags import resolve_tags  # the tags module imports lists' queries

    tasks = session.scalars(select(Task).where(Task.list_id == list_id)).all()
    names = sorted({tag.name for task in tasks for tag in task.tags})
    if not names:
        return
    by_name = {tag.name.casefold(): tag for tag in resolve_tags(session, owner_id, names)}
    for task in tasks:
        if task.tags:
            task.tags = [by_name[tag.name.casefold()] for tag in task.tags]


def _unassign(session: Session, list_id: int, user_ids: Sequence[int]) -> None:
    session.execute(
        update(Task)
        .where(Task.list_id == list_id, Task.assignee_id.in_(user_ids))
        .values(assignee_id=None),
        execution_options={"synchronize_session": "fetch"},
    )
    # Their reminders go to who set them now (the condition cannot name the assignee:
    # it is gone by the time the reminders are rescheduled).
    reminders.note_tasks(session, Task.list_id == list_id)
