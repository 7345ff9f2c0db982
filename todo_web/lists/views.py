"""List routes: the lists page, create, rename, delete and its Undo (DESIGN.md, "Lists").

Each works as a plain form POST answered with a redirect; the sidebar's "New list" form
and the list page's forms need no JavaScript. A list the user cannot see is a 404 on every
route; one they may not manage, a 403 (see todo_web.access).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..access import Need, list_for
from ..db import get_session
from ..errors import render_error
from ..toasts import Toast, flash_toast
from .forms import ListForm
from .queries import (
    InboxIsFixed,
    ListNameTaken,
    create_list,
    delete_list,
    rename_list,
    restore_list,
    user_lists,
)

bp = Blueprint("lists", __name__)


@bp.before_request
@login_required
def require_login() -> None:
    """Every list route needs a logged-in user."""


def _index(form: ListForm, status: int = 200) -> Response:
    lists = user_lists(get_session(), current_user)
    return make_response(render_template("lists/index.html", form=form, lists=lists), status)


@bp.get("/lists")
def index() -> Response:
    return _index(ListForm(formdata=None))


@bp.post("/lists")
def create() -> Response:
    form = ListForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    session = get_session()
    try:
        task_list = create_list(session, current_user, form.name.data)
    except ListNameTaken as error:
        session.rollback()
        form.name.errors = [str(error)]
        return _index(form, 400)
    session.commit()
    flash(f"Made the list “{task_list.name}”.", "success")
    return redirect(url_for("tasks.index", list=task_list.id))


@bp.route("/lists/<int:list_id>/edit", methods=["GET", "POST"])
def edit(list_id: int) -> Response:
    session = get_session()
    task_list = list_for(session, current_user, list_id, Need.MANAGE)
    posted = request.method == "POST"
    form = ListForm() if posted else ListForm(obj=task_list)
    status = 200
    if posted:
        if form.validate_on_submit():
            try:
                rename_list(session, current_user, task_list, form.name.data)
            except (ListNameTaken, InboxIsFixed) as error:
                session.rollback()
                form.name.errors = [str(error)]
            else:
                session.commit()
                flash("Renamed.", "success")
                return redirect(url_for("tasks.index", list=task_list.id))
        status = 400
    html = render_template("lists/edit.html", form=form, task_list=task_list)
    return make_response(html, status)


@bp.post("/lists/<int:list_id>/delete")
def delete(list_id: int) -> Response:
    session = get_session()
    task_list = list_for(session, current_user, list_id, Need.MANAGE)
    try:
        delete_list(session, task_list)
    except InboxIsFixed as error:
        session.rollback()
        return render_error(400, str(error))
    session.commit()
    flash_toast(
        Toast(
            f"Deleted the list “{task_list.name}” and its tasks.",
            "info",
            undo_url=url_for("lists.restore", list_id=task_list.id),
        )
    )
    return redirect(url_for("tasks.index"))


@bp.post("/lists/<int:list_id>/restore")
def restore(list_id: int) -> Response:
    session = get_session()
    task_list = list_for(session, current_user, list_id, Need.MANAGE, include_deleted=True)
    try:
        restore_list(session, current_user, task_list)
    except ListNameTaken as error:
        session.rollback()
        return render_error(409, f"{error} Rename that one, then undo again.")
    session.commit()
    flash(f"Restored the list “{task_list.name}”.", "success")
    return redirect(url_for("tasks.index", list=task_list.id))
