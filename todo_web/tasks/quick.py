"""Quick add: one line of text becomes a task (`POST /tasks/quick`), with a live preview of
what the parser understood (`GET /tasks/quick/preview`, htmx, debounced)."""

from __future__ import annotations

from flask import Response, flash, make_response, render_template, request
from flask_login import current_user

from .. import notifications
from ..db import get_session
from ..htmx import retarget, wants_fragment
from ..lists.queries import UnknownList, list_named
from ..models import Priority
from ..quickadd import QuickAdd, QuickAddError, parse_quick_add
from ..timezones import local_today
from ..toasts import toast_oob
from .forms import TaskForm
from .lifecycle import TaskData, create_task
from .listing import ListQuery
from .placing import Spot, spot_for_new
from .responses import back, current_list_query, list_context, render_list_fragment
from .views import bp

MAX_TEXT = 1000


def _parse(text: str) -> QuickAdd:
    if len(text) > MAX_TEXT:
        raise QuickAddError(f"Keep it under {MAX_TEXT} characters.")
    tz = current_user.timezone
    return parse_quick_add(text, today=local_today(tz), tz=tz, require_title=True)


@bp.post("/tasks/quick")
def quick_add() -> Response:
    text = request.form.get("text", "").replace("\x00", "")
    try:
        parsed = _parse(text)
    except QuickAddError as error:
        return _quick_error(text, str(error))
    session = get_session()
    try:
        spot = (
            Spot(list_named(session, current_user, parsed.list_name))
            if parsed.list_name
            else spot_for_new(session, current_user, None, None, current_list_query().list_id)
        )
    except UnknownList as error:
        return _quick_error(text, str(error))
    task = create_task(
        session,
        current_user,
        TaskData(
            title=parsed.title,
            priority=Priority.from_label(parsed.priority or "medium"),
            due_date=parsed.due_date,
            due_time=parsed.due_time,
            tags=tuple(parsed.tags),
            recurrence=parsed.recurrence,
        ),
        spot.task_list,
    )
    notifications.task_changed(session, current_user, task, "created")
    session.commit()
    message = f"Added “{task.title}”" + (f" to {spot.task_list.name}." if parsed.list_name else ".")
    if wants_fragment():
        fresh = render_template("tasks/_quick_form.html", text="", oob=True)
        return render_list_fragment(current_list_query(), extra=fresh + toast_oob(message))
    flash(message, "success")
    return back()


def _quick_error(text: str, message: str) -> Response:
    if wants_fragment():
        response = make_response(
            render_template("tasks/_quick_form.html", text=text, error=message), 400
        )
        return retarget(response, "#quick-form")
    return make_response(
        render_template(
            "tasks/index.html",
            form=TaskForm(),
            quick_text=text,
            quick_error=message,
            **list_context(ListQuery()),
        ),
        400,
    )


@bp.get("/tasks/quick/preview")
def quick_preview() -> str:
    """Chips for what the text means. `remove=N` drops recognised piece N from the text and
    sends the new text back to the input too (out of band)."""
    text = request.args.get("text", "").replace("\x00", "")
    try:
        parsed = _parse(text)
        remove = request.args.get("remove", "")
        if remove.isdigit() and int(remove) < len(parsed.tokens):
            text = parsed.without(int(remove))
            parsed = _parse(text)
            return render_template("tasks/_quick_preview.html", parsed=parsed) + render_template(
                "tasks/_quick_input.html", text=text, oob=True
            )
    except QuickAddError:
        return ""
    return render_template("tasks/_quick_preview.html", parsed=parsed)
