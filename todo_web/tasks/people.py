"""Who the task pages show, and what they let the user change: the assignee's badge on a
row, a shared list's members beside its heading, and whether a row or list gets its edit
controls (a viewer's do not; the routes refuse them anyway, see todo_web.access).

Every helper is a template global that reads what it needs when a page first asks, once
per request, so that a page about the user's own unshared lists runs no more queries than
before: the role in a list comes from the request's reach (read already to list the
tasks), the members of a list only on that list's own page, and the names of the people
the user shares lists with only when a row shows an assignee.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Need, may, may_edit_visible_list, member_list_ids, read_reach
from ..db import get_session
from ..lists.members import Member, members_of
from ..models import ListMember, Task, TaskList, User
from .counts import request_sidebar
from .responses import remember_members
from .views import bp


@dataclass(frozen=True)
class Person:
    """Someone shown beside a task: an assignee, who created or completed it."""

    user_id: int
    name: str
    email: str

    initials = Member.initials


def people_of(session: Session, user: User) -> dict[int, Person]:
    """Everyone who is a member of a list the user is a member of (the user too), by id:
    one query."""
    shared_with = select(ListMember.user_id).where(ListMember.list_id.in_(member_list_ids(user)))
    rows = session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(shared_with))
    ).all()
    return {row[0]: Person(row[0], row[1], row[2]) for row in rows}


@bp.app_template_global()
def person(user_id: int | None) -> Person | None:
    """The person with this id among those the user shares lists with; None for no one (a
    deleted account, or someone who no longer shares a list with the user)."""
    if user_id is None:
        return None
    return _people().get(user_id)


@bp.app_template_global()
def view_only_list_ids() -> set[int]:
    """The lists the user only views: their tasks get no edit controls. Worked out once
    per request; a list page reads it once for all its rows (_list.html)."""
    if "view_only_lists" not in g:
        shared = read_reach(get_session(), current_user).shared
        g.view_only_lists = {
            list_id for list_id, (_, role) in shared.items() if not may(role, Need.EDIT)
        }
    return g.view_only_lists  # type: ignore[no-any-return]


@bp.app_template_global()
def may_edit_task(task: Task) -> bool:
    """Whether the user may change the task (its row gets its edit controls)."""
    return task.list_id not in view_only_list_ids()


@bp.app_template_global()
def may_edit_list(task_list: TaskList | None) -> bool:
    """Whether the user may add and change tasks in the list; True where no single list is
    shown (the smart views: each row decides for itself)."""
    if task_list is None:
        return True
    return may_edit_visible_list(get_session(), current_user, task_list)


@bp.app_template_global()
def list_members(task_list: TaskList | None) -> list[Member]:
    """The members of a shared list, for its page (the owner first); none for a list with
    no one else in it. The Inbox is never shared, so it costs no query."""
    if task_list is None or task_list.is_inbox:
        return []
    sidebar = request_sidebar(get_session(), current_user)
    listed = next((item for item in sidebar.lists if item.id == task_list.id), None)
    if listed is not None and listed.members <= 1:
        return []  # the sidebar counted its members: no one else, no query
    cache = g.setdefault("list_members", {})
    if task_list.id not in cache:
        remember_members(task_list.id, members_of(get_session(), task_list))
    return cache[task_list.id]  # type: ignore[no-any-return]


@bp.app_template_global()
def people() -> list[Person]:
    """The people the user shares lists with (the user too), by name."""
    return sorted(_people().values(), key=lambda p: (p.name.casefold(), p.user_id))


def _people() -> dict[int, Person]:
    """people_of the current user, read once per request."""
    if "people" not in g:
        g.people = people_of(get_session(), current_user)
    return g.people


@bp.app_template_global()
def shared_list_ids() -> list[int]:
    """The lists others share with the user (from the request's reach)."""
    return read_reach(get_session(), current_user).shared_list_ids


@bp.app_template_global()
def task_people(task: Task) -> dict[str, Person | None]:
    """Who created, completed and is assigned the task, for its page (one query; None for
    no one, or an account deleted since)."""
    session = get_session()
    ids = {task.created_by_id, task.completed_by_id, task.assignee_id} - {None}
    found = (
        {
            row[0]: Person(row[0], row[1], row[2])
            for row in session.execute(
                select(User.id, User.name, User.email).where(User.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    return {
        "created_by": found.get(task.created_by_id),  # type: ignore[arg-type]
        "completed_by": found.get(task.completed_by_id),  # type: ignore[arg-type]
        "assignee": found.get(task.assignee_id),  # type: ignore[arg-type]
    }
