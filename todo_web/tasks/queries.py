"""All SQL of the tasks blueprint. Every function takes the session and the user (or a task
already loaded for that user), so nothing here can reach another user's rows.

The views commit; these functions only add, change and flush.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import recurrence
from ..db import utcnow
from ..models import Priority, Tag, Task, TaskStatus, User, task_tags
from ..timezones import local_now, local_today
from .listing import ListQuery

OPEN_STATUSES = (TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value)
SOFT_DELETE_KEEP_DAYS = 30
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class TaskData:
    """The validated fields of a create or edit form."""

    title: str
    description: str = ""
    priority: Priority = Priority.MEDIUM
    status: TaskStatus = TaskStatus.PENDING
    due_date: date | None = None
    due_time: time | None = None
    tags: tuple[str, ...] = ()
    recurrence: str | None = None


@dataclass(frozen=True)
class TaskPage:
    tasks: Sequence[Task]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.tasks) - 1


# -- reading -------------------------------------------------------------------------------


def _live_tasks(user: User) -> Select[tuple[Task]]:
    return select(Task).where(Task.user_id == user.id, Task.deleted_at.is_(None))


def get_task(
    session: Session, user: User, task_id: int, *, include_deleted: bool = False
) -> Task | None:
    """The user's task with this id, or None: another user's task is as missing as no task."""
    statement = select(Task).where(Task.id == task_id, Task.user_id == user.id)
    if not include_deleted:
        statement = statement.where(Task.deleted_at.is_(None))
    return session.scalar(statement.options(selectinload(Task.tags)))


def list_tasks(
    session: Session, user: User, query: ListQuery, now: datetime | None = None
) -> TaskPage:
    """One page of the user's tasks matching `query`, with the total for the whole list."""
    conditions = _filter_conditions(session, user, query, now)
    total = (
        session.scalar(
            select(func.count()).select_from(Task).where(Task.user_id == user.id, *conditions)
        )
        or 0
    )
    statement = (
        select(Task)
        .where(Task.user_id == user.id, *conditions)
        .order_by(*_ordering(query))
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
        .options(selectinload(Task.tags))
    )
    tasks = session.scalars(statement).all()
    return TaskPage(tasks=tasks, total=total, page=query.page, per_page=query.per_page)


def user_tag_names(session: Session, user: User) -> list[str]:
    """Names of the user's tags that are on at least one live task, for the filter bar."""
    statement = (
        select(Tag.name)
        .where(
            Tag.user_id == user.id,
            exists()
            .where(task_tags.c.tag_id == Tag.id, task_tags.c.task_id == Task.id)
            .where(Task.deleted_at.is_(None)),
        )
        .order_by(func.lower(Tag.name))
    )
    return list(session.scalars(statement))


def _filter_conditions(
    session: Session, user: User, query: ListQuery, now: datetime | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Task.deleted_at.is_(None)]
    if query.view:
        conditions.append(_view_condition(query.view, local_now(user.timezone, now)))
    elif query.status == "open":
        conditions.append(Task.status.in_(OPEN_STATUSES))
    elif query.status != "all":
        conditions.append(Task.status == query.status)
    if query.priority:
        conditions.append(Task.priority == Priority.from_label(query.priority))
    for tag in query.tags:
        conditions.append(_has_tag(tag))
    if query.due:
        conditions.append(_due_condition(query.due, local_now(user.timezone, now)))
    if query.q:
        conditions.append(search_condition(session, query.q))
    return conditions


def _view_condition(view: str, local: datetime) -> ColumnElement[bool]:
    """The smart views. Today holds what is due today and everything overdue; Upcoming the
    next seven days, today included."""
    today = local.date()
    if view == "completed":
        return Task.status == TaskStatus.COMPLETED.value
    if view == "overdue":
        return _due_condition("overdue", local)
    is_open = Task.status.in_(OPEN_STATUSES)
    if view == "today":
        return and_(is_open, Task.due_date <= today)
    if view == "upcoming":
        return and_(is_open, Task.due_date.between(today, today + timedelta(days=6)))
    return and_(is_open, Task.due_date.is_(None))  # nodate


def view_counts(session: Session, user: User, now: datetime | None = None) -> dict[str, int]:
    """How many tasks each smart view holds, in one statement."""
    local = local_now(user.timezone, now)
    columns = [
        func.count().filter(_view_condition(view, local)).label(view)
        for view in ("today", "upcoming", "overdue", "nodate", "completed")
    ]
    columns.append(func.count().filter(Task.status.in_(OPEN_STATUSES)).label("open"))
    columns.append(func.count().label("all"))
    row = session.execute(
        select(*columns).where(Task.user_id == user.id, Task.deleted_at.is_(None))
    ).one()
    return dict(row._mapping)


def _has_tag(name: str) -> ColumnElement[bool]:
    return (
        exists()
        .where(task_tags.c.task_id == Task.id, task_tags.c.tag_id == Tag.id)
        .where(func.lower(Tag.name) == func.lower(name))
    )


def _due_condition(due: str, local: datetime) -> ColumnElement[bool]:
    """Due filters in the user's wall-clock time. A task with a date but no time is due for
    the whole of that day: it becomes overdue only when the day is over."""
    today = local.date()
    if due == "none":
        return Task.due_date.is_(None)
    if due == "today":
        return Task.due_date == today
    if due == "week":
        return Task.due_date.between(today, today + timedelta(days=6))
    # overdue: only open tasks can be late
    now_time = local.time().replace(tzinfo=None, microsecond=0)
    return and_(
        Task.status.in_(OPEN_STATUSES),
        or_(
            Task.due_date < today,
            and_(Task.due_date == today, Task.due_time.is_not(None), Task.due_time < now_time),
        ),
    )


def search_condition(session: Session, text: str) -> ColumnElement[bool]:
    """Match `text` against title and description.

    PostgreSQL: full-text search over the GIN-indexed expression, in web-search syntax
    ("quoted phrases", or, -not), every word matched as a prefix so that ``zepp`` finds
    "zeppelin". Text with no word characters, and SQLite, use a LIKE per word instead.
    """
    if session.get_bind().dialect.name == "postgresql" and _WORD.search(text):
        return search_vector().op("@@")(prefix_tsquery(text))
    words = text.split()
    return and_(
        *(
            or_(Task.title.ilike(p, escape="\\"), Task.description.ilike(p, escape="\\"))
            for p in (f"%{_escape_like(word)}%" for word in words)
        )
    )


def search_vector() -> ColumnElement[object]:
    """The expression the GIN index ix_tasks_search is built on: keep both identical."""
    return func.to_tsvector(
        literal_column("'simple'::regconfig"),
        Task.title + literal_column("' '") + Task.description,
    )


def prefix_tsquery(text: str) -> ColumnElement[object]:
    """websearch_to_tsquery, with every lexeme turned into a prefix match (``'zepp':*``)."""
    parsed = func.websearch_to_tsquery(literal_column("'simple'::regconfig"), text)
    as_prefixes = func.regexp_replace(
        parsed.cast(Text()),
        literal_column(r"'''((?:[^'']|'''')+)'''"),
        literal_column(r"'''\1'':*'"),
        literal_column("'g'"),
    )
    return func.to_tsquery(literal_column("'simple'::regconfig"), as_prefixes)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordering(query: ListQuery) -> list[ColumnElement[object]]:
    """ORDER BY for the list. Undated tasks come last in both directions; ties are broken by
    id in the same direction, so paging never repeats or skips a task."""
    descending = query.order == "desc"

    def directed(column: ColumnElement[object]) -> ColumnElement[object]:
        return column.desc() if descending else column.asc()

    if query.sort == "due":
        return [
            Task.due_date.is_(None).asc(),
            directed(Task.due_date),
            # On one day, timed tasks before the ones due "some time that day".
            Task.due_time.is_(None).asc(),
            directed(Task.due_time),
            directed(Task.id),
        ]
    key = {
        "created": Task.created_at,
        "updated": Task.updated_at,
        "title": func.lower(Task.title),
        "priority": Task.priority,
        "completed": Task.completed_at,
    }[query.sort]
    if query.sort == "completed":
        return [Task.completed_at.is_(None).asc(), directed(key), directed(Task.id)]
    return [directed(key), directed(Task.id)]


# -- writing -------------------------------------------------------------------------------


def parse_tag_names(raw: str | None) -> tuple[str, ...]:
    """Comma-separated tag names: trimmed, blanks dropped, first spelling of a name kept."""
    names: list[str] = []
    seen: set[str] = set()
    for part in (raw or "").split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return tuple(names)


def resolve_tags(session: Session, user: User, names: Sequence[str]) -> list[Tag]:
    """The user's tags with these names (matched without regard to case), created if new."""
    if not names:
        return []
    wanted = {name.casefold(): name for name in names}
    # The database's lower() on both sides, as in the unique index: SQLite's folds ASCII
    # only, so Python's lower() would miss "Über" and the insert would break the index.
    existing = session.scalars(
        select(Tag).where(
            Tag.user_id == user.id, func.lower(Tag.name).in_([func.lower(n) for n in names])
        )
    ).all()
    by_key = {tag.name.casefold(): tag for tag in existing}
    tags: list[Tag] = []
    for key, name in wanted.items():
        tag = by_key.get(key)
        if tag is None:
            tag = Tag(user_id=user.id, name=name)
            session.add(tag)
            by_key[key] = tag
        tags.append(tag)
    return tags


def set_status(task: Task, status: TaskStatus, now: datetime | None = None) -> None:
    """Change the status and keep completed_at consistent with it."""
    if status == TaskStatus.COMPLETED:
        if task.status != TaskStatus.COMPLETED.value or task.completed_at is None:
            task.completed_at = now or utcnow()
    else:
        task.completed_at = None
    task.status = status.value


def create_task(session: Session, user: User, data: TaskData) -> Task:
    task = Task(user_id=user.id)
    _apply(session, user, task, data)
    session.add(task)
    session.flush()
    return task


def update_task(session: Session, user: User, task: Task, data: TaskData) -> Task:
    _apply(session, user, task, data)
    touch(task)
    session.flush()
    return task


def _apply(session: Session, user: User, task: Task, data: TaskData) -> None:
    task.title = data.title
    task.description = data.description
    task.priority = data.priority
    task.due_date = data.due_date
    task.due_time = data.due_time if data.due_date else None
    task.recurrence = data.recurrence
    if data.recurrence and data.due_date is None:
        # A repeat with no date starts at its first date from today on.
        task.due_date = recurrence.first_date(
            data.recurrence, local_today(user.timezone), tz=user.timezone
        )
    set_status(task, data.status)
    task.tags = resolve_tags(session, user, data.tags)


def touch(task: Task) -> None:
    """Mark the task changed when only its tags changed (which leaves the row untouched)."""
    task.updated_at = utcnow()


def complete_task(session: Session, user: User, task: Task) -> Task | None:
    """Complete the task; for a recurring one, also create its next occurrence (returned).

    The completed task stays as history. The next occurrence falls on the first date of the
    series after both the due date and the user's today. It is created at most once per
    completed occurrence: the unique tasks.recurs_from_id settles two completions racing,
    and reopening then completing again finds the occurrence already there.
    """
    set_status(task, TaskStatus.COMPLETED)
    touch(task)
    if task.recurrence and task.due_date:
        return _create_next_occurrence(session, user, task)
    return None


def _create_next_occurrence(session: Session, user: User, task: Task) -> Task | None:
    if session.scalar(select(Task.id).where(Task.recurs_from_id == task.id)) is not None:
        return None
    try:
        next_date = recurrence.next_occurrence(
            task.recurrence or "",
            task.due_date or local_today(user.timezone),
            task.due_time,
            user.timezone,
            local_today(user.timezone),
        )
    except ValueError:  # a stored rule that no longer parses: complete without a successor
        return None
    if next_date is None:  # the series has ended (COUNT or UNTIL)
        return None
    successor = Task(
        user_id=user.id,
        title=task.title,
        description=task.description,
        priority=task.priority,
        due_date=next_date,
        due_time=task.due_time,
        recurrence=task.recurrence,
        recurs_from_id=task.id,
    )
    try:
        with session.begin_nested():
            session.add(successor)
            successor.tags = list(task.tags)
            session.flush()
    except IntegrityError:  # a concurrent completion created it first
        return None
    return successor


def reopen_task(task: Task) -> None:
    set_status(task, TaskStatus.PENDING)
    touch(task)


def toggle_task(session: Session, user: User, task: Task) -> None:
    """Completed becomes pending; anything else becomes completed."""
    if task.is_completed:
        reopen_task(task)
    else:
        complete_task(session, user, task)


def soft_delete(task: Task) -> None:
    task.deleted_at = utcnow()


def restore(task: Task) -> None:
    task.deleted_at = None
    touch(task)


def purge_deleted(session: Session, now: datetime | None = None) -> int:
    """Remove tasks deleted more than SOFT_DELETE_KEEP_DAYS ago, for every user."""
    cutoff = (now or utcnow()) - timedelta(days=SOFT_DELETE_KEEP_DAYS)
    result = session.execute(delete(Task).where(Task.deleted_at < cutoff))
    return result.rowcount or 0
