"""How the task routes answer: the redirect after a plain form POST, and for htmx the
fragments (the list with its counts and filters, one task row, out-of-band counts)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import Response, g, make_response, redirect, render_template, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from ..access import Need, may_edit_visible_list
from ..db import get_session
from ..htmx import current_url, push_url, retarget, trigger
from ..lists.members import Member, list_and_members_for
from ..models import Task
from ..safe_redirect import safe_next_path
from ..timezones import local_now
from ..toasts import toast_oob
from .counts import request_sidebar
from .listing import BadListQuery, ListQuery, parse_list_query
from .reading import arrange, list_tasks, row_infos
from .tree import ancestor_ids

#: What a row's button says when its task has gone meanwhile.
GONE_MESSAGE = "That task no longer exists: it was deleted, perhaps in another tab."


def on_list_page() -> bool:
    """Whether the htmx request comes from the task list page (where every task has its row)."""
    return urlsplit(current_url()).path.rstrip("/") == "/tasks"


def current_list_query() -> ListQuery:
    """The list the user is looking at: from the page URL htmx reports, else the defaults."""
    current = urlsplit(current_url())
    if current.path.rstrip("/") != "/tasks":
        return ListQuery()
    try:
        return parse_list_query(MultiDict(parse_qsl(current.query, keep_blank_values=True)))
    except BadListQuery:
        return ListQuery()


def back(default: str = "/tasks") -> Response:
    """Redirect after a plain form POST: to the form's `next` if it is a local path."""
    return redirect(safe_next_path(request.form.get("next")) or default)


def list_context(query: ListQuery) -> dict[str, object]:
    """What the list page and its fragment show. A list the user cannot see is a 404."""
    session = get_session()
    current_list = None
    if query.list_id is not None:
        current_list, members = list_and_members_for(
            session, current_user, query.list_id, Need.VIEW
        )
        remember_members(current_list.id, members)
    sidebar = request_sidebar(session, current_user)
    counts = sidebar.counts
    page_counts = counts if current_list is None else {"list_open": current_list.open_count}
    page = list_tasks(session, current_user, query, counts=page_counts)
    return {
        "query": query,
        "page": page,
        "rows": arrange(
            page.tasks,
            page.infos,
            nested=query.is_manual,
            complete=not page.has_next,
            list_names=None if current_list else sidebar.list_names,
            tag_names=page.tag_names,
        ),
        "current_list": current_list,
        # A viewer's list stays as it is: no handles, no SortableJS, no keyboard moves.
        "can_reorder": query.can_reorder
        and current_list is not None
        and may_edit_visible_list(session, current_user, current_list),
        "counts": counts,
        "tag_names": sidebar.tag_names,
        "today": local_now(current_user.timezone).date(),
    }


def remember_members(list_id: int, members: list[Member]) -> None:
    """The list's members as read with it (its page): list_members answers from them."""
    g.setdefault("list_members", {})[list_id] = members if len(members) > 1 else []


def render_list_fragment(query: ListQuery, status: int = 200, extra: str = "") -> Response:
    """The list, plus out-of-band updates of the counts and (unless the filter form itself
    asked, where it would clobber what is being typed) of the filter form."""
    left = False
    try:
        context = list_context(query)
    except NotFound:
        if request.method == "GET" or query.list_id is None:
            raise
        # A change sent from a page whose list has gone since (deleted in another tab, or
        # no longer shared with the user) was made: answer with the default list, not a
        # 404 for the page's list that would say the change failed.
        query, left = ListQuery(), True
        context = list_context(query)
    html = render_template(
        "tasks/_list.html",
        fragment=True,
        refresh_filters=trigger() != "filters",
        bulk_open=trigger() == "bulk-form",
        **context,
    )
    # The heading says what the list shows, so it follows the list.
    heading = render_template("tasks/_heading.html", oob=True, **context)
    response = make_response(html + heading + extra, status)
    return push_url(response, query.url()) if left else response


def counts_oob() -> str:
    """The sidebar again, read after the request's change, still marking the view the page
    shows."""
    counts = request_sidebar(get_session(), current_user, fresh=True).counts
    return render_template(
        "tasks/_counts.html", counts=counts, query=current_list_query(), oob=True
    )


def remove_gone_row(task_id: int) -> Response:
    """The answer to a row's htmx request about a task that is gone (deleted in another tab,
    or no longer shared): still a 404, but the row goes (htmx deletes the element), the
    counts are refreshed and a toast says why."""
    response = make_response(counts_oob() + toast_oob(GONE_MESSAGE, "info"), 404)
    return retarget(response, f"#task-{task_id}", "delete")


def render_task(task: Task, extra: str = "", status: int = 200) -> Response:
    """One row, alone (after a change that moves nothing around it)."""
    today = local_now(current_user.timezone).date()
    session = get_session()
    shown_in = current_list_query()
    # In the manual order a subtask's row stays indented under its parent.
    depths = (
        {task.id: len(ancestor_ids(session, task.id))}
        if task.parent_id is not None and shown_in.is_manual
        else None
    )
    list_names = None if shown_in.list_id else request_sidebar(session, current_user).list_names
    (row,) = arrange(
        [task],
        row_infos(session, [task]),
        nested=False,
        depths=depths,
        list_names=list_names,
        tag_names={task.id: [tag.name for tag in task.tags]},
    )
    return make_response(
        render_template("tasks/_task.html", rows=[row], today=today) + extra, status
    )
