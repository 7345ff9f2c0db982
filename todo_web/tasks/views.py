"""Task routes. Each works as a plain form POST answered with a redirect, and as an htmx
request answered with just the fragment that changed (the same partials build the page).

Views parse the request, call the database functions (reading, lifecycle, ...) with the
session and the user, commit once, and answer through responses.py. A task that is not the
current user's is a 404, like a missing one.
"""

from __future__ import annotations

from datetime import date, time

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from .. import notifications, recurrence
from ..dates import short_date
from ..db import get_session
from ..errors import render_error
from ..htmx import push_url, retarget, wants_fragment
from ..models import Task
from ..timezones import local_now
from ..toasts import Toast, flash_toast, toast_oob
from . import lifecycle
from .bulk import BulkError, UnknownTasks, apply_bulk, describe, parse_bulk_request
from .forms import TaskForm
from .listing import BadListQuery, ListQuery, parse_list_query
from .reading import get_task
from .responses import (
    back,
    counts_oob,
    current_list_query,
    list_context,
    render_list_fragment,
    render_task,
)

bp = Blueprint("tasks", __name__)


@bp.before_request
@login_required
def require_login() -> None:
    """Every task route needs a logged-in user."""


# -- helpers -------------------------------------------------------------------------------


def _task_or_404(task_id: int, *, include_deleted: bool = False) -> Task:
    task = get_task(get_session(), current_user, task_id, include_deleted=include_deleted)
    if task is None:
        abort(404)
    return task


# -- the list ------------------------------------------------------------------------------


@bp.get("/tasks")
def index() -> Response | str:
    try:
        query = parse_list_query(request.args)
    except BadListQuery as error:
        if wants_fragment():
            return render_list_fragment(ListQuery(), 400, toast_oob(str(error), "error"))
        flash(str(error), "error")
        return make_response(render_template("tasks/index.html", **list_context(ListQuery())), 400)
    if wants_fragment():
        response = render_list_fragment(query)
        # The URL to push is the tidy one, without the form's empty and default fields.
        return push_url(response, query.url(page=query.page))
    # The list page carries quick add; the form with every field comes from `new` when the
    # user opens it, which keeps its eight fields out of every page view.
    return render_template("tasks/index.html", **list_context(query))


@bp.get("/tasks/new")
def new() -> str:
    """The create form with every field: just the form for htmx (the list page loads it
    when "Add with all fields" is opened), a page of its own without JavaScript."""
    if wants_fragment():
        return render_template("tasks/_create_form.html", form=TaskForm())
    return render_template("tasks/new.html", form=TaskForm())


@bp.post("/tasks")
def create() -> Response:
    form = TaskForm()
    if not form.validate_on_submit():
        if wants_fragment():
            response = make_response(render_template("tasks/_create_form.html", form=form), 400)
            retarget(response, "#create-form")
            return response
        return make_response(
            render_template("tasks/index.html", form=form, **list_context(ListQuery())), 400
        )
    session = get_session()
    task = lifecycle.create_task(session, current_user, form.to_data())
    notifications.task_changed(session, current_user, task, "created")
    session.commit()
    if wants_fragment():
        fresh_form = render_template(
            "tasks/_create_form.html", form=TaskForm(formdata=None), oob=True
        )
        return render_list_fragment(
            current_list_query(), extra=fresh_form + toast_oob(f"Added “{task.title}”.")
        )
    flash(f"Added “{task.title}”.", "success")
    return back()


# -- one task ------------------------------------------------------------------------------


@bp.get("/tasks/<int:task_id>")
def detail(task_id: int) -> Response | str:
    task = _task_or_404(task_id)
    if wants_fragment():
        return render_task(task)
    return render_template(
        "tasks/detail.html", task=task, today=local_now(current_user.timezone).date()
    )


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
def edit(task_id: int) -> Response | str:
    task = _task_or_404(task_id)
    if request.method == "GET":
        form = TaskForm.for_task(task)
    else:
        form = TaskForm(custom_rule=TaskForm.custom_rule_of(task))
        if form.validate():
            session = get_session()
            lifecycle.update_task(session, current_user, task, form.to_data())
            notifications.task_changed(session, current_user, task, "updated")
            session.commit()
            if wants_fragment():
                return render_task(task, counts_oob() + toast_oob("Saved."))
            flash("Saved.", "success")
            return back()
    status = 400 if form.errors else 200
    template = "tasks/_task_edit.html" if wants_fragment() else "tasks/edit.html"
    return make_response(
        render_template(
            template,
            form=form,
            task=task,
            **_schedule_preview(task.recurrence, task.due_date, task.due_time),
        ),
        status,
    )


def _schedule_preview(
    rule: str | None, due_date: date | None, due_time: time | None
) -> dict[str, object]:
    tz = current_user.timezone
    return recurrence.schedule_preview(rule, due_date, due_time, tz, local_now(tz).date())


@bp.get("/tasks/repeat-preview")
def repeat_preview() -> str:
    """The next dates for the schedule fields as typed (htmx, on change; saves nothing)."""
    if request.args.get("repeat") == "custom":
        return ""  # a stored custom rule: its dates are already on the page
    try:
        due_date = date.fromisoformat(request.args.get("due_date", ""))
    except ValueError:
        due_date = None
    try:
        interval = int(request.args.get("interval") or 1)
        rule = recurrence.rule_for_repeat(request.args.get("repeat", "none"), interval)
    except ValueError as error:
        return render_template("tasks/_next_dates.html", rule_error=str(error))
    return render_template("tasks/_next_dates.html", **_schedule_preview(rule, due_date, None))


@bp.post("/tasks/<int:task_id>/toggle")
def toggle(task_id: int) -> Response:
    """Completed ⇄ pending. The button also sends the state it asks for (`state`), so a
    double click or a second tab completes once instead of completing and reopening."""
    task = _task_or_404(task_id)
    wanted = request.form.get("state", "")
    if wanted not in {"", "completed", "pending"}:
        return render_error(400, "state must be completed or pending.")
    session = get_session()
    successor = None
    completed_now = False
    if not wanted or (wanted == "completed") != task.is_completed:
        successor = lifecycle.toggle_task(session, current_user, task)
        notifications.task_changed(session, current_user, task, "updated")
        completed_now = task.is_completed
    session.commit()
    # A completion says so, with an Undo (a bulk reopen, which answers with the whole list,
    # so it works from wherever the user has gone since).
    if wants_fragment():
        if successor is not None:
            # The next occurrence joins the list: show the list, not just this row.
            message = f"Done. Next: {short_date(successor.due_date, year=False)}."
            response = render_list_fragment(current_list_query(), extra=toast_oob(message))
            return retarget(response, "#task-list")
        extra = counts_oob()
        if completed_now:
            extra += toast_oob(
                f"Completed “{task.title}”.", undo_ids=[task.id], undo_action="reopen"
            )
        return render_task(task, extra)
    if completed_now and successor is None:
        flash_toast(Toast("Task completed.", undo_ids=(task.id,), undo_action="reopen"))
    return back()


@bp.post("/tasks/<int:task_id>/delete")
def delete(task_id: int) -> Response:
    task = _task_or_404(task_id)
    session = get_session()
    lifecycle.soft_delete(task)
    notifications.task_changed(session, current_user, task, "deleted")
    session.commit()
    if wants_fragment():
        toast = toast_oob(f"Deleted “{task.title}”.", "info", undo_task_id=task.id)
        return make_response(counts_oob() + toast)
    flash_toast(Toast("Task deleted.", "info", undo_task_id=task.id))
    return back()


@bp.post("/tasks/<int:task_id>/restore")
def restore(task_id: int) -> Response:
    task = _task_or_404(task_id, include_deleted=True)
    lifecycle.restore(task)
    get_session().commit()
    if wants_fragment():
        response = render_list_fragment(
            current_list_query(), extra=toast_oob(f"Restored “{task.title}”.")
        )
        retarget(response, "#task-list")
        return response
    flash(f"Restored “{task.title}”.", "success")
    return back(url_for("tasks.index"))


# -- bulk ----------------------------------------------------------------------------------


@bp.post("/tasks/bulk")
def bulk() -> Response:
    form = request.form
    raw_ids = form.getlist("ids")
    if form.get("select_all"):
        raw_ids = raw_ids + form.getlist("page_ids")
    try:
        bulk_request = parse_bulk_request(form.get("action"), raw_ids, form.get("value"))
    except BulkError as error:
        return render_error(400, str(error))
    session = get_session()
    try:
        tasks = apply_bulk(session, current_user, bulk_request)
    except UnknownTasks:
        abort(404)
    session.commit()
    message = describe(bulk_request, len(tasks))
    undo_ids = [t.id for t in tasks] if bulk_request.action == "delete" else None
    if wants_fragment():
        response = render_list_fragment(
            current_list_query(), extra=toast_oob(message, undo_ids=undo_ids)
        )
        retarget(response, "#task-list")
        return response
    if undo_ids:
        flash_toast(Toast("Tasks deleted.", "info", undo_ids=tuple(undo_ids)))
    else:
        flash(message, "success")
    return back()
