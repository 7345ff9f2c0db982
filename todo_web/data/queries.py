"""All SQL of the data blueprint: export, import, the calendar feed and its secret.

Every function takes the session and the user, except the feed's look-up by secret, which
is how an unauthenticated calendar app names its user. The views commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import reminders
from ..access import not_assigned_elsewhere, task_is_visible
from ..db import utcnow
from ..lists.queries import inbox_of
from ..models import (
    Tag,
    Task,
    TaskList,
    TaskStatus,
    User,
    is_open_status,
    new_calendar_secret,
    task_tags,
)
from ..ordering import last_position
from .plan import ImportedTask, ImportPlan


class ImportConflict(RuntimeError):
    """A list the file names was made by another request while this import ran."""

    def __init__(self) -> None:
        super().__init__(
            "A list this file names was created at the same moment. Nothing was imported: "
            "import the file again."
        )


def export_lists(session: Session, user: User) -> Sequence[TaskList]:
    """The user's own live lists, Inbox first, then in the user's order."""
    inbox_of(session, user)  # an account from before lists gets its Inbox here
    return session.scalars(
        select(TaskList)
        .where(TaskList.owner_id == user.id, TaskList.deleted_at.is_(None))
        .order_by(TaskList.is_inbox.desc(), TaskList.position, TaskList.id)
    ).all()


def export_tasks(session: Session, user: User) -> Sequence[Task]:
    """Every task in the user's own lists that is not deleted, with its tags, oldest first
    (so that an import, which writes them in file order, gives them ids in the same order)."""
    return session.scalars(
        select(Task)
        .join(TaskList, TaskList.id == Task.list_id)
        .where(
            TaskList.owner_id == user.id,
            TaskList.deleted_at.is_(None),
            Task.deleted_at.is_(None),
        )
        .order_by(Task.id)
        .options(selectinload(Task.tags))
    ).all()


def tag_names(session: Session, user: User) -> list[str]:
    return list(session.scalars(select(Tag.name).where(Tag.user_id == user.id)))


def import_tasks(
    session: Session, user: User, plan: ImportPlan, now: datetime | None = None
) -> int:
    """Write a validated plan: its lists, tasks, tags, subtask and occurrence links;
    returns how many tasks.

    A list the file names is the user's list of that name (ignoring case, as the unique
    index compares names), or a new one after the user's others. Bulk statements (one
    INSERT … RETURNING for the lists, one for the tasks, one for new tags, one for the tag
    links, one UPDATE each for the parents and the links between occurrences) keep a
    10,000-row import quick. The caller commits: a failure anywhere leaves nothing behind.
    """
    now = now or utcnow()
    list_ids = _list_ids(session, user, plan)
    tasks = plan.tasks
    if not tasks:
        return 0
    tag_ids = _tag_ids(session, user, [name for task in tasks for name in task.tags])
    positions = _positions(session, tasks, list_ids)
    rows = []
    for task, position in zip(tasks, positions, strict=True):
        created = task.created_at or now
        updated = task.updated_at or created
        rows.append(
            {
                "user_id": user.id,
                "created_by_id": user.id,
                "list_id": list_ids[_list_key(task)],
                "position": position,
                "title": task.title,
                "description": task.description,
                "status": task.status.value,
                "priority": task.priority,
                "due_date": task.due_date,
                "due_time": task.due_time if task.due_date else None,
                "recurrence": task.recurrence,
                "remind_minutes": task.remind_minutes,
                "reminder_by_id": user.id if task.remind_minutes is not None else None,
                "created_at": created,
                "updated_at": updated,
                "completed_at": (
                    (task.completed_at or updated) if task.status == TaskStatus.COMPLETED else None
                ),
            }
        )
    new_ids = list(
        session.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True), rows)
    )
    reminded = [
        task_id
        for task, task_id in zip(tasks, new_ids, strict=True)
        if task.remind_minutes is not None
    ]
    if reminded:  # written by statement: the session hook does not see them
        reminders.note_tasks(session, Task.id.in_(reminded))
    links = [
        {"task_id": task_id, "tag_id": tag_ids[name.casefold()]}
        for task, task_id in zip(tasks, new_ids, strict=True)
        for name in task.tags
    ]
    if links:
        session.execute(insert(task_tags), links)
    by_source = {
        task.source_id: task_id
        for task, task_id in zip(tasks, new_ids, strict=True)
        if task.source_id is not None
    }
    _link(session, tasks, new_ids, rows, by_source, "parent_id", lambda task: task.parent)
    _link(session, tasks, new_ids, rows, by_source, "recurs_from_id", lambda task: task.recurs_from)
    session.expire_all()
    return len(new_ids)


def _link(
    session: Session,
    tasks: Sequence[ImportedTask],
    new_ids: Sequence[int],
    rows: Sequence[dict[str, object]],
    by_source: dict[int, int],
    column: str,
    target: Callable[[ImportedTask], int | None],
) -> None:
    """Set `column` of the new tasks to the new id of the task `target` names in the file
    (a link to an id not in the file is dropped; the plan has checked parents). Done after
    the insert, so a subtask may come before its parent in the file. updated_at is given
    so that its onupdate does not stamp the import's time on the tasks."""
    values = [
        {"id": task_id, column: by_source[source], "updated_at": row["updated_at"]}
        for task, task_id, row in zip(tasks, new_ids, rows, strict=True)
        if (source := target(task)) is not None and source in by_source
    ]
    if column == "parent_id":
        # Parents before their subtasks: the trigger that writes a task's order_path reads
        # its parent's, which must already be the final one.
        parent_of = {value["id"]: value["parent_id"] for value in values}

        def depth(task_id: object) -> int:
            level = 0
            while task_id in parent_of and level <= len(parent_of):
                task_id, level = parent_of[task_id], level + 1
            return level

        values.sort(key=lambda value: depth(value["id"]))
    if values:
        session.execute(update(Task), values)


def lists_to_create(session: Session, user: User, plan: ImportPlan) -> list[str]:
    """The names of the lists importing `plan` would make (the user has none of that name)."""
    names = plan.list_names()
    existing = _existing_lists(session, user)
    return [
        name
        for name, key in zip(names, _folded(session, names), strict=True)
        if key not in existing
    ]


def _list_key(task: ImportedTask) -> str | None:
    return None if task.list_name is None else task.list_name.casefold()


def _folded(session: Session, names: Sequence[str]) -> list[str]:
    """The names as the database's lower() folds them, which is how the unique index on
    list names compares them (see tasks.tags.resolve_tags on why not Python's)."""
    if not names:
        return []
    return list(session.execute(select(*(func.lower(name) for name in names))).one())


def _existing_lists(session: Session, user: User) -> dict[str, tuple[int, int]]:
    """{lower(name): (id, position)} of the user's live lists."""
    rows = session.execute(
        select(func.lower(TaskList.name), TaskList.id, TaskList.position).where(
            TaskList.owner_id == user.id, TaskList.deleted_at.is_(None)
        )
    )
    return {key: (list_id, position) for key, list_id, position in rows}


def _list_ids(session: Session, user: User, plan: ImportPlan) -> dict[str | None, int]:
    """{case-folded list name, or None for the Inbox: list id} for every list the plan
    names, making those the user lacks (see `_create_lists`)."""
    names = plan.list_names()
    keys = _folded(session, names)
    existing = _existing_lists(session, user)
    ids_by_key = {key: list_id for key, (list_id, _) in existing.items()}
    missing: dict[str, str] = {}  # lower(name): the first spelling met
    for name, key in zip(names, keys, strict=True):
        if key not in ids_by_key:
            missing.setdefault(key, name)
    if missing:
        last = max((position for _, position in existing.values()), default=None)
        ids_by_key.update(_create_lists(session, user, missing, plan.list_positions(), last))
    ids: dict[str | None, int] = {None: inbox_of(session, user).id}
    ids.update({name.casefold(): ids_by_key[key] for name, key in zip(names, keys, strict=True)})
    return ids


def _create_lists(
    session: Session,
    user: User,
    missing: dict[str, str],
    wanted: dict[str, int],
    last: int | None,
) -> dict[str, int]:
    """Make the lists `missing` names ({lower(name): name}) in one statement; returns
    {lower(name): new id}.

    They keep the file's positions (`wanted`, by case-folded name) when the file gives one
    for each and all come after the user's lists (`last` is the highest position), as in a
    fresh account; otherwise they follow the user's lists in the file's order. A list of
    the same name made meanwhile by another request: ImportConflict.
    """
    given = [wanted.get(name.casefold()) for name in missing.values()]
    positions = [position for position in given if position is not None]
    if len(positions) < len(given) or (last is not None and min(positions) <= last):
        positions = []
        for _ in missing:
            last = last_position(last)
            positions.append(last)
    rows = [
        {"owner_id": user.id, "name": name, "position": position}
        for name, position in zip(missing.values(), positions, strict=True)
    ]
    try:
        with session.begin_nested():
            created = session.scalars(
                insert(TaskList).returning(TaskList.id, sort_by_parameter_order=True), rows
            )
            return dict(zip(missing.keys(), created, strict=True))
    except IntegrityError as error:
        raise ImportConflict() from error


def _positions(
    session: Session, tasks: Sequence[ImportedTask], list_ids: dict[str | None, int]
) -> list[int]:
    """Each task's position among its siblings (the tasks of the file in its list under
    the same parent).

    A group keeps the file's positions when every task has one and they all come after the
    siblings already in the list (a new list, a new parent's subtasks, an empty Inbox);
    otherwise it goes after those siblings in the order of the file's positions, tasks
    without one last, in file order. So a round trip into a fresh account keeps positions
    as they were, and an import into a used list never mixes with its tasks.
    """
    groups: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    for index, task in enumerate(tasks):
        groups[(list_ids[_list_key(task)], task.parent)].append(index)
    top_lists = {list_id for list_id, parent in groups if parent is None}
    last_in_list = dict(
        session.execute(
            select(Task.list_id, func.max(Task.position))
            .where(Task.list_id.in_(top_lists), Task.parent_id.is_(None))
            .group_by(Task.list_id)
        ).all()
    )
    positions: list[int] = [0] * len(tasks)
    for (list_id, parent), members in groups.items():
        last = last_in_list.get(list_id) if parent is None else None
        given = [tasks[index].position for index in members]
        kept = [position for position in given if position is not None]
        if len(kept) == len(given) and (last is None or min(kept) > last):
            for index, position in zip(members, kept, strict=True):
                positions[index] = position
            continue
        ordered = sorted(
            members,
            key=lambda index: (tasks[index].position is None, tasks[index].position or 0),
        )
        for index in ordered:
            last = positions[index] = last_position(last)
    return positions


def _tag_ids(session: Session, user: User, names: Sequence[str]) -> dict[str, int]:
    """{case-folded name: tag id} for these names, creating the user's missing tags (in the
    first spelling met). Names match the user's tags whatever their case."""
    existing = session.execute(select(Tag.id, Tag.name).where(Tag.user_id == user.id)).all()
    ids = {name.casefold(): tag_id for tag_id, name in existing}
    missing: dict[str, str] = {}
    for name in names:
        if name.casefold() not in ids:
            missing.setdefault(name.casefold(), name)
    if missing:
        created = session.scalars(
            insert(Tag).returning(Tag.id, sort_by_parameter_order=True),
            [{"user_id": user.id, "name": name} for name in missing.values()],
        )
        ids.update(zip(missing.keys(), created, strict=True))
    return ids


# -- calendar feed -------------------------------------------------------------------------


def user_by_calendar_secret(session: Session, secret: str) -> User | None:
    """The user whose feed this is (found through the unique index), or None."""
    return session.scalar(select(User).where(User.calendar_secret == secret))


def feed_tasks(session: Session, user: User, task_list: TaskList | None = None) -> Sequence[Task]:
    """Open tasks with a due date, not deleted, in a fixed order (the feed's ETag hashes
    the output, so the order must not vary): the user's, or those of `task_list` (one the
    caller has checked the user may see). Across lists, like the smart views: the lists
    shared with the user too, without tasks assigned to someone else."""
    where = (
        and_(task_is_visible(session, user), not_assigned_elsewhere(user))
        if task_list is None
        else Task.list_id == task_list.id
    )
    return session.scalars(
        select(Task)
        .where(
            where,
            Task.deleted_at.is_(None),
            is_open_status(Task.status),
            Task.due_date.is_not(None),
        )
        .order_by(Task.due_date, Task.due_time, Task.id)
        .options(selectinload(Task.tags))
    ).all()


def replace_calendar_secret(session: Session, user: User) -> str:
    """Give the user a new feed secret; the old URL stops working at commit."""
    user.calendar_secret = new_calendar_secret()
    session.flush()
    return user.calendar_secret
