"""What the list tests read back: lists as the database holds them, the sidebar's list
counts, real open counts to hold the trigger-kept ones against, and snapshots that take
the lists table in too."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from todo_web.models import OPEN_STATUSES, Task, TaskList, User

from ..client import text_of
from ..factories import SNAPSHOT_TABLES, snapshot

#: The sidebar's list links (templates/tasks/_counts.html): id and open count.
_SIDEBAR_LIST = re.compile(r'<li data-list-id="(\d+)"><a [^>]*?data-count="(\d+)"')
_LIST_ROW = re.compile(r'<li class="list-row" data-list-id="(\d+)">')

#: Everything a list or task route could write.
TABLES = (*SNAPSHOT_TABLES, "lists")


def everything(app: Flask) -> dict[str, list[tuple]]:
    """Every row a list or task route could change (snapshot() plus the lists table)."""
    return snapshot(app, TABLES)


def sidebar_counts(response: TestResponse | str) -> dict[int, int]:
    """{list id: open count} as the sidebar shows them, in its order."""
    html = response if isinstance(response, str) else text_of(response)
    return {int(list_id): int(count) for list_id, count in _SIDEBAR_LIST.findall(html)}


def list_page_ids(response: TestResponse) -> list[int]:
    """The list ids of the rows of GET /lists, in order."""
    return [int(found) for found in _LIST_ROW.findall(text_of(response))]


def lists_of(session: Session, user: User, *, deleted: bool = False) -> list[TaskList]:
    """The user's lists as the database holds them now (live ones unless `deleted`)."""
    session.expire_all()
    statement = select(TaskList).where(TaskList.owner_id == user.id).order_by(TaskList.id)
    statement = statement.where(
        TaskList.deleted_at.is_not(None) if deleted else TaskList.deleted_at.is_(None)
    )
    return list(session.scalars(statement))


def get_list(session: Session, list_id: int) -> TaskList:
    session.expire_all()
    task_list = session.get(TaskList, list_id)
    assert task_list is not None, f"no list {list_id}"
    return task_list


def real_open_counts(session: Session) -> dict[int, int]:
    """{list id: its live pending and in-progress tasks}, counted, for every list."""
    session.expire_all()
    counted = dict(
        session.execute(
            select(Task.list_id, func.count())
            .where(Task.deleted_at.is_(None), Task.status.in_(OPEN_STATUSES))
            .group_by(Task.list_id)
        ).all()
    )
    return {list_id: counted.get(list_id, 0) for list_id in session.scalars(select(TaskList.id))}


def stored_open_counts(session: Session) -> dict[int, int]:
    """{list id: lists.open_count} for every list (what the triggers keep)."""
    session.expire_all()
    return dict(session.execute(select(TaskList.id, TaskList.open_count)).all())  # type: ignore[arg-type]
