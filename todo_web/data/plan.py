"""What an import would write: validated tasks and the problems found, row by row."""

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
    source_id: int | None = None  # the id in the file, for recurs_from links
    recurs_from: int | None = None  # the source id of the occurrence this one came from


@dataclass(frozen=True)
class RowProblem:
    row: int
    message: str


@dataclass
class ImportPlan:
    """What a file would import, and what is wrong with it."""

    format: str  # a key of FORMAT_LABELS
    tasks: list[ImportedTask] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    skipped: int = 0  # rows that are no task (Todoist sections, comments)

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
