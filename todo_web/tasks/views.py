"""Task routes. Each works as a plain form POST answered with a redirect, and as an htmx
request answered with just the fragment that changed (the same partials build the page).

Views parse the request, call the database functions (reading, lifecycle, ...) with the
session and the user, commit once, and answer through responses.py. A task that is not the
current user's is a 404, like a missing one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from .. import notifications, recurrence
from ..access import Need, list_for, read_reach, task_for
from ..dates import short_date
from ..db import get_session
from ..errors import render_error
from ..htmx import push_url, retarget, wants_fragment
from ..lists.members import assignable_members, members_of
from ..lists.queries import user_lists
from ..models import Task, TaskList
from ..timezones import local_now
from ..toasts import Toast, flash_toast, render_toast_oob, toast_oob
from . import lifecycle, live, submissions
from .bulk import (
    BulkError,
    UnknownTasks,
    apply_bulk,
    describe,
    parse_bulk_request,
    source_lists,
    undo_for,
)
from .forms import TaskForm, chosen_id, is_id
from .listing import BadListQuery, ListQuery, parse_list_query
from .placing import parent_choices, parse_id, spot_for_edit, spot_for_new
from .reading import task_family
from .responses import (
    back,
    counts_oob,
    current_list_query,
    list_context,
    on_list_page,
    remove_gone_row,
    render_list_fragment,
    render_task,
)
from .tree import TreeError

bp = Blueprint("tasks", __name__)


@bp.before_request
@login_required
def require_login() -> None:
    """Every task route needs a logged-in user."""


# -- helpers -------------------------------------------------------------------------------


class AssigneeRefused(Exception):
    """The form names an assignee the task's list does not allow (its field says why)."""


def _task_or_404(task_id: int, need: Need = Need.EDIT, *, include_deleted: bool = False) -> Task:
    """The task for what the route is about to do: 404 when the user cannot see it, 403
    when they may not do that (see todo_web.access)."""
    return task_for(get_session(), current_user, task_id, need, include_deleted=include_deleted)


def _row_task(task_id: int, need: Need = Need.EDIT) -> Task:
    """The task a row's button or link acts on. When it is gone and the request is htmx
    from the list page, the answer (still a 404) removes its row and says so, instead of
    leaving a row whose every button answers "nothing here"."""
    try:
        return _task_or_404(task_id, need)
    except NotFound:
        if wants_fragment() and on_list_page():
            abort(remove_gone_row(task_id))
        raise


def task_list_of(task: Task) -> TaskList:
    return list_for(get_session(), current_user, task.list_id, Need.EDIT)


def _offer(form: TaskForm, task: Task | None = None, list_id: int | None = None) -> TaskForm:
    """The form with its list and parent pickers filled. Only the lists the user may add
    to (their own and those shared with them to edit) and their tasks are offered: a
    refused form that named another list shows nothing of it."""
    session = get_session()
    editable = set(read_reach(session, current_user).editable_list_ids())
    lists = [
        item
        for item in user_lists(session, current_user)
        if item.owner_id == current_user.id or item.id in editable
    ]
    visible = {item.id for item in lists}
    candidates = [
        chosen_id(form.list.data) if is_id(form.list.data, blank_ok=False) else None,
        list_id,
        task.list_id if task else None,
    ]
    list_id = next((c for c in candidates if c in visible), lists[0].id)
    if not is_id(form.list.data, blank_ok=False) or chosen_id(form.list.data) not in visible:
        form.list.data = str(list_id)
    chosen = next(item for item in lists if item.id == list_id)
    members = members_of(session, chosen) if not chosen.is_inbox else []
    return form.offer(lists, parent_choices(session, list_id, task), members)


# -- the list ------------------------------------------------------------------------------


@bp.get("/tasks")
def index() -> Response | str:
    # A poll of the page (live.py): a 204 when nothing changed, before anything else is read.
    polled = live.answer_poll()
    if polled is not None:
        return polled
    try:
        query = g.pop("list_query", None) or parse_list_query(request.args)
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
    form = TaskForm(formdata=None)
    try:
        parent_id = parse_id(request.args.get("parent"), "parent")
        list_id = parse_id(request.args.get("list"), "list") or current_list_query().list_id
    except TreeError as error:
        return render_error(400, str(error))
    if parent_id is not None:
        parent = _task_or_404(parent_id)
        form.parent.data, list_id = str(parent.id), parent.list_id
    elif "list" in request.args and list_id is not None:
        list_for(get_session(), current_user, list_id, Need.EDIT)  # 404 / 403
    _offer(form, list_id=list_id)
    if wants_fragment():
        return render_template("tasks/_create_form.html", form=form)
    return render_template("tasks/new.html", form=form)


@bp.post("/tasks")
def create() -> Response:
    form = TaskForm()
    session = get_session()
    spot = None
    error = None
    try:
        key = submissions.submitted_key()
    except submissions.BadKey as bad_key:
        return render_error(400, str(bad_key))
    made = True
    if form.validate_on_submit():
        try:
            spot = spot_for_new(
                session,
                current_user,
                chosen_id(form.list.data),
                chosen_id(form.parent.data),
                current_list_query().list_id,
            )
            if form.assignee.data and not form.check_assignee(
                assignable_members(session, spot.task_list)
            ):
                raise AssigneeRefused()
            task, made = submissions.create_once(
                session,
                current_user,
                key,
                lambda key: lifecycle.create_task(
                    session,
                    current_user,
                    form.to_data(),
                    spot.task_list,
                    spot.parent,
                    idempotency_key=key,
                ),
            )
        except TreeError as tree_error:
            session.rollback()
            error = str(tree_error)
            form.parent.errors = [error]
        except AssigneeRefused:
            error = form.assignee.errors[0]
    if spot is None or error is not None:
        _offer(form)
        if wants_fragment():
            response = make_response(render_template("tasks/_create_form.html", form=form), 400)
            retarget(response, "#create-form")
            return response
        return make_response(
            render_template("tasks/index.html", form=form, **list_context(ListQuery())), 400
        )
    if made:  # else the same form was sent before: answered as then, nothing new
        notifications.task_changed(session, current_user, task, "created")
        notifications.task_assigned(session, current_user, task)
        session.commit()
    if wants_fragment():
        fresh_form = render_template(
            "tasks/_create_form.html",
            form=_offer(TaskForm(formdata=None), list_id=task.list_id),
            oob=True,
        )
        return render_list_fragment(
            current_list_query(), extra=fresh_form + toast_oob(f"Added “{task.title}”.")
        )
    flash(f"Added “{task.title}”.", "success")
    return back()


# -- one task ------------------------------------------------------------------------------


@bp.get("/tasks/<int:task_id>")
def detail(task_id: int) -> Response | str:
    task = _row_task(task_id, Need.VIEW)
    if wants_fragment():
        return render_task(task)
    return render_template(
        "tasks/detail.html",
        task=task,
        today=local_now(current_user.timezone).date(),
        **task_family(get_session(), task),
    )


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
def edit(task_id: int) -> Response | str:
    task = _row_task(task_id, Need.VIEW if request.method == "GET" else Need.EDIT)
    if request.method == "GET":
        form = TaskForm.for_task(task)
    else:
        form = TaskForm(custom_rule=TaskForm.custom_rule_of(task))
        if form.validate():
            session = get_session()
            old_list_id, old_assignee_id = task.list_id, task.assignee_id
            try:
                spot = spot_for_edit(session, current_user, task, request.form)
                if form.assignee.data:  # someone named: may they be assigned there?
                    target = spot.task_list if spot is not None else task_list_of(task)
                    if not form.check_assignee(assignable_members(session, target)):
                        raise AssigneeRefused()
                if spot is not None:
                    lifecycle.move_task(session, task, spot.task_list, spot.parent, None)
            except TreeError as error:
                session.rollback()
                form.parent.errors = [str(error)]
            except AssigneeRefused:
                pass  # the field says why; nothing was changed
            else:
                lifecycle.update_task(session, current_user, task, form.to_data())
                notifications.task_changed(session, current_user, task, "updated")
                if task.assignee_id != old_assignee_id:
                    notifications.task_assigned(session, current_user, task)
                session.commit()
                # Moved to another list: Undo moves it (with its subtasks) back.
                saved = Toast("Saved.")
                if task.list_id != old_list_id:
                    saved = Toast(
                        f"Moved to {spot.task_list.name}." if spot else "Saved.",
                        undo_ids=(task.id,),
                        undo_action="move_to_list",
                        undo_value=str(old_list_id),
                    )
                if wants_fragment():
                    if spot is not None:  # moved: its place in the list changed
                        response = render_list_fragment(
                            current_list_query(), extra=render_toast_oob(saved)
                        )
                        return retarget(response, "#task-list")
                    return render_task(task, counts_oob() + render_toast_oob(saved))
                flash_toast(saved)
                return back()
    _offer(form, task)
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
    task = _row_task(task_id)
    wanted = request.form.get("state", "")
    if wanted not in {"", "completed", "pending"}:
        return render_error(400, "state must be completed or pending.")
    session = get_session()
    completion = None
    changed = False
    if not wanted or (wanted == "completed") != task.is_completed:
        completion = lifecycle.toggle_task(session, current_user, task)
        notifications.task_changed(session, current_user, task, "updated")
        changed = True
    session.commit()
    successor = completion.successor if completion else None
    # A completion says so, with an Undo (a bulk reopen of exactly what it completed, which
    # answers with the whole list, so it works from wherever the user has gone since).
    undo_ids = list(completion.completed_ids) if completion else []
    if wants_fragment():
        extra = ""
        if completion is not None:
            extra = toast_oob(
                f"Completed “{task.title}”."
                if successor is None
                else f"Done. Next: {short_date(successor.due_date, year=False)}.",
                undo_ids=None if successor else undo_ids,
                undo_action="reopen",
            )
        # A new occurrence, subtasks completed along, or a parent's progress: the rows
        # around it change too, so the list comes back, not just this row.
        if changed and (successor is not None or len(undo_ids) > 1 or task.parent_id):
            response = render_list_fragment(current_list_query(), extra=extra)
            return retarget(response, "#task-list")
        return render_task(task, counts_oob() + extra)
    if completion is not None and successor is None:
        flash_toast(Toast("Task completed.", undo_ids=tuple(undo_ids), undo_action="reopen"))
    return back()


@bp.post("/tasks/<int:task_id>/delete")
def delete(task_id: int) -> Response:
    task = _row_task(task_id)
    session = get_session()
    lifecycle.soft_delete(session, task)
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
    lifecycle.restore(get_session(), task)
    get_session().commit()
    if wants_fragment():
        response = render_list_fragment(
            current_list_query(), extra=toast_oob(f"Restored “{task.title}”.")
        )
        retarget(response, "#task-list")
        return response
    flash(f"Restored “{task.title}”.", "success")
    return back(url_for("tasks.index"))


@bp.post("/tasks/<int:task_id>/move")
def move(task_id: int) -> Response:
    """Put the task just before the sibling `before` (blank: last) under `parent` (blank:
    top level; left out: its parent now): drag and drop, indent and outdent, and the
    move up/down buttons all post here. Its subtasks go along."""
    task = _row_task(task_id)
    session = get_session()
    try:
        before_id = parse_id(request.form.get("before"), "before")
        parent_id = (
            parse_id(request.form.get("parent"), "parent")
            if "parent" in request.form
            else task.parent_id
        )
        parent = _task_or_404(parent_id) if parent_id is not None else None
        before = _task_or_404(before_id, Need.VIEW) if before_id is not None else None
        lifecycle.move_task(session, task, task_list_of(task), parent, before)
    except TreeError as error:
        session.rollback()
        return _move_error(str(error))
    session.commit()
    if wants_fragment():
        return retarget(render_list_fragment(current_list_query()), "#task-list")
    return back()


def _move_error(message: str) -> Response:
    if wants_fragment():
        response = render_list_fragment(current_list_query(), 400, toast_oob(message, "error"))
        return retarget(response, "#task-list")
    return render_error(400, message)


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
    sources = source_lists(session, current_user, bulk_request)
    try:
        tasks = apply_bulk(session, current_user, bulk_request)
    except UnknownTasks:
        session.rollback()
        if wants_fragment() and on_list_page():
            # Some were deleted meanwhile (another tab): the list as it is now, and why.
            message = "Some of the selected tasks no longer exist. Nothing was changed."
            response = render_list_fragment(current_list_query(), 404, toast_oob(message, "info"))
            return retarget(response, "#task-list")
        abort(404)
    session.commit()
    message = describe(bulk_request, len(tasks))
    undo = undo_for(bulk_request, tasks, sources)
    if wants_fragment():
        toast = (
            toast_oob(message) if undo is None else render_toast_oob(replace(undo, message=message))
        )
        response = render_list_fragment(current_list_query(), extra=toast)
        retarget(response, "#task-list")
        return response
    if undo is not None:
        flash_toast(undo)
    else:
        flash(message, "success")
    return back()
