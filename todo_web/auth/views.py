"""Register, log in, log out.

Every unsafe request carries a CSRF token (Flask-WTF). A login starts a new session
(`session.clear()` first) so a session id fixed before login is worthless after it.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, current_user, login_required

from ..db import get_session
from ..htmx import is_htmx
from ..models import User
from ..ratelimit import account_key, configured, limiter
from ..safe_redirect import safe_next_path
from . import lockout, queries, sessions
from .forms import LoginForm, RegistrationForm
from .to_login import send_to_login

bp = Blueprint("auth", __name__, url_prefix="/auth")

WRONG_CREDENTIALS = "Incorrect e-mail or password."


def init_login_manager(app: Flask) -> LoginManager:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Please log in to see this page."
    manager.login_message_category = "info"
    # "strong" would log out phone users whenever their IP address changes.
    manager.session_protection = "basic"

    app.after_request(sessions.touch_after_request)

    @manager.user_loader
    def load_user(login_id: str) -> User | None:
        if g.get("database_unavailable"):
            return None  # rendering the 503 page must not touch the database again
        return sessions.load_user(get_session(), login_id)

    @manager.unauthorized_handler
    def unauthorized() -> Response:
        if not is_htmx():
            flash(manager.login_message, manager.login_message_category)
        return send_to_login()

    return manager


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_REGISTER_PER_ADDRESS"), methods=["POST"])
def register() -> Response | str:
    # Like login's: where to go once the account exists (an invitation's link, say).
    next_path = safe_next_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("tasks.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            user = queries.create_user(
                db, name=form.name.data, email=form.email.data, password=form.password.data
            )
            sessions.log_in(db, user)
            db.commit()
        except queries.EmailTaken:
            form.email.errors.append("An account with this e-mail address already exists.")
        else:
            lockout.remember_browser(form.email.data)
            flash(f"Welcome, {user.name}!", "success")
            return redirect(next_path or url_for("tasks.index"))
    status = 400 if form.errors else 200
    html = render_template("auth/register.html", form=form, next_path=next_path)
    return make_response(html, status)


# The three login throttles and why: todo_web/auth/lockout.py.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    configured("RATELIMIT_LOGIN_PER_ADDRESS"), methods=["POST"], exempt_when=lockout.known_browser
)
@limiter.limit(
    configured("RATELIMIT_LOGIN_PER_ACCOUNT_AND_CLIENT"),
    methods=["POST"],
    key_func=lockout.account_and_client_key,
    deduct_when=lockout.failed_login,
    on_breach=lockout.account_throttled,
    scope="login-account-client",
)
@limiter.limit(
    configured("RATELIMIT_LOGIN_PER_ACCOUNT"),
    methods=["POST"],
    key_func=account_key,
    exempt_when=lockout.known_browser,
    deduct_when=lockout.failed_login,
    on_breach=lockout.account_throttled,
    scope="login-account",
)
def login() -> Response | str:
    next_path = safe_next_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("tasks.index"))
    form = LoginForm()
    error: str | None = None
    if form.validate_on_submit():
        db = get_session()
        user = queries.authenticate(db, form.email.data, form.password.data)
        if user is not None:
            sessions.log_in(db, user, remember=form.remember.data)
            db.commit()
            lockout.remember_browser(form.email.data)
            return redirect(next_path or url_for("tasks.index"))
        error = WRONG_CREDENTIALS
    status = 400 if (form.errors or error) else 200
    return make_response(
        render_template("auth/login.html", form=form, error=error, next_path=next_path), status
    )


@bp.post("/logout")
@login_required
def logout() -> Response:
    db = get_session()
    sessions.log_out(db)
    db.commit()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
