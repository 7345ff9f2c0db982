"""`/auth/unlock/<token>`: the mailed link that lets one browser log in past the failed-
login throttle (the policy: todo_web/auth/lockout.py).

GET shows a button and changes nothing (mail scanners open links); the POST uses the link
up and makes this browser known for the account.
"""

from __future__ import annotations

from flask import Response, flash, make_response, redirect, render_template, url_for

from ..db import get_session
from . import lockout
from .forms import UnlockForm
from .reset_views import private
from .views import bp


@bp.route("/unlock/<token>", methods=["GET", "POST"])
def unlock(token: str) -> Response:
    db = get_session()
    user = lockout.user_for_unlock_token(db, token)
    if user is None:
        return private(make_response(render_template("auth/unlock.html", form=None), 400))
    email = user.email
    form = UnlockForm()
    if form.validate_on_submit():
        lockout.use_unlock_link(db, user)
        db.commit()
        lockout.remember_browser(email)
        flash(f"This browser can log in as {email} now, without waiting.", "success")
        return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    page = render_template("auth/unlock.html", form=form, token=token, email=email)
    return private(make_response(page, status))
