"""Reading the user's tasks: a page of the list with its filters and order, and what each
row shows about its place in the tree (its subtasks' progress, its parent). Every
function takes the session and the user and asks todo_web.access which tasks they see, so
nothing here can reach another user's rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..access import (
    may_see_others_assignments,
    not_assigned_elsewhere,
    read_reach,
    task_is_visible,
)
from ..models import Priority, Task, TaskList, TaskStatus, User, is_open_status
from ..timezones import local_now
from .counts import total_from_counts
from .listing import ListQuery
from .search import (
    excluded_words,
    search_condition,
    search_narrows_by_itself,
    uses_full_text,
)
from .tags import has_tag, tag_names_column


class ShownTask(Protocol):
    """What a row of the list reads of its task: a Task, or a plain row of the page's
    statement (`shown_columns`) named like Task's attributes."""

    @property
    def id(self) -> int: ...
    @property
    def list_id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> TaskStatus: ...
    @property
    def priority(self) -> Priority: ...
    @property
    def due_date(self) -> date | None: ...
    @property
    def due_time(self) -> time | None: ...
    @property
    def remind_minutes(self) -> int | None: ...
    @property
    def recurrence(self) -> str | None: ...
    @property
    def assignee_id(self) -> int | None: ...


@dataclass(frozen=True)
class TaskPage:
    #: The page's tasks as plain rows (see `shown_columns`), not Task entities.
    tasks: Sequence[ShownTask]
    total: int
    page: int
    per_page: int
    #: Each task's RowInfo, read with the page.
    infos: dict[int, RowInfo] = field(default_factory=dict)
    #: Each task's tag names (tasks without tags are left out).
    tag_names: dict[int, list[str]] = field(default_factory=dict)

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


@dataclass(frozen=True)
class RowInfo:
    """What a row shows beyond the task: its live subtasks and how many are done, and its
    parent's title (the context of a subtask shown without its parent above it)."""

    subtasks: int = 0
    done: int = 0
    parent_title: str | None = None

    @property
    def progress(self) -> str:
        return f"{self.done}/{self.subtasks}" if self.subtasks else ""


def _row_info_columns(task: type[Task]) -> list[ColumnElement[object]]:
    """The columns a row's RowInfo is read from, as correlated subqueries of `task`: added
    to the page's own statement, PostgreSQL works them out for the rows of the page only,
    after the sort and the limit, with no round trip of their own."""
    child = aliased(Task)
    parent = aliased(Task)
    live_children = (
        select(func.count())
        .select_from(child)
        .where(child.parent_id == task.id, child.deleted_at.is_(None))
    )
    return [
        live_children.scalar_subquery(),
        live_children.where(child.status == TaskStatus.COMPLETED.value).scalar_subquery(),
        select(parent.title).where(parent.id == task.parent_id).scalar_subquery(),
    ]


def shown_columns(task: type[Task]) -> list[ColumnElement[object]]:
    """What a row of the list shows of a task (templates/tasks/_task.html, `arrange`):
    the page reads these columns as plain rows, each named like the Task attribute it
    comes from, rather than loading Task entities. A page of entities cost the ORM's
    identity map, attribute instrumentation and the session's clean-up at the end of the
    request, and brought every task's description along for nothing."""
    return [
        task.id,
        task.list_id,
        task.parent_id,
        task.title,
        task.status,
        task.priority,
        task.due_date,
        task.due_time,
        task.remind_minutes,
        task.recurrence,
        task.assignee_id,
    ]


#: Built once: building them costs more than the database takes to answer them.
_TASK_ROW_INFO_COLUMNS = _row_info_columns(Task)

#: The page's rows: what they show, then their RowInfo's columns and their tag names (the
#: last column).
_SHOWN_COLUMNS = shown_columns(Task)
_SHOWN = len(_SHOWN_COLUMNS)
_TASK_PAGE_COLUMNS = [*_TASK_ROW_INFO_COLUMNS, tag_names_column(Task.id)]

#: The name of a search's matches (see _page_counted_in_one_pass).
_FOUND = "found"


def _found_page_columns() -> list[ColumnElement[object]]:
    """_TASK_PAGE_COLUMNS for the rows of a search's `found` CTE (RowInfo's columns and
    the tag names), the same subqueries written as SQL once: built by SQLAlchemy over each
    search's own alias of its CTE, they took about a millisecond of Python per search."""
    tasks = Task.__table__.name
    live_children = (
        f"SELECT count(*) FROM {tasks} AS child"
        f" WHERE child.parent_id = {_FOUND}.id AND child.deleted_at IS NULL"
    )
    completed = f"child.status = '{TaskStatus.COMPLETED.value}'"
    return [
        literal_column(f"({live_children})"),
        literal_column(f"({live_children} AND {completed})"),
        literal_column(
            f"(SELECT parent.title FROM {tasks} AS parent WHERE parent.id = {_FOUND}.parent_id)"
        ),
        # PostgreSQL only, as the full-text search is: tag_names_column's SQL there.
        literal_column(
            "(SELECT array_agg(tags.name ORDER BY tags.name) FROM task_tags"
            f" JOIN tags ON tags.id = task_tags.tag_id WHERE task_tags.task_id = {_FOUND}.id)"
        ),
    ]


_FOUND_PAGE_COLUMNS = _found_page_columns()


def _page(rows: Sequence[Any], query: ListQuery, total: int, first_info_column: int) -> TaskPage:
    """A TaskPage of the page's rows: the shown columns, then (from `first_info_column`)
    its RowInfo's columns and its tag names. The rows themselves are the page's tasks:
    their first columns are named as Task's attributes."""
    info_end = first_info_column + 3
    return TaskPage(
        tasks=rows,
        total=total,
        page=query.page,
        per_page=query.per_page,
        infos={row.id: _info(*row[first_info_column:info_end]) for row in rows},
        tag_names={row.id: row[info_end] for row in rows if row[info_end]},
    )


def _info(subtasks: int | None, done: int | None, parent_title: str | None) -> RowInfo:
    return RowInfo(int(subtasks or 0), int(done or 0), parent_title)


def row_infos(session: Session, tasks: Sequence[Task]) -> dict[int, RowInfo]:
    """RowInfo for each task, in one statement (a row or a task page shown alone)."""
    if not tasks:
        return {}
    statement = select(Task.id, *_TASK_ROW_INFO_COLUMNS).where(
        Task.id.in_([task.id for task in tasks])
    )
    return {row[0]: _info(*row[1:]) for row in session.execute(statement)}


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
    excluded = excluded_words(query.q) if uses_full_text(session, query.q) else None
    if excluded and not query.tags:
        return _page_without_words(session, user, query, excluded, now, counts)
    conditions = _filter_conditions(session, user, query, now)
    if query.q or query.tags:
        return _page_counted_in_one_pass(session, user, query, conditions)
    total = total_from_counts(query, counts)
    if total is None:
        total = _count(session, user, conditions)
    return _plain_page(session, user, query, conditions, total)


def _page_without_words(
    session: Session,
    user: User,
    query: ListQuery,
    words: list[str],
    now: datetime | None,
    counts: dict[str, int] | None,
) -> TaskPage:
    """A search that only excludes words ("-draft"): the list without the search, less
    the tasks the search index finds for any of the words. Computing every task's search
    words to test them one by one took the heaviest user 420 ms; this reads the few
    matches through the index, walks the list in its order, and counts the matches
    rather than the list (whose total the view counts often have already)."""
    unsearched = replace(query, q="")
    conditions = _filter_conditions(session, user, unsearched, now)
    found = search_condition(session, user, " or ".join(words))
    total = total_from_counts(unsearched, counts)
    if total is None:
        total = _count(session, user, conditions)
    total -= _count(session, user, [*conditions, found])
    without = Task.id.not_in(select(Task.id).where(found))
    return _plain_page(session, user, query, [*conditions, without], total)


def _plain_page(
    session: Session,
    user: User,
    query: ListQuery,
    conditions: Sequence[ColumnElement[bool]],
    total: int,
) -> TaskPage:
    statement = _ordered(
        select(*_SHOWN_COLUMNS, *_TASK_PAGE_COLUMNS).where(
            task_is_visible(session, user), *conditions
        ),
        query,
    )
    statement = statement.limit(query.per_page).offset((query.page - 1) * query.per_page)
    return _page(session.execute(statement).all(), query, total, _SHOWN)


def _count(session: Session, user: User, conditions: Sequence[ColumnElement[bool]]) -> int:
    statement = (
        select(func.count()).select_from(Task).where(task_is_visible(session, user), *conditions)
    )
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
        scope = [] if search_narrows_by_itself(query.q) else [task_is_visible(session, user)]
        found = select(Task).where(*scope, *conditions).cte(_FOUND).prefix_with("MATERIALIZED")
        task = aliased(Task, found)
        matching = select(*shown_columns(task), func.count().over(), *_FOUND_PAGE_COLUMNS).where(
            task_is_visible(session, user, task)
        )
    else:
        task = Task
        matching = select(*_SHOWN_COLUMNS, func.count().over(), *_TASK_PAGE_COLUMNS).where(
            task_is_visible(session, user), *conditions
        )
    statement = (
        _ordered(matching, query, task)
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    )
    rows = session.execute(statement).all()
    # past the last page: no row to read the total from
    total = rows[0][_SHOWN] if rows else _count(session, user, conditions)
    return _page(rows, query, total, _SHOWN + 1)


def _filter_conditions(
    session: Session, user: User, query: ListQuery, now: datetime | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Task.deleted_at.is_(None)]
    if query.list_id is not None:
        conditions.append(Task.list_id == query.list_id)
    elif may_see_others_assignments(user):
        conditions.append(not_assigned_elsewhere(user))
    if query.assignee == "me":
        conditions.append(Task.assignee_id == user.id)
    if query.view:
        conditions.append(_view_condition(query.view, local_now(user.timezone, now)))
    elif query.status == "open":
        conditions.append(is_open_status(Task.status))
    elif query.status != "all":
        conditions.append(Task.status == query.status)
    if query.priority:
        conditions.append(Task.priority == Priority.from_label(query.priority))
    if query.tags:
        owners = {user.id} | read_reach(session, user).owner_ids
        conditions.extend(has_tag(owners, tag) for tag in query.tags)
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
    is_open = is_open_status(Task.status)
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
        is_open_status(Task.status),
        or_(
            Task.due_date < today,
            and_(Task.due_date == today, Task.due_time.is_not(None), Task.due_time < now_time),
        ),
    )


def _ordered(statement: Select, query: ListQuery, task: type[Task] = Task) -> Select:  # type: ignore[type-arg]
    """The statement in the list's order (see `_ordering` and `_manual_ordering`)."""
    if query.is_manual:
        return _manual_ordering(statement, query, task)
    return statement.order_by(*_ordering(query, task))


def _manual_ordering(statement: Select, query: ListQuery, task: type[Task]) -> Select:  # type: ignore[type-arg]
    """The user's own order: each list read as a tree, top to bottom, a parent right before
    its subtasks (tasks.order_path, kept by triggers; ix_tasks_list_id_order_path_id
    serves one list's page). Without a list, lists follow one another."""
    descending = query.order == "desc"

    def directed(column: ColumnElement[object]) -> ColumnElement[object]:
        return column.desc() if descending else column.asc()

    keys = [task.order_path, task.id]
    if query.list_id is None:
        keys.insert(0, task.list_id)
    return statement.order_by(*(directed(key) for key in keys))


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


def task_family(session: Session, task: Task) -> dict[str, object]:
    """The detail page's tree: the task's list, its parent and its live subtasks (in
    order, with their own progress)."""
    subtasks = session.scalars(
        select(Task)
        .where(Task.parent_id == task.id, Task.deleted_at.is_(None))
        .order_by(Task.position, Task.id)
        .options(selectinload(Task.tags))
    ).all()
    return {
        "task_list": session.get(TaskList, task.list_id),
        "parent": session.get(Task, task.parent_id) if task.parent_id else None,
        "subtasks": subtasks,
        "infos": row_infos(session, [task, *subtasks]),
    }


@dataclass(frozen=True)
class Row:
    """A task as one row of the list: indented `depth` levels under the rows above it, its
    parent's title as context when the parent is not shown above it, and the `before`
    values of its move up and move down buttons (None: no such button); `list_name` when
    the row is shown outside its list's page; its tags' names."""

    task: ShownTask
    info: RowInfo
    depth: int = 0
    context: str | None = None
    up_before: int | None = None
    down_before: str | None = None
    list_name: str | None = None
    tag_names: Sequence[str] = ()


def arrange(
    tasks: Sequence[ShownTask],
    infos: dict[int, RowInfo],
    *,
    nested: bool,
    complete: bool = True,
    depths: dict[int, int] | None = None,
    list_names: Mapping[int, str] | None = None,
    tag_names: Mapping[int, Sequence[str]] | None = None,
) -> list[Row]:
    """Rows for tasks in list order. `nested` (the manual order): a subtask whose parent is
    shown above it sits indented under it, and siblings get move buttons. `complete`
    says the tasks reach the end of the list (the last page), so the last sibling of a
    group is known to be last. `depths` forces depths (a row rendered alone).
    `list_names` (list id to name) labels each row with its list: pass it outside a
    list's page. `tag_names`: each task's tag names."""
    empty = RowInfo()
    names = list_names or {}
    tags = tag_names or {}
    if not nested:
        return [
            Row(
                task,
                infos.get(task.id, empty),
                (depths or {}).get(task.id, 0),
                None if depths and task.id in depths else infos.get(task.id, empty).parent_title,
                list_name=names.get(task.list_id),
                tag_names=tags.get(task.id, ()),
            )
            for task in tasks
        ]
    depth_of: dict[int, int] = {}
    placed: list[tuple[ShownTask, int, str | None]] = []
    for task in tasks:
        if task.parent_id is not None and task.parent_id in depth_of:
            depth, context = depth_of[task.parent_id] + 1, None
        else:
            depth, context = 0, infos.get(task.id, empty).parent_title
        depth_of[task.id] = depth
        placed.append((task, depth, context))
    # Siblings on the page: runs of rows with the same parent and depth; a shallower row
    # ends the runs deeper than it (their last sibling is then known to be the last).
    open_runs: dict[tuple[int | None, int], list[int]] = {}
    ended_runs: list[list[int]] = []
    run_of: dict[int, tuple[list[int], int]] = {}
    for task, depth, _ in placed:
        for key in [k for k in open_runs if k[1] > depth]:
            ended_runs.append(open_runs.pop(key))
        run = open_runs.setdefault((task.parent_id, depth), [])
        run_of[task.id] = (run, len(run))
        run.append(task.id)
    ended_ids = {id(run) for run in ended_runs}
    rows = []
    for task, depth, context in placed:
        run, at = run_of[task.id]
        up = run[at - 1] if at > 0 else None
        down: str | None = None
        if at + 2 < len(run):
            down = str(run[at + 2])
        elif at + 1 < len(run) and (complete or id(run) in ended_ids):
            down = ""
        info = infos.get(task.id, empty)
        rows.append(
            Row(
                task, info, depth, context, up, down, names.get(task.list_id), tags.get(task.id, ())
            )
        )
    return rows
