"""Rows of Todoist's CSV export ("Export as template" → CSV), mapped onto our tasks.

The format, as Todoist's help centre describes it ("Format a CSV file to import into
Todoist", looked up for this module): one header row, then one row per item, columns
``TYPE, CONTENT, DESCRIPTION, PRIORITY, INDENT, AUTHOR, RESPONSIBLE, DATE, DATE_LANG,
TIMEZONE`` and, in newer exports, ``DURATION, DURATION_UNIT`` (and sometimes more). Blank
lines separate the items.

- ``TYPE`` is ``task``, ``section`` or ``note`` (a comment on the task above; exports also
  write a ``meta`` row). Only tasks are imported; every other row is counted as skipped.
- ``CONTENT`` is the task's name. Labels are written into it as ``@label`` words: they
  become tags and leave the title.
- ``PRIORITY``: the help centre says 1 is p1, the highest ("urgent", red) and 4 is p4, the
  lowest and Todoist's default. (Todoist's *API* numbers them the other way round, 4 for
  p1; the CSV does not, so a file full of ordinary tasks has 4 everywhere.) We have three
  priorities with medium as the default, so p1 and p2 become high and p3 and p4 become
  medium: an ordinary Todoist task stays an ordinary task here. An empty cell is medium
  too (Todoist's own importer would read it as p1; no export writes it).
- ``DATE`` is natural language in the language of ``DATE_LANG`` ("every monday", "Jan 5",
  "tomorrow 9am", "2026-01-05"). English dates go through the quick-add parser
  (``todo_web.quickadd``), counted from the user's today and read in the user's zone (the
  ``TIMEZONE`` column is ignored). The whole cell has to be understood: a date the parser
  reads only in part ("every 3rd friday starting Jan 9", "every day starting Jan 5") is not
guessed at.
  Such a task is still imported, without a date, with the original text kept in its
  description and a warning in the summary: one odd date must not hold back a whole
  project, and nothing is lost.
- ``INDENT`` is a task's level, 1 for a top-level task: a task with indent n + 1 is a
  subtask of the closest task above it with indent n. A deeper jump (2 straight after a
  section, 3 after a 1) has no such task and is an error. An empty cell is 1. A section
  starts afresh: the task after it cannot be a subtask of one before it.
- The tasks go in one list, named after the uploaded file ("Groceries.csv": Groceries, as
  Todoist names an export after its project), or in the list a ``PROJECT`` column names,
  where there is one and the cell is not empty. A subtask stays in its parent's list.
- ``AUTHOR``, ``RESPONSIBLE``, ``DURATION`` and ``DURATION_UNIT`` have no counterpart here
  and are ignored.

A task's ``source_id`` is its row number, which its subtasks' ``parent`` names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache

from ..models import (
    DESCRIPTION_MAX,
    MAX_DEPTH,
    TAG_NAME_MAX,
    TITLE_MAX,
    TODOIST_PRIORITIES,
    Priority,
)
from ..quickadd import QuickAdd, QuickAddError, parse_quick_add
from .outline import list_name
from .plan import ImportedTask, ImportPlan, RowProblem

REQUIRED_COLUMNS = ("TYPE", "CONTENT")

_LABEL = re.compile(rf"(?<!\S)@([^\s,@]{{1,{TAG_NAME_MAX}}})(?=\s|$)")
_DATE_KINDS = frozenset({"date", "time", "repeat"})
DATE_MAX = 100  # characters; no date Todoist writes is longer, and parsing costs per character
_SEPARATORS = " \t,.;:"


def is_todoist_header(names: Sequence[str]) -> bool:
    """True for a header row of Todoist's export; ``names`` upper-cased."""
    return all(column in names for column in REQUIRED_COLUMNS)


class Outline:
    """The tasks above the current row, one per indent: where the next subtask goes."""

    def __init__(self, default_list: str | None) -> None:
        #: The list of a task whose row names none (None: the Inbox).
        self.default_list = default_list
        self._open: list[int] = []  # row numbers; _open[n - 1] is the last task of indent n

    def reset(self) -> None:
        self._open.clear()

    def parent_for(self, indent: int) -> int | None:
        """The row a task of this indent sits under; LookupError when there is none."""
        if indent == 1:
            return None
        if indent - 1 > len(self._open):
            raise LookupError(indent)
        return self._open[indent - 2]

    def add(self, number: int, indent: int) -> None:
        del self._open[indent - 1 :]
        self._open.append(number)

    def failed(self, number: int) -> None:
        """A row too broken to read its indent: the next rows cannot be placed under it,
        so they are placed as if it were a top-level task (and nothing is imported)."""
        self.add(number, 1)


def add_row(
    plan: ImportPlan,
    number: int,
    record: Mapping[str, str],
    *,
    today: date,
    tz: str,
    outline: Outline,
) -> None:
    """Add the task of one row to ``plan`` (or its problems, or count it as skipped)."""
    kind = record.get("TYPE", "").strip().lower()
    if kind != "task":
        if kind == "section":
            outline.reset()
        plan.skipped += 1
        return
    problems: list[str] = []
    indent, parent = _place(record, outline, problems)
    project = record.get("PROJECT", "")
    if project.strip():
        task_list = list_name(project, problems, field="PROJECT")
    else:  # a subtask's None becomes its parent's list (outline.check_outline)
        task_list = outline.default_list if parent is None else None
    content = record.get("CONTENT", "").strip()
    labels = [match.group(1) for match in _LABEL.finditer(content)]
    title = " ".join(_LABEL.sub(" ", content).split()) or content
    if not title:
        problems.append("CONTENT (the task's name) is empty.")
    elif len(title) > TITLE_MAX:
        problems.append(f"CONTENT is longer than {TITLE_MAX} characters.")
    description = record.get("DESCRIPTION", "")
    if len(description) > DESCRIPTION_MAX:
        problems.append(f"DESCRIPTION is longer than {DESCRIPTION_MAX:,} characters.")
    raw_priority = record.get("PRIORITY", "").strip()
    priority = TODOIST_PRIORITIES.get(raw_priority or "4")
    if priority is None:
        problems.append(f"PRIORITY must be 1, 2, 3 or 4, not “{raw_priority[:20]}”.")
    outline.add(number, indent)
    if problems:
        plan.errors.extend(RowProblem(number, problem) for problem in problems)
        plan.failed_ids.add(number)
        return

    tags: dict[str, str] = {}
    for label in labels:
        tags.setdefault(label.casefold(), label)
    date_text = " ".join(record.get("DATE", "").split())
    parsed = None
    if date_text:
        language = record.get("DATE_LANG", "").strip().lower()
        parsed = read_date(date_text, today=today, tz=tz) if language[:2] in ("", "en") else None
        if parsed is None:
            plan.warnings.append(
                RowProblem(
                    number,
                    f"The date “{date_text[:60]}” could not be read; the task is imported "
                    "without a date and the text is kept in its description.",
                )
            )
            note = f"Todoist date: {date_text}"
            joined = f"{description.rstrip()}\n\n{note}" if description.strip() else note
            if len(joined) <= DESCRIPTION_MAX:
                description = joined
    plan.tasks.append(
        ImportedTask(
            row=number,
            title=title,
            description=description,
            priority=priority or Priority.MEDIUM,
            due_date=parsed.due_date if parsed else None,
            due_time=parsed.due_time if parsed and parsed.due_date else None,
            recurrence=parsed.recurrence if parsed else None,
            tags=tuple(tags.values()),
            source_id=number,
            parent=parent,
            list_name=task_list,
        )
    )


def _place(
    record: Mapping[str, str], outline: Outline, problems: list[str]
) -> tuple[int, int | None]:
    """(indent, the parent's row) of a task row; a bad INDENT is a problem, read as 1."""
    raw = record.get("INDENT", "").strip() or "1"
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_DEPTH:
        problems.append(f"INDENT must be a whole number from 1 to {MAX_DEPTH}, not “{raw[:20]}”.")
        return 1, None
    indent = int(raw)
    try:
        return indent, outline.parent_for(indent)
    except LookupError:
        problems.append(
            f"INDENT {indent} follows no task with INDENT {indent - 1}: a subtask goes right "
            "under its parent."
        )
        return indent, None


@lru_cache(maxsize=512)
def read_date(text: str, *, today: date, tz: str) -> QuickAdd | None:
    """The quick-add reading of a DATE cell, or None unless every word of it is a date,
    a time or a repeat. Remembered: an export repeats the same few cells ("every monday")
    across thousands of rows, and each reading costs about a millisecond."""
    if len(text) > DATE_MAX:
        return None
    try:
        parsed = parse_quick_add(text, today=today, tz=tz)
    except QuickAddError:
        return None
    if not parsed.tokens or any(token.kind not in _DATE_KINDS for token in parsed.tokens):
        return None
    leftover = text
    for token in sorted(parsed.tokens, key=lambda token: token.start, reverse=True):
        leftover = leftover[: token.start] + " " + leftover[token.end :]
    if leftover.strip(_SEPARATORS) or parsed.due_date is None:
        return None
    return parsed
