"""Template helpers for showing tasks: due dates in words, list URLs for `next`."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from urllib.parse import quote_plus, urlsplit

from flask import has_request_context, request, url_for
from flask_login import current_user

from .. import recurrence
from ..dates import long_date, short_date, weekday_name
from ..db import get_session
from ..htmx import current_url, is_htmx, wants_fragment
from ..models import MAX_DEPTH, OPEN_STATUSES, REMIND_LABELS, TaskList
from .counts import SidebarList, request_sidebar
from .listing import DUE_LABELS, SORT_LABELS, STATUS_LABELS, VIEW_LABELS, ListQuery, view_url
from .reading import ShownTask
from .submissions import new_key
from .views import bp

#: A fresh key for each create form drawn (todo_web.tasks.submissions).
bp.add_app_template_global(new_key, "new_idempotency_key")


@bp.app_template_filter("due_label")
def due_label(task: ShownTask, today: date) -> str:
    """ "Today", "Tomorrow", "Yesterday", "Mon 24 Nov" (year added when it is not this one)."""
    if task.due_date is None:
        return ""
    delta = (task.due_date - today).days
    if delta == 0:
        text = "Today"
    elif delta == 1:
        text = "Tomorrow"
    elif delta == -1:
        text = "Yesterday"
    elif 1 < delta < 7:
        text = weekday_name(task.due_date)
    else:
        text = short_date(task.due_date, year=task.due_date.year != today.year)
    if task.due_time is not None:
        text += task.due_time.strftime(" %H:%M")
    return text


bp.add_app_template_filter(short_date, "short_date")


@bp.app_template_filter("tag_query")
@lru_cache(maxsize=1024)
def tag_query(name: str) -> str:
    """The query string of a tag's list, ``tag=<name>``, quoted as Jinja's ``urlencode``
    quotes a mapping. A page shows the same few tags on many rows, hence the cache."""
    return "tag=" + quote_plus(name, safe="")


@bp.app_template_global("remind_label")
def remind_label(minutes: int) -> str:
    """ "30 minutes before", "When it is due"."""
    return REMIND_LABELS.get(minutes, f"{minutes} minutes before")


@bp.app_template_filter("describe_rule")
def describe_rule(rule: str | None, anchor: date | None = None) -> str:
    try:
        return recurrence.describe_rule(rule, anchor=anchor)
    except ValueError:
        return "custom rule"


@bp.app_template_test("overdue_on")
def is_overdue_on(task: ShownTask, today: date) -> bool:
    """Late by date (the page does not tick, so a timed task due today is shown as today)."""
    return task.due_date is not None and task.status in OPEN_STATUSES and task.due_date < today


@bp.app_context_processor
def list_url_context() -> dict[str, object]:
    def here() -> str:
        """Where a plain form POST should come back to: the page the form was shown on."""
        if request.method == "GET" and not is_htmx():
            return request.full_path.rstrip("?")
        current = current_url()
        if "://" in current:
            path = "/" + current.split("://", 1)[1].split("/", 1)[-1]
            return path if path.startswith("/tasks") else "/tasks"
        return "/tasks"

    def smart_view_counts() -> dict[str, int]:
        """Counts for the sidebar, read once per request and only when a page shows it."""
        return request_sidebar(get_session(), current_user).counts

    def sidebar_lists() -> list[SidebarList]:
        """The user's lists with their open counts (read with the counts)."""
        return request_sidebar(get_session(), current_user).lists

    return {
        "sidebar_lists": sidebar_lists,
        "max_depth": MAX_DEPTH,
        "here": here,
        # The list's address, looked up once per page: each task row builds its links from
        # it (url_for is the most expensive call a row would otherwise make).
        "tasks_url": url_for("tasks.index") if has_request_context() else "/tasks",
        "smart_view_counts": smart_view_counts,
        "view_url": view_url,
        "view_labels": VIEW_LABELS,
        "list_title": list_title,
        "active_view": active_view,
        "status_choices": list(STATUS_LABELS.items()),
        "status_labels": STATUS_LABELS,
        "due_choices": list(DUE_LABELS.items()),
        "due_labels": DUE_LABELS,
        "sort_choices": list(SORT_LABELS.items()),
    }


def list_title(query: ListQuery | None = None, current_list: TaskList | None = None) -> str:
    """The heading of the list: what it shows. The list's name, the view's name or what the
    status filter shows, and the tags it is narrowed to: "#bills" alone for the open tasks
    carrying that tag, "Inbox · #bills" within a list."""
    if query is None:
        return "Tasks"
    if current_list is not None:
        place = current_list.name
    elif query.assignee and not query.view and query.status == "open":
        place = "Assigned to me"
    elif query.view:
        place = VIEW_LABELS[query.view]
    elif query.tags and query.status == "open":
        place = ""
    else:
        place = {"open": "All open tasks", "all": "All tasks"}.get(
            query.status, STATUS_LABELS[query.status]
        )
    tags = " ".join(f"#{tag}" for tag in query.tags)
    return " · ".join(part for part in (place, tags) if part)


def _page_path() -> str:
    """The path of the page on screen: the request's own, or for htmx the page's that sent
    it (an in-place update's request is a fragment's or a form's address)."""
    if wants_fragment() and current_url():
        return urlsplit(current_url()).path
    return request.path


def active_view(query: ListQuery | None) -> str:
    """Which sidebar entry the current page is (none outside the list): a smart view's
    key, or "list-<id>" for one list.

    A tag filter makes the list a place of its own (the heading says "#tag"), as a label
    is in other task managers: no smart view is current then. Within one list the list
    stays current, filtered or not; a search, priority or due filter refines a view
    without leaving it."""
    if query is None or _page_path().rstrip("/") != "/tasks":
        return ""
    if query.list_id is not None:
        return f"list-{query.list_id}"
    if query.tags:
        return ""
    if query.assignee and not query.view:
        return "assigned" if query.status == "open" else ""
    return query.view or query.status


@bp.app_template_filter("day_heading")
def day_heading(day: date | None, today: date) -> str:
    if day is None:
        return "No date"
    delta = (day - today).days
    names = {0: "Today", 1: "Tomorrow", -1: "Yesterday"}
    prefix = names.get(delta)
    label = long_date(day)
    return f"{prefix} · {label}" if prefix else label
