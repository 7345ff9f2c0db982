"""What an import would write: validated tasks and lists, and the problems found, row by row.

Lists are named, never numbered: a task's ``list_name`` is the name of the list it goes in
(None: the Inbox), matched on import against the importer's own lists ignoring case, and a
list of that name is made when there is none. A subtask names its parent by ``parent``,
the ``source_id`` of another task of the same file; ``outline.check_outline`` has checked
the links and given every subtask its parent's list before a plan is handed out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from ..models import Priority, TaskStatus

FORMAT_LABELS = {
    "json": "todo-web export (JSON)",
    "csv": "todo-web export (CSV)",
    "todoist": "Todoist CSV export",
}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is meant for the user."""


class ImportTooSlow(ImportFileError):
    """Reading the file cost more processor time than one import may."""

    def __init__(self, cpu_seconds: float) -> None:
        super().__init__(
            f"Reading this file took more than {cpu_seconds:g} seconds of work, so it was "
            "stopped and nothing was imported. Split it into smaller files and import them "
            "one at a time."
        )


@dataclass(frozen=True)
class ImportedTask:
    """One validated task, ready to be written. Timestamps None mean "the import's time"."""

    row: int
    title: str
    description: str = ""
    status: TaskStatus = TaskStatus.PENDING
    priority: Priority = Priority.MEDIUM
    due_date: date | None = None
    due_time: time | None = None
    recurrence: str | None = None
    tags: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    source_id: int | None = None  # the id in the file, for recurs_from and parent links
    recurs_from: int | None = None  # the source id of the occurrence this one came from
    list_name: str | None = None  # None: the Inbox
    parent: int | None = None  # the source id of the task this one is a subtask of
    position: int | None = None  # order among siblings; None: after those that have one
    remind_minutes: int | None = None  # a reminder, minutes before the due moment


@dataclass(frozen=True)
class ImportedList:
    """A list the file names (JSON version 2 lists its lists, with their order)."""

    name: str
    position: int | None = None


@dataclass(frozen=True)
class RowProblem:
    row: int
    message: str


@dataclass
class ImportPlan:
    """What a file would import, and what is wrong with it."""

    format: str  # a key of FORMAT_LABELS
    tasks: list[ImportedTask] = field(default_factory=list)
    #: Lists named by the file's list section, in its order (a task's list need not be
    #: there: ``list_names`` adds those).
    lists: list[ImportedList] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    skipped: int = 0  # rows that are no task (Todoist sections, comments)
    #: Ids of rows left out for their errors: a subtask of one is not flagged again.
    failed_ids: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS[self.format]

    def tag_names(self) -> list[str]:
        """Every tag the tasks carry, first spelling of each name, in order of appearance."""
        seen: dict[str, str] = {}
        for task in self.tasks:
            for name in task.tags:
                seen.setdefault(name.casefold(), name)
        return list(seen.values())

    def list_names(self) -> list[str]:
        """Every list the file names but the Inbox: the list section's first, then the
        tasks' in order of appearance; the first spelling of each name (ignoring case)."""
        seen: dict[str, str] = {}
        for task_list in self.lists:
            seen.setdefault(task_list.name.casefold(), task_list.name)
        for task in self.tasks:
            if task.list_name is not None:
                seen.setdefault(task.list_name.casefold(), task.list_name)
        return list(seen.values())

    def list_positions(self) -> dict[str, int]:
        """{case-folded name: position} for the lists whose position the file gives."""
        return {
            task_list.name.casefold(): task_list.position
            for task_list in self.lists
            if task_list.position is not None
        }
