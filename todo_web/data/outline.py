"""Lists and subtasks in an import, checked before anything is written: pure, no database.

- List names are cleaned as the list form cleans them (whitespace and control characters
  made single spaces, stripped). An empty name and the name of the Inbox (any case) both
  mean the Inbox, written None. A name longer than the list form takes is an error in our
  formats; a list name made from a Todoist file name is cut to fit instead.
- A subtask names its parent by the parent's id in the file (``parent``), which must be a
  task of the same file. Parent links must not go round in a circle and nest at most
  MAX_DEPTH levels, as in the app.
- A subtask goes in its parent's list (as in the app): a subtask that names no list takes
  its parent's, one that names another list is an error.
- A file naming more than MAX_LISTS lists is refused as a whole: that is no real account
  but a wrong column, and the sidebar would show them all.
"""

from __future__ import annotations

import dataclasses
import re

from ..models import INBOX_NAME, LIST_NAME_MAX, MAX_DEPTH
from .plan import ImportedTask, ImportFileError, ImportPlan, RowProblem

MAX_LISTS = 1000
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def clean_name(raw: str) -> str:
    """Runs of whitespace and control characters made one space, stripped."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in raw).split())


def list_name(raw: object, problems: list[str], *, field: str = "list") -> str | None:
    """The list a cell or JSON value names: None for the Inbox (or nothing named)."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        problems.append(f"{field} must be the name of a list.")
        return None
    name = clean_name(raw)
    if len(name) > LIST_NAME_MAX:
        problems.append(f"The list name “{name[:20]}…” is longer than {LIST_NAME_MAX} characters.")
        return None
    return _or_inbox(name)


def list_name_from_filename(filename: str | None) -> str | None:
    """The list for a Todoist file: its name without folders and extension ("Groceries.csv"
    is "Groceries"), cut to LIST_NAME_MAX characters; None (the Inbox) when there is none."""
    base = re.split(r"[/\\]", filename or "")[-1]
    name = clean_name(_EXTENSION.sub("", base))
    return _or_inbox(name[:LIST_NAME_MAX].rstrip())


def _or_inbox(name: str) -> str | None:
    return None if not name or name.casefold() == INBOX_NAME.casefold() else name


def check_outline(plan: ImportPlan) -> None:
    """Check the parent links of the plan's tasks (adding errors by row) and give each
    subtask its parent's list. ImportFileError when the file names too many lists."""
    tasks = {task.source_id: task for task in reversed(plan.tasks) if task.source_id is not None}
    for task in plan.tasks:
        if task.parent is None:
            continue
        if task.parent == task.source_id:
            plan.errors.append(RowProblem(task.row, "parent names the task itself."))
        elif task.parent not in tasks and task.parent not in plan.failed_ids:
            plan.errors.append(
                RowProblem(task.row, f"parent {task.parent} is not the id of a task in this file.")
            )
    levels = _levels(tasks)
    for task in plan.tasks:
        level = _level_of(task, levels)
        if task.parent is not None and task.parent != task.source_id and level is None:
            plan.errors.append(RowProblem(task.row, "The parent links go round in a circle."))
        elif level is not None and level > MAX_DEPTH:
            plan.errors.append(
                RowProblem(task.row, f"Subtasks nest at most {MAX_DEPTH} levels deep.")
            )
    _inherit_lists(plan, tasks, levels)
    plan.errors.sort(key=lambda problem: problem.row)
    if len(plan.list_names()) > MAX_LISTS:
        raise ImportFileError(
            f"The file names more than {MAX_LISTS:,} lists. Check the list column, or split "
            "the file."
        )


def _levels(tasks: dict[int, ImportedTask]) -> dict[int, int | None]:
    """{source id: level} (1 for a task without a parent in the file); None for a task on
    or under a circle of parent links. Each task is walked once."""
    levels: dict[int, int | None] = {}
    for start in tasks:
        chain: list[int] = []
        on_chain: set[int] = set()
        node: int | None = start
        while node is not None and node not in levels and node not in on_chain:
            on_chain.add(node)
            chain.append(node)
            parent = tasks[node].parent
            node = parent if parent in tasks and parent != node else None
        above: int | None
        if node is None:
            above = 0
        elif node in levels:
            above = levels[node]
        else:  # back on the chain: a circle
            above = None
        for item in reversed(chain):
            above = None if above is None else above + 1
            levels[item] = above
    return levels


def _level_of(task: ImportedTask, levels: dict[int, int | None]) -> int | None:
    """The task's level (see `_levels`); a task without an id can still have a parent."""
    if task.source_id is not None:
        return levels.get(task.source_id)
    if task.parent is None or task.parent not in levels:
        return 1
    above = levels[task.parent]
    return None if above is None else above + 1


def _inherit_lists(
    plan: ImportPlan, tasks: dict[int, ImportedTask], levels: dict[int, int | None]
) -> None:
    """Subtasks take their parent's list, parents first; one naming another list is an
    error."""

    def level(index: int) -> int:
        return _level_of(plan.tasks[index], levels) or 0

    lists: dict[int, str | None] = {}  # source id: the list the task ends up in
    for index in sorted(range(len(plan.tasks)), key=level):
        task = plan.tasks[index]
        if task.parent is not None and task.parent in lists and task.parent != task.source_id:
            inherited = lists[task.parent]
            if task.list_name is not None and _key(task.list_name) != _key(inherited):
                plan.errors.append(
                    RowProblem(
                        task.row,
                        f"A subtask goes in its parent's list: this row names "
                        f"“{task.list_name}”, its parent's is “{inherited or INBOX_NAME}”.",
                    )
                )
            elif task.list_name != inherited:
                task = plan.tasks[index] = dataclasses.replace(task, list_name=inherited)
        if task.source_id is not None:
            lists.setdefault(task.source_id, task.list_name)


def _key(name: str | None) -> str | None:
    return None if name is None else name.casefold()
