"""Bulk actions over selected tasks: one transaction, all or nothing.

If any id in the batch is not one of the user's live tasks the whole request is a 404 and
nothing changes, exactly as a single-task route would answer for that id. Assigning the
tasks to someone one of their lists does not allow as assignee is a 400, nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import notifications
from ..access import ROLE, Need, check, list_for, task_is_visible
from ..errors import render_error
from ..ids import is_id
from ..models import TAG_NAME_MAX, ListMember, Priority, Role, Task, TaskList, User
from ..toasts import Toast
from . import lifecycle
from .tags import resolve_tags

MAX_IDS = 500
ACTIONS = (
    "complete",
    "reopen",
    "delete",
    "restore",
    "set_priority",
    "add_tag",
    "remove_tag",
    "move_to_list",
    "assign",
)


class BulkError(ValueError):
    """The request is malformed (400); the message says how."""


class UnknownTasks(LookupError):
    """Some id is not one of the user's tasks (404)."""


@dataclass(frozen=True)
class BulkRequest:
    action: str
    ids: tuple[int, ...]
    value: str = ""


def parse_bulk_request(
    action: str | None, raw_ids: Iterable[str], value: str | None
) -> BulkRequest:
    action = (action or "").strip()
    if action not in ACTIONS:
        raise BulkError(f"Unknown action {action[:40]!r}.")
    raw_ids = list(raw_ids)
    if not all(is_id(raw, blank_ok=False) for raw in raw_ids):
        raise BulkError("Task ids must be whole numbers.")
    unique_ids = tuple(dict.fromkeys(int(raw) for raw in raw_ids))
    if not unique_ids:
        raise BulkError("Select at least one task.")
    if len(unique_ids) > MAX_IDS:
        raise BulkError(f"Select at most {MAX_IDS} tasks at once.")
    value = " ".join((value or "").split())
    if action == "set_priority" and value.lower() not in {p.label for p in Priority}:
        raise BulkError("Choose a priority: high, medium or low.")
    if action == "move_to_list" and not is_id(value, blank_ok=False):
        raise BulkError("Choose the list to move the tasks to.")
    if action == "assign" and not is_id(value, blank_ok=True):
        raise BulkError("Choose someone to assign the tasks to, or no one.")
    if action in {"add_tag", "remove_tag"}:
        if not value:
            raise BulkError("Name the tag.")
        if len(value) > TAG_NAME_MAX or "," in value:
            raise BulkError(f"A tag is one name of at most {TAG_NAME_MAX} characters.")
    return BulkRequest(action=action, ids=unique_ids, value=value)


def _load(session: Session, user: User, ids: Sequence[int], *, deleted: bool) -> list[Task]:
    """The user's tasks with these ids, locked for the update; all of them or UnknownTasks
    (a task of a deleted list too). Every list they are in must let the user edit its
    tasks (Forbidden otherwise, see todo_web.access)."""
    statement = (
        select(Task, ROLE)
        .join(TaskList, TaskList.id == Task.list_id)
        .where(task_is_visible(session, user), Task.id.in_(ids), TaskList.deleted_at.is_(None))
        .where(Task.deleted_at.is_not(None) if deleted else Task.deleted_at.is_(None))
        .options(selectinload(Task.tags))
        .order_by(Task.id)
        .with_for_update(of=Task)
    )
    rows = session.execute(statement, {"role_user_id": user.id}).all()
    if len(rows) != len(ids):
        raise UnknownTasks()
    for role in {role for _, role in rows}:
        check(role, Need.EDIT)
    return [task for task, _ in rows]


def undo_for(request: BulkRequest, tasks: Sequence[Task], sources: set[int]) -> Toast | None:
    """The Undo the answer offers: restore what a delete deleted, move back what a move
    took from one list (from several, there is no single way back)."""
    noun = "Task" if len(tasks) == 1 else "Tasks"
    if request.action == "delete":
        return Toast(f"{noun} deleted.", "info", undo_ids=tuple(t.id for t in tasks))
    if request.action == "move_to_list" and len(sources) == 1:
        (source,) = sources
        return Toast(
            f"{noun} moved.",
            undo_ids=tuple(t.id for t in tasks),
            undo_action="move_to_list",
            undo_value=str(source),
        )
    return None


def source_lists(session: Session, user: User, request: BulkRequest) -> set[int]:
    """The lists the request's tasks are in now (before a move)."""
    if request.action != "move_to_list":
        return set()
    statement = select(Task.list_id).where(task_is_visible(session, user), Task.id.in_(request.ids))
    return set(session.scalars(statement.distinct()))


def apply_bulk(session: Session, user: User, request: BulkRequest) -> list[Task]:
    """Apply the action to every task of the request; the caller commits."""
    tasks = _load(session, user, request.ids, deleted=request.action == "restore")
    if request.action == "complete":
        for task in tasks:
            if not task.is_completed:
                lifecycle.complete_with_subtasks(session, user, task)
    elif request.action == "reopen":
        for task in tasks:
            if task.is_completed:
                lifecycle.reopen_task(task)
    elif request.action == "delete":
        for task in tasks:
            if task.deleted_at is None:  # not already gone with a selected parent
                lifecycle.soft_delete(session, task)
    elif request.action == "restore":
        for task in tasks:
            lifecycle.restore(session, task)
    elif request.action == "move_to_list":
        target = list_for(session, user, int(request.value), Need.EDIT)
        selected = {task.id for task in tasks}
        for task in tasks:
            # A selected subtask of a selected parent goes along with its parent.
            if task.parent_id not in selected and task.list_id != target.id:
                lifecycle.move_task(session, task, target, None, None)
    elif request.action == "assign":
        _assign(session, user, tasks, int(request.value) if request.value else None)
    elif request.action == "set_priority":
        priority = Priority.from_label(request.value)
        for task in tasks:
            task.priority = priority
    elif request.action == "add_tag":
        # A task's tags are its list owner's: one tag per owner among the tasks.
        tags = {
            owner: resolve_tags(session, owner, [request.value])[0]
            for owner in {task.user_id for task in tasks}
        }
        for task in tasks:
            tag = tags[task.user_id]
            if tag not in task.tags:
                task.tags.append(tag)
                lifecycle.touch(task)
    elif request.action == "remove_tag":
        key = request.value.casefold()
        for task in tasks:
            kept = [t for t in task.tags if t.name.casefold() != key]
            if len(kept) != len(task.tags):
                task.tags = kept
                lifecycle.touch(task)
    session.flush()
    return tasks


def _assign(session: Session, user: User, tasks: Sequence[Task], assignee_id: int | None) -> None:
    """Assign every task to `assignee_id` (None: to no one). Each task's list must allow
    them as assignee (its owner or an editor); if one does not, the answer is a 400 naming
    the list and nothing changes. The assignee hears of it by mail (see notifications)."""
    if assignee_id is not None:
        list_ids = {task.list_id for task in tasks}
        allowed = {
            list_id
            for (list_id,) in session.execute(
                select(ListMember.list_id).where(
                    ListMember.list_id.in_(list_ids),
                    ListMember.user_id == assignee_id,
                    ListMember.role != Role.VIEWER.value,
                )
            )
        }
        refused = sorted(list_ids - allowed)
        if refused:
            names = session.scalars(
                select(TaskList.name).where(TaskList.id.in_(refused)).order_by(TaskList.name)
            ).all()
            lists = ", ".join(names)
            abort(
                render_error(
                    400,
                    "Tasks can be assigned only to the owner or an editor of their list; "
                    f"that person is neither in {lists}. Nothing was changed.",
                )
            )
    for task in tasks:
        if task.assignee_id != assignee_id:
            task.assignee_id = assignee_id
            lifecycle.touch(task)
            notifications.task_assigned(session, user, task)


def describe(request: BulkRequest, count: int) -> str:
    noun = "task" if count == 1 else "tasks"
    return {
        "complete": f"Completed {count} {noun}.",
        "reopen": f"Reopened {count} {noun}.",
        "delete": f"Deleted {count} {noun}.",
        "restore": f"Restored {count} {noun}.",
        "set_priority": f"Set {count} {noun} to {request.value.lower()} priority.",
        "add_tag": f"Tagged {count} {noun} #{request.value}.",
        "remove_tag": f"Removed #{request.value} from {count} {noun}.",
        "move_to_list": f"Moved {count} {noun}.",
        "assign": f"Assigned {count} {noun}." if request.value else f"Unassigned {count} {noun}.",
    }[request.action]
