"""The list page keeps up with the other members of its lists without a reload.

The list region carries the version it was drawn at (`data-version`) and asks again every
LIVE_POLL_SECONDS with that version (`?version=`; static/live.js holds the question back
while the tab is hidden or something on the page is being edited, selected or dragged).
When nothing changed the answer is a 204, which htmx swaps nowhere, after the login lookup
and one indexed statement: no sidebar, no rendering. Otherwise it is the list as any of its
htmx answers are, drawn at the new version.

The version of a page:

- one list: the list's `version` (grown by a trigger on every write to its tasks) and the
  user's role in it, read from list_members by (user, list) and the list by its key;
- a page spanning lists (all tasks, the smart views, "Assigned to me", a search): a few
  sums over the user's member lists, read through the members index and the lists' keys.
  The versions' total grows with any write to any of them; the number of lists and the
  total of their ids change when the user joins or leaves one (or one is deleted); the
  number they only view changes with a role.
"""

from __future__ import annotations

from flask import Response, abort, g, request
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from ..db import get_session
from ..htmx import wants_fragment
from ..models import ListMember, Role, TaskList, User
from .counts import Sidebar, request_sidebar
from .listing import BadListQuery, ListQuery, parse_list_query
from .responses import render_list_fragment

#: The query parameter a poll carries: the version its page shows.
VERSION_PARAM = "version"


def _list_version(version: int, role: str) -> str:
    return f"{version}{Role(role).value[0]}"


def _spanning_version(total: int, lists: int, ids: int, viewed: int) -> str:
    return f"{total}.{lists}.{ids}.{viewed}"


def sidebar_version(sidebar: Sidebar, query: ListQuery) -> str | None:
    """The page's version read off the sidebar, which the page reads anyway (the same
    lists, the same sums as `page_version`): no statement of its own. None for a list the
    user is not a member of (its page is a 404)."""
    if query.list_id is not None:
        item = next((i for i in sidebar.lists if i.id == query.list_id), None)
        return None if item is None else _list_version(item.version, item.role)
    return _spanning_version(
        sum(item.version for item in sidebar.lists),
        len(sidebar.lists),
        sum(item.id for item in sidebar.lists),
        sum(1 for item in sidebar.lists if item.role == Role.VIEWER),
    )


def list_version(session: Session, user: User, list_id: int) -> str:
    """The version of one list's page: its version and the user's role in it. NotFound when
    the user is not a member (or the list is deleted), like the page itself."""
    row = session.execute(
        select(TaskList.version, ListMember.role)
        .join(ListMember, ListMember.list_id == TaskList.id)
        .where(
            ListMember.user_id == user.id,
            ListMember.list_id == list_id,
            TaskList.deleted_at.is_(None),
        )
    ).first()
    if row is None:
        raise NotFound()
    version, role = row
    return _list_version(version, role)


def spanning_version(session: Session, user: User) -> str:
    """The version of a page spanning the user's lists, in one statement (see the module's
    docstring for what each part follows)."""
    total, lists, ids, viewed = session.execute(
        select(
            func.coalesce(func.sum(TaskList.version), 0),
            func.count(),
            func.coalesce(func.sum(TaskList.id), 0),
            func.coalesce(func.sum(case((ListMember.role == Role.VIEWER.value, 1), else_=0)), 0),
        )
        .select_from(ListMember)
        .join(TaskList, TaskList.id == ListMember.list_id)
        .where(ListMember.user_id == user.id, TaskList.deleted_at.is_(None))
    ).one()
    return _spanning_version(total, lists, ids, viewed)


def page_version(session: Session, user: User, query: ListQuery) -> str:
    """The version the page for `query` is drawn at."""
    if query.list_id is not None:
        return list_version(session, user, query.list_id)
    return spanning_version(session, user)


def answer_poll() -> Response | None:
    """Called first by the list's route. For a poll: a 204 when the page's version is the
    current one, else the list drawn anew (without pushing a URL into the history). For any
    other request of the list: None, after noting the version the page is about to be drawn
    at (read before its tasks, so a change made meanwhile shows at the next poll rather than
    never)."""
    try:
        query = parse_list_query(request.args)
    except BadListQuery:
        if VERSION_PARAM in request.args:
            abort(400)
        return None  # the list's route says what is wrong
    session = get_session()
    if VERSION_PARAM in request.args and wants_fragment():
        version = page_version(session, current_user, query)
        if request.args[VERSION_PARAM] == version:
            return Response(status=204)
        g.live_version = version
        return render_list_fragment(query)
    g.live_version = sidebar_version(request_sidebar(session, current_user), query)
    g.list_query = query  # parsed once: the list's route takes it from here
    return None
