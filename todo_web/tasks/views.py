"""Task routes. Each works as a plain form POST answered with a redirect, and as an htmx
request answered with just the fragment that changed (the same partials build the page).

Views parse the request, call the query functions with the session and the user, commit
once, and render. A task that is not the current user's is a 404, like a missing one.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ..db import get_session
from ..htmx import wants_fragment
from ..models import Task
from ..safe_redirect import safe_next_path
from ..timezones import local_now
from . import queries
from .forms import TaskForm
from .listing import BadListQuery, ListQuery, parse_list_query
from .presets import offer_current_rule, recurrence_for_form, repeat_choice_for_rule

bp = Blueprint("tasks", __name__)


@bp.before_request
@login_required
def require_login() -> None:
    """Every task route needs a logged-in user."""


# -- helpers -------------------------------------------------------------------------------


def _task_or_404(task_id: int, *, include_deleted: bool = False) -> Task:
    task = queries.get_task(get_session(), current_user, task_id, include_deleted=include_deleted)
    if task is None:
        abort(404)
    return task


def _current_list_query() -> ListQuery:
    """The list the user is looking at: from the page URL htmx reports, else the defaults."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if current.path.rstrip("/") != "/tasks":
        return ListQuery()
    try:
        return parse_list_query(MultiDict(parse_qsl(current.query, keep_blank_values=True)))
    except BadListQuery:
        return ListQuery()


def _back(default: str = "/tasks") -> Response:
    """Redirect after a plain form POST: to the form's `next` if it is a local path."""
    return redirect(safe_next_path(request.form.get("next")) or default)


def _list_context(query: ListQuery) -> dict[str, object]:
    session = get_session()
    return {
        "query": query,
        "page": queries.list_tasks(session, current_user, query),
        "counts": queries.status_counts(session, current_user),
        "tag_names": queries.user_tag_names(session, current_user),
        "today": local_now(current_user.timezone).date(),
    }


def _render_list_fragment(query: ListQuery, status: int = 200, extra: str = "") -> Response:
    """The list, plus out-of-band updates of the counts and (unless the filter form itself
    asked, where it would clobber what is being typed) of the filter form."""
    html = render_template(
        "tasks/_list.html",
        fragment=True,
        refresh_filters=request.headers.get("HX-Trigger") != "filters",
        **_list_context(query),
    )
    return make_response(html + extra, status)


def _counts_oob() -> str:
    counts = queries.status_counts(get_session(), current_user)
    return render_template("tasks/_counts.html", counts=counts, oob=True)


def _toast_oob(message: str, category: str = "success", undo_task_id: int | None = None) -> str:
    return render_template(
        "_toast_oob.html", message=message, category=category, undo_task_id=undo_task_id
    )


def _render_task(task: Task, extra: str = "", status: int = 200) -> Response:
    today = local_now(current_user.timezone).date()
    return make_response(
        render_template("tasks/_task.html", task=task, today=today) + extra, status
    )


# -- the list ------------------------------------------------------------------------------


@bp.get("/tasks")
def index() -> Response | str:
    try:
        query = parse_list_query(request.args)
    except BadListQuery as error:
        if wants_fragment():
            return _render_list_fragment(ListQuery(), 400, _toast_oob(str(error), "error"))
        flash(str(error), "error")
        return make_response(
            render_template("tasks/index.html", form=TaskForm(), **_list_context(ListQuery())),
            400,
        )
    if wants_fragment():
        response = _render_list_fragment(query)
        # The URL to push is the tidy one, without the form's empty and default fields.
        response.headers["HX-Push-Url"] = query.url(page=query.page)
        return response
    return render_template("tasks/index.html", form=TaskForm(), **_list_context(query))


@bp.post("/tasks")
def create() -> Response:
    form = TaskForm()
    if not form.validate_on_submit():
        if wants_fragment():
            response = make_response(render_template("tasks/_create_form.html", form=form), 400)
            response.headers["HX-Retarget"] = "#create-form"
            response.headers["HX-Reswap"] = "outerHTML"
            return response
        return make_response(
            render_template("tasks/index.html", form=form, **_list_context(ListQuery())), 400
        )
    session = get_session()
    task = queries.create_task(session, current_user, form.to_data(recurrence_for_form(form, None)))
    session.commit()
    if wants_fragment():
        fresh_form = render_template(
            "tasks/_create_form.html", form=TaskForm(formdata=None), oob=True
        )
        return _render_list_fragment(
            _current_list_query(), extra=fresh_form + _toast_oob(f"Added “{task.title}”.")
        )
    flash(f"Added “{task.title}”.", "success")
    return _back()


# -- one task ------------------------------------------------------------------------------


@bp.get("/tasks/<int:task_id>")
def detail(task_id: int) -> Response | str:
    task = _task_or_404(task_id)
    if wants_fragment():
        return _render_task(task)
    return render_template(
        "tasks/detail.html", task=task, today=local_now(current_user.timezone).date()
    )


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
def edit(task_id: int) -> Response | str:
    task = _task_or_404(task_id)
    form = TaskForm(obj=task) if request.method == "GET" else TaskForm()
    offer_current_rule(form, task.recurrence)
    if request.method == "GET":
        _fill_form_from_task(form, task)
    elif form.validate():
        session = get_session()
        queries.update_task(
            session, current_user, task, form.to_data(recurrence_for_form(form, task.recurrence))
        )
        session.commit()
        if wants_fragment():
            return _render_task(task, _counts_oob() + _toast_oob("Saved."))
        flash("Saved.", "success")
        return _back()
    status = 400 if form.errors else 200
    template = "tasks/_task_edit.html" if wants_fragment() else "tasks/edit.html"
    return make_response(render_template(template, form=form, task=task), status)


def _fill_form_from_task(form: TaskForm, task: Task) -> None:
    form.priority.data = task.priority.label
    form.status.data = task.status
    form.tags.data = ", ".join(tag.name for tag in task.tags)
    form.repeat.data = repeat_choice_for_rule(task.recurrence)


@bp.post("/tasks/<int:task_id>/toggle")
def toggle(task_id: int) -> Response:
    task = _task_or_404(task_id)
    queries.toggle_task(task)
    get_session().commit()
    if wants_fragment():
        return _render_task(task, _counts_oob())
    return _back()


@bp.post("/tasks/<int:task_id>/delete")
def delete(task_id: int) -> Response:
    task = _task_or_404(task_id)
    queries.soft_delete(task)
    get_session().commit()
    if wants_fragment():
        toast = _toast_oob(f"Deleted “{task.title}”.", "info", undo_task_id=task.id)
        return make_response(_counts_oob() + toast)
    flash(str(task.id), "undo")
    return _back()


@bp.post("/tasks/<int:task_id>/restore")
def restore(task_id: int) -> Response:
    task = _task_or_404(task_id, include_deleted=True)
    queries.restore(task)
    get_session().commit()
    if wants_fragment():
        response = _render_list_fragment(
            _current_list_query(), extra=_toast_oob(f"Restored “{task.title}”.")
        )
        response.headers["HX-Retarget"] = "#task-list"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    flash(f"Restored “{task.title}”.", "success")
    return _back(url_for("tasks.index"))
