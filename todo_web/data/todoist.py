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
  reads only in part ("every 3rd friday", "every day starting Jan 5") is not guessed at.
  Such a task is still imported, without a date, with the original text kept in its
  description and a warning in the summary: one odd date must not hold back a whole
  project, and nothing is lost.
- ``INDENT`` (sub-tasks), ``AUTHOR``, ``RESPONSIBLE``, ``DURATION`` and ``DURATION_UNIT``
  have no counterpart here and are ignored; sub-tasks become ordinary tasks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from ..models import DESCRIPTION_MAX, TAG_NAME_MAX, TITLE_MAX, Priority
from ..quickadd import QuickAdd, QuickAddError, parse_quick_add
from .plan import ImportedTask, ImportPlan, RowProblem

REQUIRED_COLUMNS = ("TYPE", "CONTENT")
PRIORITIES = {"1": Priority.HIGH, "2": Priority.HIGH, "3": Priority.MEDIUM, "4": Priority.MEDIUM}

_LABEL = re.compile(rf"(?<!\S)@([^\s,@]{{1,{TAG_NAME_MAX}}})(?=\s|$)")
_DATE_KINDS = frozenset({"date", "time", "repeat"})
DATE_MAX = 100  # characters; no date Todoist writes is longer, and parsing costs per character
_SEPARATORS = " \t,.;:"


def is_todoist_header(names: Sequence[str]) -> bool:
    """True for a header row of Todoist's export; ``names`` upper-cased."""
    return all(column in names for column in REQUIRED_COLUMNS)


def add_row(
    plan: ImportPlan, number: int, record: Mapping[str, str], *, today: date, tz: str
) -> None:
    """Add the task of one row to ``plan`` (or its problems, or count it as skipped)."""
    if record.get("TYPE", "").strip().lower() != "task":
        plan.skipped += 1
        return
    problems: list[str] = []
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
    priority = PRIORITIES.get(raw_priority or "4")
    if priority is None:
        problems.append(f"PRIORITY must be 1, 2, 3 or 4, not “{raw_priority[:20]}”.")
    if problems:
        plan.errors.extend(RowProblem(number, problem) for problem in problems)
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
        )
    )


def read_date(text: str, *, today: date, tz: str) -> QuickAdd | None:
    """The quick-add reading of a DATE cell, or None unless every word of it is a date,
    a time or a repeat."""
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
