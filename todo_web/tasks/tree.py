"""Subtasks and the manual order: a task's subtree, where a task may go, and the siblings
around a spot (for todo_web.ordering).

A subtask's parent is a task of the same list; nesting stops at MAX_DEPTH levels (a
top-level task and four below it), which also bounds every walk up the tree. Positions
order siblings: tasks of one list with the same parent.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, literal, select, update
from sqlalchemy.orm import Session, aliased

from ..models import MAX_DEPTH, Task
from ..ordering import Placement, Window, last_position, placement

#: Characters of order_path per level of the tree (a position as 16 hex digits).
PATH_SEGMENT = 16


#: Positions run from -2**62 to 2**62; offset, every one is 16 hex digits that sort as text
#: the way the numbers sort (the triggers of migration a7c3e19b5d24 write the same).
POSITION_OFFSET = 1 << 62


def path_segment(position: int) -> str:
    """One level of an order_path, as the database's triggers write it."""
    return f"{position + POSITION_OFFSET:016x}"


class TreeError(ValueError):
    """A parent or spot the task cannot take; the message is shown to the user (400)."""


def subtree_ids(session: Session, task_id: int, *, live_only: bool = True) -> list[int]:
    """The task's id and those of every task below it, at any depth (one statement)."""
    tree = select(Task.id).where(Task.id == task_id).cte("subtree", recursive=True)
    child = aliased(Task)
    step = select(child.id).join(tree, child.parent_id == tree.c.id)
    if live_only:
        step = step.where(child.deleted_at.is_(None))
    tree = tree.union_all(step)
    return list(session.scalars(select(tree.c.id)))


def ids_below(session: Session, task_id: int, *, live_only: bool = True) -> list[int]:
    """The ids of every task below `task_id`, at any depth (its subtree without itself)."""
    return [i for i in subtree_ids(session, task_id, live_only=live_only) if i != task_id]


def ancestor_ids(session: Session, task_id: int) -> list[int]:
    """The ids above the task, its parent first (at most MAX_DEPTH - 1 of them)."""
    chain = (
        select(Task.parent_id.label("id"), literal(1).label("level"))
        .where(Task.id == task_id, Task.parent_id.is_not(None))
        .cte("chain", recursive=True)
    )
    up = aliased(Task)
    chain = chain.union_all(
        select(up.parent_id, chain.c.level + 1)
        .join(chain, up.id == chain.c.id)
        .where(up.parent_id.is_not(None), chain.c.level < MAX_DEPTH + 1)
    )
    return list(session.scalars(select(chain.c.id).order_by(chain.c.level)))


def subtree_height(session: Session, task_id: int) -> int:
    """Levels in the task's subtree: 1 for a task without subtasks."""
    tree = (
        select(Task.id, literal(1).label("level"))
        .where(Task.id == task_id)
        .cte("heights", recursive=True)
    )
    child = aliased(Task)
    tree = tree.union_all(
        select(child.id, tree.c.level + 1)
        .join(tree, child.parent_id == tree.c.id)
        .where(child.deleted_at.is_(None), tree.c.level <= MAX_DEPTH)
    )
    return session.scalar(select(func.max(tree.c.level))) or 1


def check_parent(session: Session, task: Task | None, parent: Task, list_id: int) -> None:
    """May `task` (None: a new task) go under `parent` in list `list_id`? TreeError if not:
    a parent in another list, the task itself or one of its own subtasks (a cycle), or
    nesting deeper than MAX_DEPTH."""
    if parent.list_id != list_id:
        raise TreeError("A subtask goes in its parent's list: pick a parent from this list.")
    above = ancestor_ids(session, parent.id)
    if task is not None and (parent.id == task.id or task.id in above):
        raise TreeError("A task cannot become a subtask of itself or of its own subtasks.")
    height = 1 if task is None else subtree_height(session, task.id)
    if len(above) + 1 + height > MAX_DEPTH:
        raise TreeError(f"Subtasks nest at most {MAX_DEPTH} levels deep.")


def _siblings(list_id: int, parent_id: int | None, but: int | None) -> Select[tuple[int, int]]:
    statement = select(Task.id, Task.position).where(
        Task.list_id == list_id,
        Task.parent_id.is_(None) if parent_id is None else Task.parent_id == parent_id,
        Task.deleted_at.is_(None),
    )
    return statement if but is None else statement.where(Task.id != but)


def end_position(session: Session, list_id: int, parent_id: int | None) -> int:
    """A position after every sibling (a new task, or one moved to the end)."""
    last = session.scalar(
        select(func.max(Task.position)).where(
            Task.list_id == list_id,
            Task.parent_id.is_(None) if parent_id is None else Task.parent_id == parent_id,
        )
    )
    return last_position(last)


def place_before(
    session: Session, task: Task, list_id: int, parent_id: int | None, before: Task | None
) -> Placement:
    """Where `task` goes among the siblings under `parent_id` in `list_id`: just before
    `before` (a sibling there), or last. Reads only a window of neighbours around the spot,
    wider only while they are too crowded to make room (see todo_web.ordering)."""
    if before is None:
        return Placement(end_position(session, list_id, parent_id))
    siblings = _siblings(list_id, parent_id, but=task.id)

    def window_of(size: int) -> Window:
        lower: Sequence[tuple[int, int]] = session.execute(
            siblings.where(Task.position < before.position)
            .order_by(Task.position.desc())
            .limit(size)
        ).all()
        upper: Sequence[tuple[int, int]] = session.execute(
            siblings.where(Task.position >= before.position)
            .order_by(Task.position, Task.id)
            .limit(size)
        ).all()
        return Window(
            before=[tuple(row) for row in lower],  # type: ignore[misc]
            after=[tuple(row) for row in upper],  # type: ignore[misc]
            before_is_all=len(lower) < size,
            after_is_all=len(upper) < size,
        )

    return placement(window_of)


def path_length(session: Session, task_id: int) -> int:
    """How long the task's order_path is now (16 characters per level)."""
    return session.scalar(select(func.length(Task.order_path)).where(Task.id == task_id)) or 0


def rewrite_paths_below(session: Session, task_id: int, old_length: int) -> None:
    """Give the tasks below `task_id` its new order_path as their prefix, after the task's
    own path (`old_length` characters long before) was changed by its trigger: the
    triggers write a task's path from its parent's when the task itself is written, not
    when an ancestor moves. One statement; a task without subtasks changes nothing."""
    tree = select(Task.id).where(Task.parent_id == task_id).cte("below", recursive=True)
    child = aliased(Task)
    tree = tree.union_all(select(child.id).join(tree, child.parent_id == tree.c.id))
    new_prefix = select(Task.order_path).where(Task.id == task_id).scalar_subquery()
    session.execute(
        update(Task)
        .where(Task.id.in_(select(tree.c.id)))
        .values(order_path=new_prefix + func.substr(Task.order_path, old_length + 1)),
        execution_options={"synchronize_session": False},
    )
