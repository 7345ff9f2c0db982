"""The settings page: several small forms, each posting to its own endpoint.

A plain POST redirects back to /settings with a message (or re-renders the page with the
form's errors and a 400). An htmx POST gets just that form's section back.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm

from ..auth.login import renew_login
from ..db import get_session
from ..htmx import send_page_to, wants_fragment
from ..models import User
from . import service
from .forms import DeleteAccountForm, NotificationsForm, PasswordForm, ProfileForm

bp = Blueprint("settings", __name__)


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _blank_forms(user: User) -> dict[str, FlaskForm]:
    """Every form filled from the account, ignoring the posted data (formdata=None)."""
    return {
        "profile": ProfileForm(formdata=None, obj=user),
        "notifications": _notifications_form(user),
        "password": PasswordForm(formdata=None),
        "delete": DeleteAccountForm(formdata=None),
    }


def _notifications_form(user: User) -> NotificationsForm:
    form = NotificationsForm(formdata=None, obj=user)
    form.reminder_hour.data = str(user.reminder_hour)
    return form


def _answer(section: str, form: FlaskForm, *, ok: bool, message: str | None = None) -> Response:
    """Success: redirect (or the section, saved). Failure: the page or section, 400."""
    if ok and not wants_fragment():
        flash(message or "Saved.", "success")
        return redirect(url_for("settings.index") + f"#settings-{section}")
    status = 200 if ok else 400
    if wants_fragment():
        if ok:  # a fresh, empty form (password fields must not come back filled)
            form = _blank_forms(_user())[section]
        html = render_template(
            f"settings/_{section}.html", form=form, saved_message=message if ok else None
        )
        return make_response(html, status)
    forms = _blank_forms(_user())
    forms[section] = form
    return make_response(render_template("settings/index.html", forms=forms), status)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def index() -> Response:
    """GET: the page. POST: the profile form (name, time zone)."""
    form = ProfileForm(obj=_user())
    if not form.is_submitted():
        return make_response(render_template("settings/index.html", forms=_blank_forms(_user())))
    if not form.validate():
        return _answer("profile", form, ok=False)
    db = get_session()
    service.update_profile(db, _user(), name=form.name.data, timezone=form.timezone.data)
    db.commit()
    return _answer("profile", form, ok=True, message="Your profile has been saved.")


@bp.post("/settings/notifications")
@login_required
def notifications() -> Response:
    form = NotificationsForm()
    if not form.validate():
        return _answer("notifications", form, ok=False)
    db = get_session()
    service.update_notifications(
        db,
        _user(),
        task_changes=form.notify_task_changes.data,
        daily_digest=form.notify_daily_digest.data,
        reminder_hour=form.chosen_reminder_hour,
    )
    db.commit()
    return _answer("notifications", form, ok=True, message="Your mail settings have been saved.")


@bp.post("/settings/password")
@login_required
def password() -> Response:
    form = PasswordForm()
    if not form.validate():
        return _answer("password", form, ok=False)
    db = get_session()
    user = _user()
    if not service.change_password(
        db, user, current=form.current_password.data, new=form.password.data
    ):
        form.current_password.errors.append("That is not your current password.")
        return _answer("password", form, ok=False)
    db.commit()
    renew_login(user)
    return _answer(
        "password",
        form,
        ok=True,
        message="Your password has been changed. Every other session has been logged out.",
    )


@bp.post("/settings/delete")
@login_required
def delete() -> Response:
    form = DeleteAccountForm()
    if not form.validate():
        return _answer("delete", form, ok=False)
    db = get_session()
    if not service.delete_account(db, _user(), password=form.password.data):
        form.password.errors.append("That is not your password. Your account was not deleted.")
        return _answer("delete", form, ok=False)
    db.commit()
    logout_user()
    session.clear()
    flash("Your account and all its tasks have been deleted.", "info")
    login_url = url_for("auth.login")
    if wants_fragment():
        return send_page_to(make_response("", 204), login_url)
    return redirect(login_url)
