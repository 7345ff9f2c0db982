"""Who may see and change which lists and tasks: decided here, used by every query.

A user reaches a list through its row in list_members (the owner has one too), and a task
through its list. Three questions, three answers:

- *Which lists can this user see?* `list_is_visible` (a condition on TaskList, through
  the members index).
- *Which tasks?* `task_is_visible`: the tasks of the lists the user owns (`tasks.user_id`,
  the owner, so that an owner's pages keep reading the per-user indexes in order) and of
  the lists shared with them (`Reach`, read once per request). Pages that span lists
  (the smart views, search, the calendar) add `not_assigned_elsewhere`.
- *What may they do with one list or task?* `list_for` / `task_for` read it with the
  user's role in one statement and `check` the role against the `Need`: something the
  user cannot see is a 404, the same as something missing (so ids reveal nothing);
  something they see but may not change is a 403 with a message saying why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.elements import BindParameter
from werkzeug.exceptions import Forbidden, NotFound

from .models import ListMember, Role, Task, TaskList, User


class Need(enum.IntEnum):
    """What a route is about to do with a list or task, in growing order of trust."""

    VIEW = 1
    EDIT = 2  # add, change, complete, move and delete tasks
    MANAGE = 3  # rename, delete and share the list itself


#: What each role may do.
ALLOWED = {Role.OWNER: Need.MANAGE, Role.EDITOR: Need.EDIT, Role.VIEWER: Need.VIEW}

DENIED_MESSAGES = {
    Need.EDIT: "You can only look at this list; ask its owner to let you edit it.",
    Need.MANAGE: "Only the list's owner can do that.",
}

UserRef = User | BindParameter[int] | ColumnElement[int]


def _user_id(user: UserRef) -> ColumnElement[int] | int:
    return user.id if isinstance(user, User) else user


def member_list_ids(user: UserRef) -> Select[tuple[int]]:
    """The ids of every list the user is a member of (owner included), from the members
    index alone."""
    return select(ListMember.list_id).where(ListMember.user_id == _user_id(user))


def shares_lists_with(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether anyone shares a list with the user (a membership that is not the user's own
    list), answered from the members index."""
    return (
        select(ListMember.list_id)
        .where(ListMember.user_id == user_id, ListMember.role != Role.OWNER.value)
        .exists()
    )


def list_is_visible(user: UserRef) -> ColumnElement[bool]:
    """The condition on TaskList for the live lists the user can see. `user` may also be
    a bound parameter holding the user's id, for statements built once."""
    return and_(TaskList.id.in_(member_list_ids(user)), TaskList.deleted_at.is_(None))


@dataclass(frozen=True)
class Reach:
    """The lists others share with a user: id -> (owner id, the user's role)."""

    shared: dict[int, tuple[int, Role]]

    @property
    def shared_list_ids(self) -> list[int]:
        return sorted(self.shared)

    @property
    def owner_ids(self) -> set[int]:
        """Whose lists, besides the user's own, the user sees tasks of."""
        return {owner for owner, _ in self.shared.values()}

    def editable_list_ids(self) -> list[int]:
        return sorted(i for i, (_, role) in self.shared.items() if ALLOWED[role] >= Need.EDIT)


#: The reach of a user nobody shares a list with.
NO_REACH = Reach({})


def read_reach(session: Session, user: User) -> Reach:
    """The lists shared with `user`: read once per request (one indexed lookup)."""
    if user.has_shared_lists is False:
        return NO_REACH
    if has_request_context():
        cached = g.get("reach")
        if cached is not None and cached[0] == user.id:
            return cached[1]
    rows = session.execute(
        select(ListMember.list_id, TaskList.owner_id, ListMember.role)
        .join(TaskList, TaskList.id == ListMember.list_id)
        .where(
            ListMember.user_id == user.id,
            TaskList.owner_id != user.id,
            TaskList.deleted_at.is_(None),
        )
    ).all()
    reach = Reach({list_id: (owner_id, Role(role)) for list_id, owner_id, role in rows})
    remember_reach(user, reach)
    return reach


def remember_reach(user: User, reach: Reach) -> None:
    """Keep `reach` for the rest of the request (the sidebar reads it with the lists)."""
    if has_request_context():
        g.reach = (user.id, reach)


def role_in_visible(session: Session, user: User, list_id: int, owner_id: int) -> Role | None:
    """The user's role in a list they can see, from the request's reach (no query of its
    own once the sidebar or the reach was read): owner of their own lists, else the role
    the list was shared with."""
    if owner_id == user.id:
        return Role.OWNER
    shared = read_reach(session, user).shared.get(list_id)
    return shared[1] if shared else None


def may_edit_visible_list(session: Session, user: User, task_list: TaskList) -> bool:
    """Whether the user may add and change tasks in a list they can see (no query once the
    request's reach is known)."""
    role = role_in_visible(session, user, task_list.id, task_list.owner_id)
    return may(role, Need.EDIT)


def forget_reach() -> None:
    """After a change of memberships in this request: read them again when next asked."""
    if has_request_context():
        g.pop("reach", None)
        if current_user.is_authenticated:
            current_user.has_shared_lists = None


def task_is_visible(
    session: Session, user: User, task: type[Task] | object = Task
) -> ColumnElement[bool]:
    """The condition on Task (or an alias of it) for the tasks the user can see: those of
    the lists they own and of the lists shared with them. Without shared lists it is the
    owner condition alone, which the per-user indexes answer in order."""
    own = task.user_id == user.id  # type: ignore[attr-defined]
    shared = read_reach(session, user).shared_list_ids
    return or_(own, task.list_id.in_(shared)) if shared else own  # type: ignore[attr-defined]


def not_assigned_elsewhere(
    user: User | BindParameter[int], task: object = Task
) -> ColumnElement[bool]:
    """Pages that span lists (the smart views and their counts, search, the calendar) leave
    out tasks assigned to someone else; a list's own page shows them all."""
    user_id = _user_id(user)
    assignee = task.assignee_id  # type: ignore[attr-defined]
    return or_(assignee.is_(None), assignee == user_id)


def may_see_others_assignments(user: User) -> bool:
    """Whether the user may see a task assigned to someone else (so pages spanning lists
    must leave such tasks out). Not when nobody shares a list with them and, as the
    request's sidebar shows, none of their own lists has another member: an assignee is
    always a member who may edit, and leaving a list unassigns one."""
    if user.has_shared_lists is not False or not has_request_context():
        return True
    sidebar = g.get("sidebar")
    return sidebar is None or any(item.members > 1 for item in sidebar.lists)


def check(role: Role | str | None, need: Need) -> None:
    """NotFound when the user has no role in the list (cannot see it); Forbidden when
    their role does not allow `need`."""
    if role is None:
        raise NotFound()
    if ALLOWED[Role(role)] < need:
        raise Forbidden(DENIED_MESSAGES[need])


#: The user's role in the list of the statement it is part of (NULL when none), the user
#: bound as `role_user_id`. list_for and task_for are built with it once, as every request
#: runs one; bulk actions read each task's role with it.
ROLE = (
    select(ListMember.role)
    .where(ListMember.list_id == TaskList.id, ListMember.user_id == bindparam("role_user_id"))
    .scalar_subquery()
)
_LIST_WITH_ROLE = select(TaskList, ROLE).where(TaskList.id == bindparam("list_id"))
_LIVE_LIST_WITH_ROLE = _LIST_WITH_ROLE.where(TaskList.deleted_at.is_(None))
_TASK_WITH_ROLE = (
    select(Task, ROLE)
    .join(TaskList, TaskList.id == Task.list_id)
    .where(Task.id == bindparam("task_id"), TaskList.deleted_at.is_(None))
    # In the same round trip (a task has a handful of tags at most).
    .options(joinedload(Task.tags))
)
_LIVE_TASK_WITH_ROLE = _TASK_WITH_ROLE.where(Task.deleted_at.is_(None))


def list_for(
    session: Session, user: User, list_id: int, need: Need, *, include_deleted: bool = False
) -> TaskList:
    """The list with this id for `need`, or NotFound/Forbidden (see `check`)."""
    statement = _LIST_WITH_ROLE if include_deleted else _LIVE_LIST_WITH_ROLE
    row = session.execute(statement, {"list_id": list_id, "role_user_id": user.id}).first()
    check(None if row is None else row[1], need)
    assert row is not None
    return row[0]


def task_for(
    session: Session, user: User, task_id: int, need: Need, *, include_deleted: bool = False
) -> Task:
    """The task with this id for `need` (decided by its list), or NotFound/Forbidden."""
    statement = _TASK_WITH_ROLE if include_deleted else _LIVE_TASK_WITH_ROLE
    parameters = {"task_id": task_id, "role_user_id": user.id}
    row = session.execute(statement, parameters).unique().first()
    check(None if row is None else row[1], need)
    assert row is not None
    return row[0]


def may(role: Role | str | None, need: Need) -> bool:
    """Whether a role allows `need` (for showing or hiding controls)."""
    return role is not None and ALLOWED[Role(role)] >= need
