"""`/auth/reset`: ask for a reset link; `/auth/reset/<token>`: choose a new password."""

from __future__ import annotations

from flask import Response, flash, make_response, redirect, render_template, session, url_for

from ..db import get_session
from ..ratelimit import account_key, configured, limiter
from . import queries
from .forms import ResetPasswordForm, ResetRequestForm
from .login import renew_login
from .reset import RESET_MAX_AGE, request_reset, user_for_reset_token
from .views import bp

SENT_MESSAGE = (
    "If an account uses that address, a mail with a link to reset its password is on its "
    f"way. The link works for {RESET_MAX_AGE // 60} minutes."
)


def private(response: Response) -> Response:
    # The token is in the URL: keep it out of caches and of Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_RESET_PER_ADDRESS"), methods=["POST"])
@limiter.limit(
    configured("RATELIMIT_RESET_PER_ACCOUNT"),
    methods=["POST"],
    key_func=account_key,
    scope="reset-account",
)
def reset_request() -> Response:
    form = ResetRequestForm()
    if form.validate_on_submit():
        db = get_session()
        request_reset(db, form.email.data)
        db.commit()
        # The same answer whether or not the address has an account.
        flash(SENT_MESSAGE, "info")
        return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return make_response(render_template("auth/reset_request.html", form=form), status)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response:
    db = get_session()
    user = user_for_reset_token(db, token)
    if user is None:
        response = make_response(render_template("auth/reset_password.html", form=None), 400)
        return private(response)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        queries.set_password(db, user, form.password.data)
        db.commit()
        session.clear()
        renew_login(user)
        flash("Your password has been changed. Every other session has been logged out.", "success")
        return redirect(url_for("tasks.index"))
    status = 400 if form.errors else 200
    response = make_response(
        render_template("auth/reset_password.html", form=form, token=token), status
    )
    return private(response)
