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
    Date,
    Select,
    Text,
    Time,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload

from .. import recurrence
from ..db import utcnow
from ..models import Priority, Tag, Task, TaskCount, TaskStatus, User, task_tags
from ..timezones import local_now, local_today
from .listing import ListQuery

OPEN_STATUSES = (TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value)
SOFT_DELETE_KEEP_DAYS = 30
# A letter or digit: what PostgreSQL's text-search parser can make a word of (it splits on
# "_", which Python's \w counts as a word character).
_WORD = re.compile(r"[^\W_]")


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
    session: Session,
    user: User,
    query: ListQuery,
    now: datetime | None = None,
    *,
    counts: dict[str, int] | None = None,
) -> TaskPage:
    """One page of the user's tasks matching `query`, with the total for the whole list.

    Pass the request's `view_counts` as `counts` and a list narrowed by nothing but a view
    or a status is not counted again.
    """
    conditions = _filter_conditions(session, user, query, now)
    if query.q or query.tags:
        return _page_counted_in_one_pass(session, user, query, conditions)
    total = _total_from_counts(query, counts)
    if total is None:
        total = _count(session, user, conditions)
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


def _count(session: Session, user: User, conditions: Sequence[ColumnElement[bool]]) -> int:
    statement = select(func.count()).select_from(Task).where(Task.user_id == user.id, *conditions)
    return session.scalar(statement) or 0


def _page_counted_in_one_pass(
    session: Session, user: User, query: ListQuery, conditions: Sequence[ColumnElement[bool]]
) -> TaskPage:
    """A page and its total from one statement (``count(*) OVER ()``), for the lists whose
    every match must be found anyway: a search (through the search index) or a tag filter
    (through the tag's links). A separate count would find them all a second time.

    On PostgreSQL the matches of a search are collected through the search index first (a
    materialized CTE): they are few and scattered over the user's whole history, and left
    to itself the planner walks the user's tasks in list order, computing the search
    words of each, until it has a page.
    """
    task: type[Task]
    if query.q and uses_full_text(session, query.q):
        # Whole rows, not ids: the index scan has visited them already, and fetching them
        # again by id costs as much as the sort of a few hundred rows. user_id is always
        # checked on the way out; inside, only when the search cannot find the user's
        # tasks by itself: given a user_id there, the planner also reads every task id
        # of the user from another index to intersect with what the search index found.
        scope = [] if search_narrows_by_itself(query.q) else [Task.user_id == user.id]
        found = select(Task).where(*scope, *conditions).cte("found").prefix_with("MATERIALIZED")
        task = aliased(Task, found)
        matching = select(task, func.count().over()).where(task.user_id == user.id)
    else:
        task = Task
        matching = select(Task, func.count().over()).where(Task.user_id == user.id, *conditions)
    statement = (
        matching.order_by(*_ordering(query, task))
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
        .options(selectinload(task.tags))
    )
    rows = session.execute(statement).all()
    total = rows[0][1] if rows else _count(session, user, conditions)  # past the last page
    tasks = [row[0] for row in rows]
    return TaskPage(tasks=tasks, total=total, page=query.page, per_page=query.per_page)


# Built once, like _VIEW_COUNTS: every list page runs it.
_USER_TAG_NAMES = (
    select(Tag.name)
    .where(
        Tag.user_id == bindparam("user_id"),
        exists()
        .where(task_tags.c.tag_id == Tag.id, task_tags.c.task_id == Task.id)
        .where(Task.deleted_at.is_(None)),
    )
    .order_by(func.lower(Tag.name))
)


def user_tag_names(session: Session, user: User) -> list[str]:
    """Names of the user's tags that are on at least one live task, for the filter bar."""
    return list(session.scalars(_USER_TAG_NAMES, {"user_id": user.id}))


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
        conditions.append(_has_tag(user, tag))
    if query.due:
        conditions.append(_due_condition(query.due, local_now(user.timezone, now)))
    if query.q:
        conditions.append(search_condition(session, user, query.q))
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


def _view_counts_statement() -> Select[tuple[int, ...]]:
    """The statement behind `view_counts`, built once: the sidebar runs it on every page,
    and putting together its dozen filtered sums took longer than the database takes to
    answer them. The user and the dates are bound parameters."""
    is_open = TaskCount.status.in_(OPEN_STATUSES)
    today = bindparam("today", type_=Date)

    def total(condition: ColumnElement[bool] | None = None) -> ColumnElement[int]:
        summed = (
            func.sum(TaskCount.n) if condition is None else func.sum(TaskCount.n).filter(condition)
        )
        return func.coalesce(summed, 0)

    late_today = (
        select(func.count())
        .select_from(Task)
        .where(
            Task.user_id == bindparam("user_id"),
            Task.deleted_at.is_(None),
            Task.status.in_(OPEN_STATUSES),
            Task.due_date == today,
            Task.due_time < bindparam("now_time", type_=Time),
        )
        .scalar_subquery()
    )
    week = TaskCount.due_date.between(today, bindparam("week_end", type_=Date))
    return select(
        total(and_(is_open, TaskCount.due_date <= today)).label("today"),
        total(and_(is_open, week)).label("upcoming"),
        (total(and_(is_open, TaskCount.due_date < today)) + late_today).label("overdue"),
        total(and_(is_open, TaskCount.due_date.is_(None))).label("nodate"),
        total(TaskCount.status == TaskStatus.COMPLETED.value).label("completed"),
        total(is_open).label("open"),
        total().label("all"),
    ).where(TaskCount.user_id == bindparam("user_id"))


_VIEW_COUNTS = _view_counts_statement()


def view_counts(session: Session, user: User, now: datetime | None = None) -> dict[str, int]:
    """How many tasks each smart view holds, in one statement.

    Adds up the user's task_counts rows (one per status and due date, kept by triggers),
    so it costs the same for fifty thousand tasks as for fifty. Only "overdue" looks at
    tasks themselves, for the few open tasks due today whose time has passed.
    """
    local = local_now(user.timezone, now)
    today = local.date()
    row = session.execute(
        _VIEW_COUNTS,
        {
            "user_id": user.id,
            "today": today,
            "week_end": today + timedelta(days=6),
            "now_time": local.time().replace(tzinfo=None, microsecond=0),
        },
    ).one()
    return {name: int(value) for name, value in row._mapping.items()}


def _total_from_counts(query: ListQuery, counts: dict[str, int] | None) -> int | None:
    """The list's total read off the view counts, when only a view or the open, completed
    or all status filter narrows the list; None when it must be counted."""
    if counts is None or query.q or query.priority or query.tags or query.due:
        return None
    if query.view:
        return counts[query.view]
    return counts.get(query.status) if query.status in ("open", "completed", "all") else None


def _has_tag(user: User, name: str) -> ColumnElement[bool]:
    return (
        exists()
        .where(task_tags.c.task_id == Task.id, task_tags.c.tag_id == Tag.id)
        # The user's own tag (found through uq_tags_user_id_lower_name, not every user's tag
        # of that name), both sides folded by the database as that index does (see
        # resolve_tags).
        .where(Tag.user_id == user.id, func.lower(Tag.name) == func.lower(name))
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


def search_condition(session: Session, user: User, text: str) -> ColumnElement[bool]:
    """Match `text` against the title and description of the user's tasks.

    PostgreSQL: full-text search over the GIN-indexed expression, in web-search syntax
    ("quoted phrases", or, -not), every word matched as a prefix so that ``zepp`` finds
    "zeppelin". The indexed words carry their owner's id, so this condition alone finds
    only `user`'s tasks. Text with no word characters, and SQLite, use a LIKE per word
    instead (and need the caller's user_id condition).
    """
    if uses_full_text(session, text):
        return search_vector().op("@@")(prefix_tsquery(user, text))
    words = text.split()
    return and_(
        *(
            or_(Task.title.ilike(p, escape="\\"), Task.description.ilike(p, escape="\\"))
            for p in (f"%{_escape_like(word)}%" for word in words)
        )
    )


def uses_full_text(session: Session, text: str) -> bool:
    """Whether a search for `text` goes through the full-text index (else: LIKE)."""
    return session.get_bind().dialect.name == "postgresql" and bool(_WORD.search(text))


def search_narrows_by_itself(text: str) -> bool:
    """Whether every match of a full-text search for `text` must contain some word of it,
    so that the search index alone finds the user's matches (the indexed words carry the
    user's id). Not so for a search of excluded words only ("-draft") or with "or": it
    matches tasks that contain none of its words, which the index cannot list, and the
    user's tasks must be read one by one. When unsure (an "or" inside quotes), no."""
    words = text.lower().split()
    return "or" not in words and any(not word.startswith("-") for word in words)


def search_vector() -> ColumnElement[object]:
    """The expression the GIN index ix_tasks_search is built on: keep both identical. The
    words of title and description, each prefixed with the owner's id (``'7_invoice'``);
    the SQL function comes from the migration "search words kept per user"."""
    return func.task_search_vector(Task.user_id, Task.title, Task.description)


def prefix_tsquery(user: User, text: str) -> ColumnElement[object]:
    """websearch_to_tsquery, with every lexeme turned into a prefix match of the user's own
    words (``'zepp'`` becomes ``'7_zepp':*``)."""
    parsed = func.websearch_to_tsquery(literal_column("'simple'::regconfig"), text)
    as_prefixes = func.regexp_replace(
        parsed.cast(Text()),
        literal_column(r"'''((?:[^'']|'''')+)'''"),
        f"'{int(user.id)}_\\1':*",
        literal_column("'g'"),
    )
    # A cast, not to_tsquery(): to_tsquery would parse the lexemes again and split a
    # hyphenated word ('follow-up') into parts that can no longer match as a phrase.
    return cast(as_prefixes, TSQUERY())


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordering(query: ListQuery, task: type[Task] = Task) -> list[ColumnElement[object]]:
    """ORDER BY for the list. Undated tasks come last in both directions; ties are broken by
    id in the same direction, so paging never repeats or skips a task. `task` is Task or an
    alias of it (the found rows of a search)."""
    descending = query.order == "desc"

    def directed(column: ColumnElement[object]) -> ColumnElement[object]:
        return column.desc() if descending else column.asc()

    if query.sort == "due":
        return [
            task.due_date.is_(None).asc(),
            directed(task.due_date),
            # On one day, timed tasks before the ones due "some time that day".
            task.due_time.is_(None).asc(),
            directed(task.due_time),
            directed(task.id),
        ]
    key = {
        "created": task.created_at,
        "updated": task.updated_at,
        "title": func.lower(task.title),
        "priority": task.priority,
        "completed": task.completed_at,
    }[query.sort]
    if query.sort == "completed":
        return [task.completed_at.is_(None).asc(), directed(key), directed(task.id)]
    return [directed(key), directed(task.id)]


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
    """The user's tags with these names (matched without regard to case), created if new.

    Names are compared as the unique index uq_tags_user_id_lower_name compares them: by the
    database's lower(), which is not Python's (SQLite folds ASCII letters only; PostgreSQL
    lowers a dotted capital I to i, and a final capital sigma to the medial form). So the
    database folds the typed names too, and a new tag can never collide with the index.
    """
    if not names:
        return []
    keys = tuple(session.execute(select(*(func.lower(name) for name in names))).one())
    by_key: dict[str, Tag] = {
        key: tag
        for key, tag in session.execute(
            select(func.lower(Tag.name), Tag).where(
                Tag.user_id == user.id, func.lower(Tag.name).in_(sorted(set(keys)))
            )
        )
    }
    tags: list[Tag] = []
    for key, name in zip(keys, names, strict=True):
        tag = by_key.get(key)
        if tag is None:
            tag = Tag(user_id=user.id, name=name)
            session.add(tag)
            by_key[key] = tag
        if tag not in tags:
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
    """Save the form; setting the status to completed is a completion like any other, so a
    recurring task gets its next occurrence."""
    completing = data.status == TaskStatus.COMPLETED and not task.is_completed
    _apply(session, user, task, data)
    touch(task)
    if completing:
        complete_task(session, user, task)
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
    rule = task.recurrence or ""
    due_date = task.due_date or local_today(user.timezone)
    try:
        next_date = recurrence.next_occurrence(
            rule, due_date, task.due_time, user.timezone, local_today(user.timezone)
        )
        if next_date is None:  # the series has ended (COUNT or UNTIL)
            return None
        next_rule = recurrence.rule_for_next(
            rule, due_date, task.due_time, user.timezone, next_date
        )
    except ValueError:  # a stored rule that no longer parses: complete without a successor
        return None
    successor = Task(
        user_id=user.id,
        title=task.title,
        description=task.description,
        priority=task.priority,
        due_date=next_date,
        due_time=task.due_time,
        recurrence=next_rule,
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


def toggle_task(session: Session, user: User, task: Task) -> Task | None:
    """Completed becomes pending; anything else becomes completed. Returns the next
    occurrence when completing a recurring task created one."""
    if task.is_completed:
        reopen_task(task)
        return None
    return complete_task(session, user, task)


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
