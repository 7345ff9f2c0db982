"""The user's tasks as a file: JSON (lossless, versioned) and CSV (one row per task).

JSON, ``version`` 1::

    {"format": "todo-web", "version": 1, "exported_at": "2026-01-05T09:30:00+00:00",
     "user": {"name": "Alice", "timezone": "Europe/Berlin"},
     "tasks": [{"id": 7, "title": ..., "description": ..., "status": "completed",
                "priority": "high", "due_date": "2026-01-05", "due_time": "09:30",
                "recurrence": "FREQ=WEEKLY", "tags": ["home", "work"],
                "created_at": ..., "updated_at": ..., "completed_at": ...,
                "recurs_from_id": 3}, ...]}

Every field of a task is there; timestamps are ISO 8601 in UTC with their microseconds, so
an export imported into a fresh account gives back equal tasks. Completed tasks are
included (a recurring task's history is its completed occurrences, linked by
``recurs_from_id`` to the ``id`` of the occurrence they came from); deleted tasks (still in
the bin for Undo) are not, and a link to one is written as null. ``id`` only names a task
within the file.

CSV: the same fields as columns (``CSV_COLUMNS``), a header row, tags joined with ", ", empty
cells for nothing. Written as UTF-8 *with* a byte-order mark and CRLF line ends, because
Excel opens a CSV without the mark in the machine's legacy code page and garbles every
accent; every other program ignores the mark, and our import accepts it. Cells are written
as they are: a title starting with "=" stays one (prefixing such cells against spreadsheet
formulas would change the user's own data and break the round trip).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from ..models import Task, User

EXPORT_FORMAT = "todo-web"
EXPORT_VERSION = 1
CSV_COLUMNS = (
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
TAG_SEPARATOR = ", "


def task_record(task: Task, exported_ids: set[int]) -> dict[str, Any]:
    """One task as a JSON object; the order of keys is CSV_COLUMNS'."""
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
    }


def to_json(user: User, tasks: Sequence[Task], *, now: datetime) -> str:
    ids = {task.id for task in tasks}
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _timestamp(now),
        "user": {"name": user.name, "timezone": user.timezone},
        "tasks": [task_record(task, ids) for task in tasks],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_csv(tasks: Sequence[Task]) -> str:
    ids = {task.id for task in tasks}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for task in tasks:
        record = task_record(task, ids)
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
