"""Reading the user's tasks: one task, and a page of the list with its filters and order.
Every function takes the session and the user, so nothing here can reach another user's
rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..models import OPEN_STATUSES, Priority, Task, TaskStatus, User
from ..timezones import local_now
from .counts import total_from_counts
from .listing import ListQuery
from .search import search_condition, search_narrows_by_itself, uses_full_text
from .tags import has_tag


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
    total = total_from_counts(query, counts)
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
        conditions.append(has_tag(user, tag))
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
