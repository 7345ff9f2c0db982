"""Reading an uploaded file into tasks: pure, no Flask, no database.

``read_upload(data, ...)`` takes the bytes as uploaded and returns an ``ImportPlan``: the
tasks the file describes, already validated, plus every problem found, by row. Nothing is
written here; the view shows the plan as a summary (a dry run) or hands its tasks to
``queries.import_tasks`` when it has no errors. A file that cannot be read at all (empty,
binary, not UTF-8, broken quotes, JSON refused by ``safe_json``, too many rows, columns we do
not know) raises ``ImportFileError`` instead.

Three formats, told apart by their content rather than the file name:

- this app's JSON export (``export.py``): an object ``{"format": "todo-web", "version": 2,
  "lists": [...], "tasks": [...]}``. Row n is the n-th task of the list. Version 1 (no
  lists, parents or positions; those fields are unknown there) imports into the Inbox.
- this app's CSV export: a header row naming some of ``export.CSV_COLUMNS`` (``title`` is
  required, the others may be left out; a column we do not know is an error, to catch
  typos). Row numbers are the spreadsheet's: the header is row 1. A blank ``list`` cell
  means the Inbox (a subtask's: its parent's list).
- Todoist's CSV export (see ``todoist.py``): recognised by its ``TYPE`` and ``CONTENT``
  columns. Its tasks go in the list named after the file (or its ``PROJECT`` column).

Decisions worth knowing:

- The file must be UTF-8 (a byte-order mark is fine: our own CSV export starts with one).
- Timestamps without a zone are read as UTC. Missing ``created_at``/``updated_at`` become
  the time of the import; a completed task without ``completed_at`` takes its
  ``updated_at``. ``completed_at`` on a task that is not completed is an error.
- A recurring task without a due date gets the first date of its series from today, as in
  the task form. Rules go through ``recurrence.validate_rule``.
- ``id`` and ``recurs_from_id`` only link the rows of one file (which occurrence of a
  recurring task was completed into which); new ids are given on import. A link to an id
  that is not in the file is dropped without a word: the export leaves out deleted tasks,
  which may be the ones a later occurrence came from.
- ``parent`` also names a task by its ``id`` in the file, which must be there: dropping it
  would flatten the user's outline unseen. Lists and parents are checked in
  ``outline.py``. ``position`` is any whole number the database's positions can hold;
  the import keeps it where it can (see ``queries.import_tasks``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from time import thread_time
from typing import TypeVar

from .. import recurrence
from ..models import (
    DESCRIPTION_MAX,
    REMIND_MINUTES,
    TAG_NAME_MAX,
    TITLE_MAX,
    Priority,
    TaskStatus,
)
from ..ordering import HIGHEST, LOWEST
from . import todoist
from .export import CSV_COLUMNS, EXPORT_FORMAT, READABLE_VERSIONS, V1_COLUMNS, V2_COLUMNS
from .outline import MAX_LISTS, check_outline, list_name, list_name_from_filename
from .plan import (
    ImportedList,
    ImportedTask,
    ImportFileError,
    ImportPlan,
    ImportTooSlow,
    RowProblem,
)
from .safe_json import JSONRefused, load_bounded

_TASK_KEYS = frozenset(CSV_COLUMNS)
#: The fields of a task each version of our JSON knows.
_VERSION_KEYS = {1: frozenset(V1_COLUMNS), 2: frozenset(V2_COLUMNS), 3: _TASK_KEYS}
_LIST_KEYS = frozenset({"name", "inbox", "position"})
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?")
_ID = re.compile(r"[0-9]{1,18}")
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

T = TypeVar("T")


def read_upload(
    data: bytes,
    *,
    today: date,
    tz: str,
    max_rows: int,
    filename: str | None = None,
    cpu_seconds: float | None = None,
) -> ImportPlan:
    """Decode, recognise and validate an uploaded file; see the module docstring.

    ``today`` and ``tz`` are the user's: they anchor repeats without a date and Todoist's
    relative dates ("tomorrow"). ``filename`` (as uploaded) names a Todoist file's list.
    With ``cpu_seconds``, reading stops with `ImportTooSlow` once it has cost that much of
    this thread's processor time: the size limits bound the rows, this bounds what each
    row may cost (a worker's time is shared by everyone it serves).
    """
    text = decode(data)
    if text.lstrip()[:1] in ("{", "["):
        return read_json(text, today=today, tz=tz, max_rows=max_rows, cpu_seconds=cpu_seconds)
    return read_csv(
        text, today=today, tz=tz, max_rows=max_rows, filename=filename, cpu_seconds=cpu_seconds
    )


def _within_budget(rows: Iterable[T], cpu_seconds: float | None) -> Iterator[T]:
    """`rows`, until reading them (the work done between two rows) has cost more than
    `cpu_seconds` of this thread's processor time: then ImportTooSlow."""
    if cpu_seconds is None:
        yield from rows
        return
    limit = thread_time() + cpu_seconds
    for row in rows:
        if thread_time() > limit:
            raise ImportTooSlow(cpu_seconds)
        yield row


def decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError("The file is empty.")
    if b"\x00" in data:
        raise ImportFileError(
            "This is not a text file (it contains NUL bytes): upload the .json or .csv file "
            "itself, saved as UTF-8."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start}). Save it as UTF-8 (in Excel: “CSV UTF-8”) and try again."
        ) from None


# --------------------------------------------------------------------------- JSON


def read_json(
    text: str, *, today: date, tz: str, max_rows: int, cpu_seconds: float | None = None
) -> ImportPlan:
    try:
        document = load_bounded(text)
    except JSONRefused as exc:
        raise ImportFileError(str(exc)) from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ImportFileError(
            "This JSON file is not a todo-web export (it has no “format”: “todo-web”)."
        )
    version = document.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        *earlier, last = (str(number) for number in READABLE_VERSIONS)
        readable = f"{', '.join(earlier)} and {last}"
        raise ImportFileError(
            f"This export has version {_show(version)}; this app reads versions {readable}."
        )
    tasks = document.get("tasks")
    if not isinstance(tasks, list):
        raise ImportFileError("The export has no list of “tasks”.")
    if len(tasks) > max_rows:
        raise ImportFileError(_too_many_rows(max_rows))
    if version == 1 and "lists" in document:
        raise ImportFileError("A version 1 export has no “lists”; version 2 has.")
    plan = ImportPlan(format="json", lists=_json_lists(document.get("lists", [])))
    keys = _VERSION_KEYS[version]
    for number, raw in _within_budget(enumerate(tasks, start=1), cpu_seconds):
        if not isinstance(raw, dict):
            plan.errors.append(RowProblem(number, "This task is not a JSON object."))
            continue
        _add(plan, number, raw, today=today, tz=tz, from_csv=False, keys=keys)
    _check_links(plan)
    check_outline(plan)
    return plan


def _json_lists(raw: object) -> list[ImportedList]:
    """The list section of a version 2 export: every list with its order, the Inbox left
    out (it is the importer's own). Any problem refuses the file: it is no task's row."""
    if not isinstance(raw, list):
        raise ImportFileError("“lists” must be a list of lists.")
    if len(raw) > MAX_LISTS:
        raise ImportFileError(f"The file names more than {MAX_LISTS:,} lists.")
    lists: dict[str, ImportedList] = {}
    for number, item in enumerate(raw, start=1):
        where = f"List {number} of “lists”"
        if not isinstance(item, dict):
            raise ImportFileError(f"{where} is not a JSON object.")
        row = _Row(item, from_csv=False)
        unknown = sorted(str(key) for key in item if key not in _LIST_KEYS)
        if unknown:
            row.problems.append(f"Unknown field(s): {', '.join(unknown)}.")
        if not isinstance(item.get("name"), str) or not item["name"].strip():
            row.problems.append("It has no name.")
        name = list_name(item.get("name"), row.problems, field="name")
        if not isinstance(item.get("inbox", False), bool):
            row.problems.append("inbox must be true or false.")
        position = row.integer("position")
        if row.problems:
            raise ImportFileError(f"{where}: {row.problems[0]}")
        if name is None or item.get("inbox") is True:
            continue  # the Inbox
        if name.casefold() in lists:
            raise ImportFileError(f"{where}: the list “{name}” is named twice.")
        lists[name.casefold()] = ImportedList(name=name, position=position)
    return list(lists.values())


# --------------------------------------------------------------------------- CSV


def read_csv(
    text: str,
    *,
    today: date,
    tz: str,
    max_rows: int,
    filename: str | None = None,
    cpu_seconds: float | None = None,
) -> ImportPlan:
    rows = _within_budget(_csv_rows(text, max_rows), cpu_seconds)
    number, header = next(rows, (1, []))
    names = [name.strip() for name in header]
    if not any(names):
        raise ImportFileError("The first row of the CSV file must name the columns.")
    upper = [name.upper() for name in names]
    if len(set(upper)) != len(upper):
        raise ImportFileError("The CSV header names a column twice.")
    if todoist.is_todoist_header(upper):
        plan = ImportPlan(format="todoist")
        outline = todoist.Outline(list_name_from_filename(filename))
        for number, cells in rows:
            record = _record(plan, number, upper, cells)
            if record is not None:
                todoist.add_row(plan, number, record, today=today, tz=tz, outline=outline)
            else:
                outline.failed(number)
                plan.failed_ids.add(number)
        check_outline(plan)
        return plan
    lowered = [name.lower() for name in names]
    unknown = [name for name in lowered if name not in _TASK_KEYS]
    if "title" not in lowered or unknown:
        found = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
        raise ImportFileError(
            "The CSV columns are not ones this app knows. Its own export starts with "
            f"{','.join(CSV_COLUMNS[:4])},… (title is required); Todoist's with "
            f"TYPE,CONTENT,…. This file has: {found}. (A spreadsheet that saved it with "
            "semicolons must save it comma-separated.)"
        )
    plan = ImportPlan(format="csv")
    for number, cells in rows:
        record = _record(plan, number, lowered, cells)
        if record is not None:
            _add(plan, number, record, today=today, tz=tz, from_csv=True, keys=_TASK_KEYS)
    _check_links(plan)
    check_outline(plan)
    return plan


def _csv_rows(text: str, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) for every record, blank lines left out.

    Raises ImportFileError for broken quoting and for more than ``max_rows`` data rows.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    data_rows = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(
                f"The CSV file is malformed near line {reader.line_num}: {exc}. "
                "Check the quotes on that line."
            ) from None
        number += 1
        if not any(cell.strip() for cell in cells):
            continue
        if number > 1:
            data_rows += 1
            if data_rows > max_rows:
                raise ImportFileError(_too_many_rows(max_rows))
        yield number, cells


def _record(
    plan: ImportPlan, number: int, names: Sequence[str], cells: list[str]
) -> dict[str, str] | None:
    """The row as {column: cell}; short rows are padded, a row with extra cells is an error."""
    extra = cells[len(names) :]
    if any(cell.strip() for cell in extra):
        plan.errors.append(
            RowProblem(number, f"This row has {len(cells)} cells; the header names {len(names)}.")
        )
        return None
    cells = cells[: len(names)] + [""] * (len(names) - len(cells))
    return dict(zip(names, cells, strict=True))


def _too_many_rows(max_rows: int) -> str:
    return f"The file has more than {max_rows:,} tasks. Split it into smaller files."


# --------------------------------------------------------------------------- one task


class _Row:
    """Reads the fields of one row of our own formats, collecting what is wrong."""

    def __init__(self, raw: Mapping[str, object], *, from_csv: bool) -> None:
        self.raw = raw
        self.from_csv = from_csv
        self.problems: list[str] = []

    def text(self, key: str) -> str | None:
        """The field as text; None when absent, null or (in a CSV) an empty cell."""
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problems.append(f"{key} must be text.")
            return None
        if self.from_csv and not value.strip():
            return None
        return value

    def whole_number(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None or (self.from_csv and isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and self.from_csv and _ID.fullmatch(value.strip()):
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**18:
            return value
        self.problems.append(f"{key} must be a positive whole number, not {_show(value)}.")
        return None

    def integer(self, key: str) -> int | None:
        """A whole number a position column holds (negative ones too)."""
        value = self.raw.get(key)
        if value is None or (self.from_csv and isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and self.from_csv and _INTEGER.fullmatch(value.strip()):
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and LOWEST <= value <= HIGHEST:
            return value
        self.problems.append(
            f"{key} must be a whole number from {LOWEST} to {HIGHEST}, not {_show(value)}."
        )
        return None

    def choice(self, key: str, default: str, choices: Sequence[str]) -> str:
        value = self.text(key)
        if value is None:
            return default
        if value.strip().lower() not in choices:
            self.problems.append(f"{key} must be one of {', '.join(choices)}, not {_show(value)}.")
            return default
        return value.strip().lower()

    def day(self, key: str) -> date | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            if not _DATE.fullmatch(value.strip()):
                raise ValueError
            return date.fromisoformat(value.strip())
        except ValueError:
            self.problems.append(f"{key} must be a date as YYYY-MM-DD, not {_show(value)}.")
            return None

    def clock(self, key: str) -> time | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            if not _TIME.fullmatch(value.strip()):
                raise ValueError
            return time.fromisoformat(value.strip())
        except ValueError:
            self.problems.append(f"{key} must be a time as HH:MM, not {_show(value)}.")
            return None

    def timestamp(self, key: str) -> datetime | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.strip())
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        except (ValueError, OverflowError):  # OverflowError: the year 1 at +01:00
            self.problems.append(
                f"{key} must be a timestamp like 2026-01-05T09:30:00+00:00, not {_show(value)}."
            )
            return None

    def tags(self) -> tuple[str, ...]:
        value = self.raw.get("tags")
        if value is None:
            return ()
        if self.from_csv and isinstance(value, str):
            names = value.split(",")
        elif not self.from_csv and isinstance(value, list):
            names = value
        else:
            self.problems.append("tags must be a list of names.")
            return ()
        return clean_tag_names(names, self.problems, split=self.from_csv)


def clean_tag_names(
    names: Sequence[object], problems: list[str], *, split: bool
) -> tuple[str, ...]:
    """Tag names with whitespace collapsed, blanks dropped (in a CSV cell), the first
    spelling of a name kept; a name that is too long or holds a comma is a problem."""
    kept: dict[str, str] = {}
    for raw in names:
        if not isinstance(raw, str):
            problems.append(f"A tag must be text, not {_show(raw)}.")
            continue
        name = " ".join(raw.split())
        if not name:
            if not split:
                problems.append("A tag name is empty.")
            continue
        if len(name) > TAG_NAME_MAX:
            problems.append(f"The tag “{name[:20]}…” is longer than {TAG_NAME_MAX} characters.")
        elif "," in name:
            problems.append(f"The tag “{name}” holds a comma, which tag names cannot.")
        else:
            kept.setdefault(name.casefold(), name)
    return tuple(kept.values())


def _add(
    plan: ImportPlan,
    number: int,
    raw: Mapping[str, object],
    *,
    today: date,
    tz: str,
    from_csv: bool,
    keys: frozenset[str],
) -> None:
    row = _Row(raw, from_csv=from_csv)
    unknown = sorted(str(key) for key in raw if key not in keys)
    if unknown:
        row.problems.append(f"Unknown field(s): {', '.join(unknown)}.")
    task = _task(row, number, today=today, tz=tz)
    if row.problems:
        plan.errors.extend(RowProblem(number, problem) for problem in row.problems)
        failed_id = _Row(raw, from_csv=from_csv).whole_number("id")
        if failed_id is not None:
            plan.failed_ids.add(failed_id)
    elif task is not None:
        plan.tasks.append(task)


def _task(row: _Row, number: int, *, today: date, tz: str) -> ImportedTask | None:
    title = (row.text("title") or "").strip()
    if not isinstance(row.raw.get("title"), str | None):
        pass  # text() has said that it is no text
    elif not title:
        row.problems.append("The title is empty.")
    elif len(title) > TITLE_MAX:
        row.problems.append(f"The title is longer than {TITLE_MAX} characters.")
    elif _CONTROL.search(title):
        row.problems.append("The title holds control characters.")
    description = row.text("description") or ""
    if len(description) > DESCRIPTION_MAX:
        row.problems.append(f"The description is longer than {DESCRIPTION_MAX:,} characters.")
    status = TaskStatus(row.choice("status", "pending", [s.value for s in TaskStatus]))
    priority = Priority.from_label(row.choice("priority", "medium", [p.label for p in Priority]))
    due_date = row.day("due_date")
    due_time = row.clock("due_time")
    if due_time is not None and due_date is None:
        row.problems.append("due_time needs a due_date.")
    rule = row.text("recurrence")
    if rule is not None and rule.strip():
        rule, problem = _validated_rule(rule, due_date or today)
        if problem:
            row.problems.append(f"recurrence: {problem}")
        if rule is not None and due_date is None:
            due_date = recurrence.first_date(rule, today, tz=tz)
    else:
        rule = None
    tags = row.tags()
    created_at = row.timestamp("created_at")
    updated_at = row.timestamp("updated_at")
    completed_at = row.timestamp("completed_at")
    if completed_at is not None and status != TaskStatus.COMPLETED:
        row.problems.append(f"completed_at is set but the status is {status.value}.")
    if status == TaskStatus.COMPLETED and completed_at is None:
        completed_at = updated_at
    source_id = row.whole_number("id")
    recurs_from = row.whole_number("recurs_from_id")
    task_list = list_name(row.raw.get("list"), row.problems)
    parent = row.whole_number("parent")
    position = row.integer("position")
    remind = row.integer("remind")
    if remind is not None and remind not in REMIND_MINUTES:
        choices = ", ".join(str(minutes) for minutes in REMIND_MINUTES)
        row.problems.append(f"remind must be one of {choices} (minutes before), not {remind}.")
    elif remind is not None and due_date is None:
        row.problems.append("remind needs a due_date.")
    if row.problems:
        return None
    return ImportedTask(
        row=number,
        title=title,
        description=description,
        status=status,
        priority=priority,
        due_date=due_date,
        due_time=due_time,
        recurrence=rule,
        tags=tags,
        created_at=created_at,
        updated_at=updated_at,
        completed_at=completed_at,
        source_id=source_id,
        recurs_from=recurs_from,
        list_name=task_list,
        parent=parent,
        position=position,
        remind_minutes=remind,
    )


@lru_cache(maxsize=4096)
def _validated_rule(rule: str, start: date) -> tuple[str | None, str | None]:
    """(normalized rule, None) or (None, the problem); cached, because checking a rule
    expands it, and an export repeats the same rule from the same dates many times."""
    try:
        return recurrence.validate_rule(rule, start=start), None
    except ValueError as exc:
        return None, str(exc)


def _check_links(plan: ImportPlan) -> None:
    """Ids are unique within the file, and each occurrence has at most one successor."""
    first_row: dict[int, int] = {}
    for task in plan.tasks:
        if task.source_id is None:
            continue
        if task.source_id in first_row:
            first = first_row[task.source_id]
            plan.errors.append(
                RowProblem(task.row, f"id {task.source_id} is used twice (first in row {first}).")
            )
        else:
            first_row[task.source_id] = task.row
    successor_row: dict[int, int] = {}
    for task in plan.tasks:
        if task.recurs_from is None or task.recurs_from not in first_row:
            continue
        if task.recurs_from == task.source_id:
            plan.errors.append(RowProblem(task.row, "recurs_from_id names the task itself."))
        elif task.recurs_from in successor_row:
            plan.errors.append(
                RowProblem(
                    task.row,
                    f"recurs_from_id {task.recurs_from} is already used by row "
                    f"{successor_row[task.recurs_from]}: an occurrence has one successor.",
                )
            )
        else:
            successor_row[task.recurs_from] = task.row
    plan.errors.sort(key=lambda problem: problem.row)


def _show(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return f"“{text[:40]}{'…' if len(text) > 40 else ''}”"
