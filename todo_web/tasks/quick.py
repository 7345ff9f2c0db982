"""Quick add: one line of text becomes a task (`POST /tasks/quick`), with a live preview of
what the parser understood (`GET /tasks/quick/preview`, htmx, debounced)."""

from __future__ import annotations

from flask import Response, flash, make_response, render_template, request
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from .. import notifications
from ..db import get_session
from ..htmx import retarget, wants_fragment
from ..lists.members import Member, assignable_members
from ..lists.queries import UnknownList, list_named
from ..models import Priority, TaskList
from ..quickadd import QuickAdd, QuickAddError, parse_quick_add
from ..timezones import local_today
from ..toasts import toast_oob
from . import submissions
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
        key = submissions.submitted_key()
    except submissions.BadKey as bad_key:
        return _quick_error(text, str(bad_key))
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
    assignee: Member | None = None
    if parsed.assignee_name:
        try:
            assignee = member_named(session, spot.task_list, parsed.assignee_name)
        except UnknownMember as error:
            return _quick_error(text, str(error))
    data = TaskData(
        title=parsed.title,
        priority=Priority.from_label(parsed.priority or "medium"),
        due_date=parsed.due_date,
        due_time=parsed.due_time,
        tags=tuple(parsed.tags),
        recurrence=parsed.recurrence,
        assignee_id=assignee.user_id if assignee else None,
        remind_minutes=parsed.remind_minutes,
    )
    task, made = submissions.create_once(
        session,
        current_user,
        key,
        lambda key: create_task(session, current_user, data, spot.task_list, idempotency_key=key),
    )
    if made:  # else the same form was sent before: answered as then, nothing new
        notifications.task_changed(session, current_user, task, "created")
        notifications.task_assigned(session, current_user, task)
        session.commit()
    message = f"Added “{task.title}”" + (f" to {spot.task_list.name}." if parsed.list_name else ".")
    if wants_fragment():
        fresh = render_template("tasks/_quick_form.html", text="", oob=True)
        return render_list_fragment(current_list_query(), extra=fresh + toast_oob(message))
    flash(message, "success")
    return back()


class UnknownMember(LookupError):
    """Quick add's `@name` matches none of the people a task of the list can be assigned
    to, or several; the message names them."""


def member_named(session: Session, task_list: TaskList, name: str) -> Member:
    """The owner or editor of the list that `name` stands for, ignoring case: their full
    name, else their first name or the local part of their address, matching one person
    only. UnknownMember, naming who there is, otherwise."""
    members = assignable_members(session, task_list)
    wanted = " ".join(name.split()).casefold()
    full = [m for m in members if " ".join(m.name.split()).casefold() == wanted]
    if len(full) == 1:
        return full[0]
    matches = [
        m
        for m in members
        if (m.name.split() or [""])[0].casefold() == wanted
        or m.email.partition("@")[0].casefold() == wanted
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = " or ".join(m.name for m in matches)
        raise UnknownMember(f'“@{name}” could be {names}: write @"Full Name" to pick one.')
    names = ", ".join(m.name for m in members)
    raise UnknownMember(
        f"No one called “{name}” can be assigned tasks of {task_list.name}; "
        f"its owner and editors are: {names}."
    )


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
            preview = render_template(
                "tasks/_quick_preview.html", parsed=parsed, assignee=_preview_assignee(parsed)
            )
            return preview + render_template("tasks/_quick_input.html", text=text, oob=True)
    except QuickAddError:
        return ""
    return render_template(
        "tasks/_quick_preview.html", parsed=parsed, assignee=_preview_assignee(parsed)
    )


def _preview_assignee(parsed: QuickAdd) -> Member | None:
    """Who `@name` stands for in the list the task would go to, when that is one person
    (the chip then shows their full name; otherwise it shows what was typed)."""
    if not parsed.assignee_name:
        return None
    session = get_session()
    try:
        task_list = (
            list_named(session, current_user, parsed.list_name)
            if parsed.list_name
            else spot_for_new(
                session, current_user, None, None, current_list_query().list_id
            ).task_list
        )
        return member_named(session, task_list, parsed.assignee_name)
    except (UnknownList, UnknownMember, HTTPException):
        return None
