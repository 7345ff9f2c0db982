"""The user's tasks as a file: JSON (lossless, versioned) and CSV (one row per task).

JSON, ``version`` 3::

    {"format": "todo-web", "version": 3, "exported_at": "2026-01-05T09:30:00+00:00",
     "user": {"name": "Alice", "timezone": "Europe/Berlin"},
     "lists": [{"name": "Inbox", "inbox": true, "position": 0},
               {"name": "Groceries", "inbox": false, "position": 4294967296}, ...],
     "tasks": [{"id": 7, "title": ..., "description": ..., "status": "completed",
                "priority": "high", "due_date": "2026-01-05", "due_time": "09:30",
                "recurrence": "FREQ=WEEKLY", "tags": ["home", "work"],
                "created_at": ..., "updated_at": ..., "completed_at": ...,
                "recurs_from_id": 3, "list": "Groceries", "parent": 5,
                "position": 8589934592, "remind": 30}, ...]}

Every field of a task is there; timestamps are ISO 8601 in UTC with their microseconds, so
an export imported into a fresh account gives back equal tasks. Completed tasks are
included (a recurring task's history is its completed occurrences, linked by
``recurs_from_id`` to the ``id`` of the occurrence they came from); deleted tasks (still in
the bin for Undo) are not, and a link to one is written as null. ``id`` only names a task
within the file.

Lists are named, not numbered: ``lists`` holds every live list the user owns (empty ones
too), Inbox first, then in the user's order, and a task's ``list`` is its list's name
(names are unique per owner ignoring case, and the Inbox is always "Inbox"). ``parent`` is
the ``id`` of the task a subtask sits under, ``position`` its place among its siblings
(the tasks of its list under the same parent; see todo_web.ordering). ``remind`` is the
task's reminder, minutes before its due moment (null: none). Version 1 had no lists,
parents or positions, version 2 no reminders; the import still reads both (version 1
into the Inbox).

CSV: the same fields as columns (``CSV_COLUMNS``), a header row, tags joined with ", ", empty
cells for nothing; ``list`` is the list's name and ``parent`` the parent's ``id`` in the
same file (an id, not a title: titles repeat). Written as UTF-8 *with* a byte-order mark
and CRLF line ends, because Excel opens a CSV without the mark in the machine's legacy code
page and garbles every accent; every other program ignores the mark, and our import
accepts it. Cells are written as they are: a title starting with "=" stays one (prefixing
such cells against spreadsheet formulas would change the user's own data and break the
round trip). A CSV has no list section, so an empty list is not in it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from ..models import Task, TaskList, User

EXPORT_FORMAT = "todo-web"
EXPORT_VERSION = 3
#: The versions the import reads.
READABLE_VERSIONS = (1, 2, 3)
#: The fields of a task in version 1.
V1_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "due_time",
    "recurrence",
    "tags",
    "created_at",
    "updated_at",
    "completed_at",
    "recurs_from_id",
)
#: The fields of a task in version 2.
V2_COLUMNS = (*V1_COLUMNS, "list", "parent", "position")
CSV_COLUMNS = (*V2_COLUMNS, "remind")
TAG_SEPARATOR = ", "


def task_record(
    task: Task, exported_ids: set[int], list_names: Mapping[int, str]
) -> dict[str, Any]:
    """One task as a JSON object; the order of keys is CSV_COLUMNS'. `list_names` maps
    list ids to names."""
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": task.priority.label,
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "due_time": format_time(task.due_time),
        "recurrence": task.recurrence,
        "tags": [tag.name for tag in task.tags],
        "created_at": _timestamp(task.created_at),
        "updated_at": _timestamp(task.updated_at),
        "completed_at": _timestamp(task.completed_at),
        "recurs_from_id": task.recurs_from_id if task.recurs_from_id in exported_ids else None,
        "list": list_names[task.list_id],
        "parent": task.parent_id if task.parent_id in exported_ids else None,
        "position": task.position,
        "remind": task.remind_minutes,
    }


def list_record(task_list: TaskList) -> dict[str, Any]:
    return {"name": task_list.name, "inbox": task_list.is_inbox, "position": task_list.position}


def to_json(user: User, lists: Sequence[TaskList], tasks: Sequence[Task], *, now: datetime) -> str:
    """The export of `tasks`, which are in `lists`."""
    ids = {task.id for task in tasks}
    names = {task_list.id: task_list.name for task_list in lists}
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _timestamp(now),
        "user": {"name": user.name, "timezone": user.timezone},
        "lists": [list_record(task_list) for task_list in lists],
        "tasks": [task_record(task, ids, names) for task in tasks],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_csv(lists: Sequence[TaskList], tasks: Sequence[Task]) -> str:
    """The export of `tasks` as CSV; `lists` name their lists."""
    ids = {task.id for task in tasks}
    names = {task_list.id: task_list.name for task_list in lists}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for task in tasks:
        record = task_record(task, ids, names)
        record["tags"] = TAG_SEPARATOR.join(record["tags"])
        writer.writerow("" if record[column] is None else record[column] for column in CSV_COLUMNS)
    return out.getvalue()


def filename(extension: str, today: date) -> str:
    return f"todo-web-tasks-{today.isoformat()}.{extension}"


def format_time(value: time | None) -> str | None:
    """HH:MM, or HH:MM:SS for the rare time with seconds (nothing may be lost)."""
    if value is None:
        return None
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def _timestamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
