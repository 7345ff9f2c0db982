"""Reading and changing lists. Every function takes the session and the user, or a list the
caller got through todo_web.access (which has already decided the user may touch it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import reminders
from ..access import list_is_visible, read_reach
from ..db import utcnow
from ..models import INBOX_NAME, Task, TaskList, User
from ..ordering import last_position

#: How long a deleted list waits for an Undo before the purge removes it with its tasks.
DELETED_LIST_KEEP_DAYS = 30


class ListNameTaken(ValueError):
    """The owner already has a live list of that name (ignoring case)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"You already have a list called “{name}”.")


class InboxIsFixed(ValueError):
    """The Inbox cannot be renamed or deleted."""

    def __init__(self) -> None:
        super().__init__("The Inbox cannot be renamed or deleted.")


#: The order lists are shown in: the Inbox first, then the user's own order.
LIST_ORDER = (TaskList.is_inbox.desc(), TaskList.position, TaskList.id)


def user_lists(session: Session, user: User) -> Sequence[TaskList]:
    """The lists the user can see, Inbox first, then in the user's order; each carries its
    open count (kept by triggers: one indexed read whatever the lists hold)."""
    statement = select(TaskList).where(list_is_visible(user)).order_by(*LIST_ORDER)
    return session.scalars(statement).all()


class UnknownList(LookupError):
    """Quick add's `+Name` matches no list the user may add to, or more than one; the
    message names the choices."""


def list_named(session: Session, user: User, name: str) -> TaskList:
    """The list the user may add to whose name is `name` ignoring case: their own first.
    UnknownList, naming the lists there are, when none matches."""
    editable = set(read_reach(session, user).editable_list_ids())
    lists = [
        item
        for item in user_lists(session, user)
        if item.owner_id == user.id or item.id in editable
    ]
    wanted = name.casefold()
    matches = [item for item in lists if item.name.casefold() == wanted]
    own = [item for item in matches if item.owner_id == user.id]
    if own:
        return own[0]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(f"+{_quoted(item.name)}" for item in lists)
    if matches:
        raise UnknownList(f"More than one list is called “{name}”: {names}.")
    raise UnknownList(f"There is no list called “{name}”. Your lists: {names}.")


def _quoted(name: str) -> str:
    return name if all(ch.isalnum() or ch in "-_" for ch in name) else f'"{name}"'


def inbox_of(session: Session, user: User) -> TaskList:
    """The user's Inbox (every account has one, made with it)."""
    inbox = session.scalar(
        select(TaskList).where(TaskList.owner_id == user.id, TaskList.is_inbox.is_(True))
    )
    if inbox is None:  # an account made before lists by a path the migration missed
        inbox = create_inbox(session, user)
    return inbox


def create_inbox(session: Session, user: User) -> TaskList:
    inbox = TaskList(owner_id=user.id, name=INBOX_NAME, is_inbox=True, position=0)
    session.add(inbox)
    session.flush()
    return inbox


def _name_taken(session: Session, user: User, name: str, *, but: int | None = None) -> bool:
    """Has the owner another live list of this name, ignoring case? Compared in Python
    with casefold, as quick add's `+Name` matches: SQLite's lower() folds ASCII only (and
    PostgreSQL's depends on the database's locale), so "Café" and "CAFÉ" would both pass
    it. An owner has a handful of lists; the unique index still settles races."""
    statement = select(TaskList.name).where(
        TaskList.owner_id == user.id, TaskList.deleted_at.is_(None)
    )
    if but is not None:
        statement = statement.where(TaskList.id != but)
    wanted = name.casefold()
    return any(taken.casefold() == wanted for taken in session.scalars(statement))


def _flush_unique(session: Session, name: str) -> None:
    """Flush; the unique index settles two requests racing for one name."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise ListNameTaken(name) from error


def create_list(session: Session, user: User, name: str) -> TaskList:
    """A new list of the user's, last in their order."""
    if _name_taken(session, user, name):
        raise ListNameTaken(name)
    last = session.scalar(select(func.max(TaskList.position)).where(TaskList.owner_id == user.id))
    task_list = TaskList(owner_id=user.id, name=name, position=last_position(last))
    session.add(task_list)
    _flush_unique(session, name)
    return task_list


def rename_list(session: Session, user: User, task_list: TaskList, name: str) -> None:
    if task_list.is_inbox:
        raise InboxIsFixed()
    if _name_taken(session, user, name, but=task_list.id):
        raise ListNameTaken(name)
    task_list.name = name
    _flush_unique(session, name)


def delete_list(session: Session, task_list: TaskList, now: datetime | None = None) -> None:
    """Delete the list and its live tasks, stamped with one time, so that `restore_list`
    brings back exactly those (tasks deleted before stay deleted)."""
    if task_list.is_inbox:
        raise InboxIsFixed()
    stamp = now or utcnow()
    session.execute(
        update(Task)
        .where(Task.list_id == task_list.id, Task.deleted_at.is_(None))
        .values(deleted_at=stamp)
    )
    reminders.note_tasks(session, Task.list_id == task_list.id)
    task_list.deleted_at = stamp
    session.flush()


def restore_list(session: Session, user: User, task_list: TaskList) -> None:
    """Undo `delete_list`. A list made since under the same name blocks it (the owner
    renames one of them first)."""
    if task_list.deleted_at is None:
        return
    if _name_taken(session, user, task_list.name):
        raise ListNameTaken(task_list.name)
    session.execute(
        update(Task)
        .where(Task.list_id == task_list.id, Task.deleted_at == task_list.deleted_at)
        .values(deleted_at=None)
    )
    reminders.note_tasks(session, Task.list_id == task_list.id)
    task_list.deleted_at = None
    _flush_unique(session, task_list.name)


def purge_deleted_lists(session: Session, now: datetime | None = None) -> int:
    """Remove lists deleted more than DELETED_LIST_KEEP_DAYS ago (their tasks go with them,
    by the foreign key's cascade)."""
    cutoff = (now or utcnow()) - timedelta(days=DELETED_LIST_KEEP_DAYS)
    result = session.execute(delete(TaskList).where(TaskList.deleted_at < cutoff))
    return result.rowcount or 0
