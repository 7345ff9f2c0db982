"""Template helpers for showing tasks: due dates in words, list URLs for `next`."""

from __future__ import annotations

from datetime import date

from flask import request

from ..models import Task
from .listing import DUE_LABELS, SORT_LABELS, STATUS_LABELS
from .queries import OPEN_STATUSES
from .views import bp


@bp.app_template_filter("due_label")
def due_label(task: Task, today: date) -> str:
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
        text = task.due_date.strftime("%A")
    else:
        fmt = "%a %-d %b" if task.due_date.year == today.year else "%a %-d %b %Y"
        text = task.due_date.strftime(fmt)
    if task.due_time is not None:
        text += task.due_time.strftime(" %H:%M")
    return text


@bp.app_template_test("overdue_on")
def is_overdue_on(task: Task, today: date) -> bool:
    """Late by date (the page does not tick, so a timed task due today is shown as today)."""
    return task.due_date is not None and task.status in OPEN_STATUSES and task.due_date < today


@bp.app_context_processor
def list_url_context() -> dict[str, object]:
    def here() -> str:
        """Where a plain form POST should come back to: the page the form was shown on."""
        if request.method == "GET" and not request.headers.get("HX-Request"):
            return request.full_path.rstrip("?")
        current = request.headers.get("HX-Current-URL", "")
        if "://" in current:
            path = "/" + current.split("://", 1)[1].split("/", 1)[-1]
            return path if path.startswith("/tasks") else "/tasks"
        return "/tasks"

    return {
        "here": here,
        "status_choices": list(STATUS_LABELS.items()),
        "status_labels": STATUS_LABELS,
        "due_choices": list(DUE_LABELS.items()),
        "due_labels": DUE_LABELS,
        "sort_choices": list(SORT_LABELS.items()),
    }
