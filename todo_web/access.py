"""Who may see and change which lists and tasks: decided here, used by every query.

A task's visibility follows its list. Today a user reaches the lists they own; sharing
adds lists where they are a member, by changing `list_is_visible`,
`task_is_visible` and `role_in` alone.

Every route looks things up through `list_for` and `task_for`: something the user cannot
see is a 404, the same as something missing (so ids reveal nothing); something they see
but may not change is a 403 with a message saying why.
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import Forbidden, NotFound

from .models import Task, TaskList, User


class Need(enum.IntEnum):
    """What a route is about to do with a list or task, in growing order of trust."""

    VIEW = 1
    EDIT = 2  # add, change, complete, move and delete tasks
    MANAGE = 3  # rename, delete and share the list itself


class Role(enum.StrEnum):
    OWNER = "owner"


#: What each role may do.
ALLOWED = {Role.OWNER: Need.MANAGE}

DENIED_MESSAGES = {
    Need.EDIT: "You can only look at this list; ask its owner to let you edit it.",
    Need.MANAGE: "Only the list's owner can do that.",
}


def list_is_visible(user: User | ColumnElement[int]) -> ColumnElement[bool]:
    """The condition on TaskList for the live lists the user can see. `user` may also be
    a bound parameter holding the user's id, for statements built once."""
    user_id = user.id if isinstance(user, User) else user
    return and_(TaskList.owner_id == user_id, TaskList.deleted_at.is_(None))


def task_is_visible(user: User) -> ColumnElement[bool]:
    """The condition on Task for tasks the user can see (their lists' tasks).

    Tasks carry their list owner's id (`user_id`), which the per-user indexes and counts
    are keyed by; sharing widens this to the lists the user is a member of.
    """
    return Task.user_id == user.id


def role_in(task_list: TaskList, user: User) -> Role | None:
    """The user's role in the list, None when they have none (cannot see it)."""
    return Role.OWNER if task_list.owner_id == user.id else None


def check(task_list: TaskList | None, user: User, need: Need) -> TaskList:
    """The list if the user may do `need` with it; else NotFound (cannot see it) or
    Forbidden (sees it, may not do this)."""
    role = None if task_list is None else role_in(task_list, user)
    if task_list is None or role is None:
        raise NotFound()
    if ALLOWED[role] < need:
        raise Forbidden(DENIED_MESSAGES[need])
    return task_list


def list_for(
    session: Session, user: User, list_id: int, need: Need, *, include_deleted: bool = False
) -> TaskList:
    """The list with this id for `need`, or NotFound/Forbidden (see `check`)."""
    statement = select(TaskList).where(TaskList.id == list_id)
    if not include_deleted:
        statement = statement.where(TaskList.deleted_at.is_(None))
    return check(session.scalar(statement), user, need)


def task_for(
    session: Session, user: User, task_id: int, need: Need, *, include_deleted: bool = False
) -> Task:
    """The task with this id for `need` (decided by its list), or NotFound/Forbidden."""
    statement = (
        select(Task, TaskList)
        .join(TaskList, TaskList.id == Task.list_id)
        .where(Task.id == task_id, TaskList.deleted_at.is_(None))
        .options(selectinload(Task.tags))
    )
    if not include_deleted:
        statement = statement.where(Task.deleted_at.is_(None))
    row = session.execute(statement).first()
    if row is None:
        raise NotFound()
    check(row[1], user, need)
    return row[0]
