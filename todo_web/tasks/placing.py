"""Where a task goes: the list and parent named by a form (create, edit, move, quick add),
looked up through todo_web.access, so an id the user cannot see is a 404 and one they may
not change a 403, before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from ..access import Need, list_for, task_for
from ..ids import id_from_text
from ..lists.queries import inbox_of
from ..models import Task, TaskList, User, is_open_status
from .tree import TreeError

#: At most this many tasks are offered as parents in the form's picker.
PARENT_CHOICES = 200


class BadId(TreeError):
    """A field that should hold an id holds something else (400)."""


def parse_id(raw: str | None, field: str) -> int | None:
    """An id from a form field; None for a blank field; BadId for anything else."""
    try:
        return id_from_text(raw)
    except ValueError:
        raise BadId(f"{field} must be an id (a whole number).") from None


@dataclass(frozen=True)
class Spot:
    task_list: TaskList
    parent: Task | None = None


def spot_for_new(
    session: Session,
    user: User,
    list_id: int | None,
    parent_id: int | None,
    viewed_list_id: int | None = None,
) -> Spot:
    """Where a new task goes: the list asked for, else its parent's list, else the list
    being viewed, else the Inbox."""
    parent = task_for(session, user, parent_id, Need.EDIT) if parent_id is not None else None
    if list_id is not None:
        task_list = list_for(session, user, list_id, Need.EDIT)
    elif parent is not None:
        task_list = list_for(session, user, parent.list_id, Need.EDIT)
    elif viewed_list_id is not None:
        try:
            task_list = list_for(session, user, viewed_list_id, Need.EDIT)
        except NotFound:  # a page left open on a list deleted since
            task_list = inbox_of(session, user)
    else:
        task_list = inbox_of(session, user)
    return Spot(task_list, parent)


def spot_for_edit(
    session: Session, user: User, task: Task, form: MultiDict[str, str]
) -> Spot | None:
    """Where an edited task goes when its form names a list or parent (None: it stays).
    A field left out keeps its value; a new list without a parent means its top level."""
    if "list" not in form and "parent" not in form:
        return None
    list_id = parse_id(form.get("list"), "list") if "list" in form else task.list_id
    list_id = task.list_id if list_id is None else list_id
    parent_id = parse_id(form.get("parent"), "parent") if "parent" in form else task.parent_id
    if list_id != task.list_id and parent_id == task.parent_id:
        parent_id = None  # a new list, the parent left as it was: its top level
    if list_id == task.list_id and parent_id == task.parent_id:
        return None
    task_list = list_for(session, user, list_id, Need.EDIT)
    parent = task_for(session, user, parent_id, Need.EDIT) if parent_id is not None else None
    return Spot(task_list, parent)


def parent_choices(session: Session, task_list_id: int, task: Task | None) -> list[Task]:
    """The open tasks of the list offered as parents (the task itself left out; its
    current parent kept even when it is not open)."""
    statement = (
        select(Task)
        .where(
            Task.list_id == task_list_id,
            Task.deleted_at.is_(None),
            is_open_status(Task.status),
        )
        .order_by(Task.parent_id.is_not(None), Task.position, Task.id)
        .limit(PARENT_CHOICES)
    )
    if task is not None:
        statement = statement.where(Task.id != task.id)
    choices = list(session.scalars(statement))
    if task is not None and task.parent_id and all(c.id != task.parent_id for c in choices):
        current = session.get(Task, task.parent_id)
        if current is not None:
            choices.insert(0, current)
    return choices
