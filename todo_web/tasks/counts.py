"""What the sidebar shows: how many tasks each smart view holds (read off the task_counts
rows) and the user's lists with their open counts, in one statement.

On PostgreSQL the triggers apply a transaction's changes to task_counts and to the lists'
open counts and versions when it commits (migration b8e1d5c3a207), so a transaction reads
them as they were at its start; views read them after their commit. `bring_up_to_date`
applies the pending changes early for code that must read them before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from flask import g
from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    Time,
    and_,
    bindparam,
    func,
    join,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from ..access import Reach, member_list_ids, not_assigned_elsewhere, remember_reach
from ..lists.queries import LIST_ORDER
from ..models import ListMember, Role, Task, TaskCount, TaskList, TaskStatus, User, is_open_status
from ..timezones import local_now
from .listing import ListQuery
from .tags import user_tag_names_column


def _view_counts_statement(*, shared: bool) -> Select[tuple[int, ...]]:
    """The statement behind `view_counts`, built once: the sidebar runs it on every page,
    and putting together its dozen filtered sums took longer than the database takes to
    answer them. The user and the dates are bound parameters. `shared`: for a user someone
    shares lists with (the others skip looking at lists shared with them)."""
    is_open = is_open_status(TaskCount.status)
    today = bindparam("today", type_=Date)

    def total(condition: ColumnElement[bool] | None = None) -> ColumnElement[int]:
        summed = (
            func.sum(TaskCount.n) if condition is None else func.sum(TaskCount.n).filter(condition)
        )
        return func.coalesce(summed, 0)

    user_id = bindparam("user_id")

    def late_today(lists: ColumnElement[bool]) -> ColumnElement[int]:
        """Open tasks due earlier today in `lists`, not assigned to someone else."""
        return (
            select(func.count())
            .select_from(Task)
            .where(
                lists,
                not_assigned_elsewhere(user_id),
                Task.deleted_at.is_(None),
                is_open_status(Task.status),
                Task.due_date == today,
                Task.due_time < bindparam("now_time", type_=Time),
            )
            .scalar_subquery()
        )

    # In two parts, each through its own index: the user's own lists by the per-user index
    # (user, status, due date), the lists shared with them (none, for most users: one look
    # at the members index) by (list, status, due date). One count over all their lists
    # read every list's tasks due today, at twice the cost of the whole statement before.
    shared_lists = select(ListMember.list_id).where(
        ListMember.user_id == user_id, ListMember.role != Role.OWNER.value
    )
    late = late_today(Task.user_id == user_id)
    if shared:
        late = late + late_today(Task.list_id.in_(shared_lists))
    # Open tasks assigned to the user, in the lists they are still in (through
    # ix_tasks_assignee_id: a handful of rows); without lists shared with them, their own.
    assigned = (
        select(func.count())
        .select_from(Task)
        .where(
            Task.assignee_id == user_id,
            Task.list_id.in_(member_list_ids(user_id)) if shared else Task.user_id == user_id,
            Task.deleted_at.is_(None),
            is_open_status(Task.status),
        )
        .scalar_subquery()
    )
    week = TaskCount.due_date.between(today, bindparam("week_end", type_=Date))
    return select(
        total(and_(is_open, TaskCount.due_date <= today)).label("today"),
        total(and_(is_open, week)).label("upcoming"),
        (total(and_(is_open, TaskCount.due_date < today)) + late).label("overdue"),
        total(and_(is_open, TaskCount.due_date.is_(None))).label("nodate"),
        total(TaskCount.status == TaskStatus.COMPLETED.value).label("completed"),
        total(is_open).label("open"),
        total().label("all"),
        assigned.label("assigned"),
    ).where(TaskCount.user_id == user_id)


_VIEW_COUNTS = _view_counts_statement(shared=True)


def view_counts(session: Session, user: User, now: datetime | None = None) -> dict[str, int]:
    """How many tasks each smart view holds, in one statement.

    Adds up the user's task_counts rows (one per status and due date, kept by triggers),
    so it costs the same for fifty thousand tasks as for fifty. Only "overdue" looks at
    tasks themselves, for the few open tasks due today whose time has passed.
    """
    return read_sidebar(session, user, now).counts


def bring_up_to_date(session: Session) -> None:
    """Apply the transaction's pending count changes now, rather than at its commit
    (PostgreSQL; SQLite's triggers apply them at once). Switching the deferred trigger to
    immediate runs what it had queued; switching back defers the next changes again."""
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET CONSTRAINTS task_count_changes_apply IMMEDIATE"))
        session.execute(text("SET CONSTRAINTS task_count_changes_apply DEFERRED"))


def _count_parameters(user: User, now: datetime | None) -> dict[str, Any]:
    local = local_now(user.timezone, now)
    today = local.date()
    return {
        "user_id": user.id,
        "today": today,
        "week_end": today + timedelta(days=6),
        "now_time": local.time().replace(tzinfo=None, microsecond=0),
    }


class SidebarList(NamedTuple):
    """One list as the sidebar (and the pickers fed from it) shows it, with whose it is
    and the user's role in it."""

    id: int
    name: str
    is_inbox: bool
    open_count: int
    owner_id: int
    role: str
    #: Grows with every write to the list's tasks (see todo_web.tasks.live).
    version: int
    #: How many members the list has, its owner included (1: not shared).
    members: int


@dataclass(frozen=True)
class Sidebar:
    counts: dict[str, int]
    lists: list[SidebarList]
    #: The names of the user's tags in use, for the filter bar.
    tag_names: list[str]

    @cached_property
    def reach(self) -> Reach:
        """The lists shared with the user (every list where they are not the owner)."""
        return Reach(
            {
                item.id: (item.owner_id, Role(item.role))
                for item in self.lists
                if item.role != Role.OWNER
            }
        )

    @cached_property
    def list_names(self) -> dict[int, str]:
        """List names by id, for the list chip of rows shown outside their list."""
        return {item.id: item.name for item in self.lists}


def _sidebar_statement(*, shared: bool) -> Select[Any]:
    """The view counts and the user's tag names (one row) joined to the user's lists: one
    round trip for the whole sidebar and the filter bar. An outer join, so the counts come
    back even for a user with no list. For a user nobody shares a list with (`shared` False,
    known from the login), their lists are the ones they own, read by owner as before
    sharing; else every list they are a member of, with their role."""
    counts = _view_counts_statement(shared=shared).subquery("view_counts")
    head = [*counts.c, user_tag_names_column().label("tag_names")]
    user_id = bindparam("user_id")
    list_columns = [
        TaskList.id,
        TaskList.name,
        TaskList.is_inbox,
        TaskList.open_count,
        TaskList.owner_id,
    ]
    tail = [TaskList.version, TaskList.member_count]
    live = TaskList.deleted_at.is_(None)
    if not shared:
        return (
            select(*head, *list_columns, literal(Role.OWNER.value), *tail)
            .select_from(counts)
            .outerjoin(TaskList, and_(TaskList.owner_id == user_id, live))
            .order_by(*LIST_ORDER)
        )
    memberships = join(ListMember, TaskList, and_(TaskList.id == ListMember.list_id, live))
    return (
        select(*head, *list_columns, ListMember.role, *tail)
        .select_from(counts)
        .outerjoin(memberships, ListMember.user_id == user_id)
        .order_by(*LIST_ORDER)
    )


_SIDEBAR = _sidebar_statement(shared=True)
_SIDEBAR_OF_OWN_LISTS = _sidebar_statement(shared=False)
_COUNT_NAMES = tuple(column.key for column in _VIEW_COUNTS.selected_columns)


def read_sidebar(session: Session, user: User, now: datetime | None = None) -> Sidebar:
    """The smart views' counts, the lists (Inbox first, then the user's order) and the
    tag names in use."""
    statement = _SIDEBAR_OF_OWN_LISTS if user.has_shared_lists is False else _SIDEBAR
    rows = session.execute(statement, _count_parameters(user, now)).all()
    width = len(_COUNT_NAMES)
    counts = {name: int(value) for name, value in zip(_COUNT_NAMES, rows[0][:width], strict=True)}
    lists = [SidebarList(*row[width + 1 :]) for row in rows if row[width + 1] is not None]
    return Sidebar(counts, lists, rows[0][width])


def request_sidebar(session: Session, user: User, *, fresh: bool = False) -> Sidebar:
    """This request's sidebar, read once; `fresh` reads it again (after a change)."""
    if fresh or "sidebar" not in g:
        g.sidebar = read_sidebar(session, user)
        if user.has_shared_lists is None:  # a remembered login (auth/login_cache.py)
            user.has_shared_lists = bool(g.sidebar.reach.shared)
        # The memberships came with it: the access model need not read them again.
        remember_reach(user, g.sidebar.reach)
    return g.sidebar


def total_from_counts(query: ListQuery, counts: dict[str, int] | None) -> int | None:
    """The list's total read off the view counts, when only a view or the open, completed
    or all status filter narrows the list; None when it must be counted."""
    if counts is None or query.q or query.priority or query.tags or query.due:
        return None
    if query.assignee:
        return counts["assigned"] if query.status == "open" and not query.view else None
    if query.list_id is not None:
        # One list's open tasks: its open_count, when the caller put it in `counts`.
        plain = query.status == "open" and not query.view
        return counts.get("list_open") if plain else None
    if query.view:
        return counts[query.view]
    return counts.get(query.status) if query.status in ("open", "completed", "all") else None
