"""Login sessions kept in the database, so that they can end for good.

The Flask-Login id is ``"<user id>:<user token>:<login session id>"``. The user token ends
every session of a user at once (password change or reset); the login session row ends one
(logout), and carries the idle and absolute lifetimes. A remember-me cookie holds the same
id, so it dies with its session.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask import Response, current_app, g, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..access import shares_lists_with
from ..db import close_request_session, get_database, utcnow
from ..models import LoginSession, User
from .login_cache import forget_at_commit, login_cache

#: last_seen_at is written at most this often per session, not on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


def _lifetimes() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (
        timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        timedelta(days=config["SESSION_ABSOLUTE_DAYS"]),
    )


def log_in(db: Session, user: User, *, remember: bool = False) -> None:
    """Start a new login session for `user` in this browser; the caller commits.

    The cookie session is cleared first, so nothing from before login (a fixed session id,
    a CSRF token an attacker saw) carries over.
    """
    row = LoginSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        user_agent=(request.headers.get("User-Agent") or "")[:200],
    )
    db.add(row)
    db.flush()
    user.login_session_id = row.id
    session.clear()
    _forget_csrf_token()
    login_user(user, remember=remember, duration=_lifetimes()[1])


def _forget_csrf_token() -> None:
    """Flask-WTF keeps the request's CSRF token in `g`; after `session.clear()` it belongs to
    the old session, so a page rendered later in this request (an htmx answer after a
    password change) would carry a token that no longer passes."""
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def log_out(db: Session) -> None:
    """End the current login session for good; the caller commits."""
    session_id = getattr(current_user, "login_session_id", None)
    if session_id:
        db.execute(
            update(LoginSession)
            .where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        # Not an ORM change: forgotten now and again at the commit.
        login_cache().forget_users({current_user.id})
        forget_at_commit(db, current_user.id)
    # In this order: logout_user() leaves a note in the cookie session telling Flask-Login
    # to delete the remember-me cookie; clearing afterwards would drop that note.
    session.clear()
    _forget_csrf_token()
    logout_user()


# Built once: every request of a logged-in user runs it.
# Whether anyone shares a list with the user comes along (from the members index alone):
# most users have no such list, and their pages then skip every part that looks for one.
_USER_AND_LOGIN_SESSION = (
    select(User, LoginSession, shares_lists_with(User.id))
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), LoginSession.id == bindparam("session_id"))
)


def load_user(db: Session, login_id: str, now: datetime | None = None) -> User | None:
    """The user behind a Flask-Login id, if the id is current; None logs the browser out."""
    user_id, token, session_id = [*login_id.split(":"), "", ""][:3]
    if not user_id.isdigit() or not token or not session_id:
        return None
    cache = login_cache()
    remembered = cache.get(db, int(user_id), session_id)
    if remembered is not None:
        user, login_session = remembered
        shared_with = None  # memberships are never remembered: unknown until read
    else:
        ticket = cache.ticket()
        row = db.execute(
            _USER_AND_LOGIN_SESSION, {"user_id": int(user_id), "session_id": session_id}
        ).first()
        if row is None:
            return None
        user, login_session, shared = row
        shared_with = bool(shared)
        cache.put(user, login_session, ticket)
    now = now or utcnow()
    idle, absolute = _lifetimes()
    if (
        not hmac.compare_digest(user.session_token.encode(), token.encode())
        or login_session.revoked_at is not None
        or now - login_session.created_at > absolute
        or now - login_session.last_seen_at > idle
    ):
        return None
    if now - login_session.last_seen_at > LAST_SEEN_RESOLUTION:
        g.touch_login_session = (user.id, session_id, now)
    user.login_session_id = session_id
    user.has_shared_lists = shared_with
    return user


def touch_after_request(response: Response) -> Response:
    """Record that the login session was just used (for the idle lifetime).

    Done after the view, in a transaction of its own once the request's session is closed:
    a GET has no commit to ride on, and a view's uncommitted changes must not be committed
    by this. Written at most every LAST_SEEN_RESOLUTION per session.
    """
    pending = g.pop("touch_login_session", None)
    if pending is not None and response.status_code < 500:
        user_id, session_id, now = pending
        close_request_session()
        try:
            with get_database().engine.begin() as connection:
                connection.execute(
                    update(LoginSession)
                    .where(LoginSession.id == session_id)
                    .values(last_seen_at=now)
                )
            login_cache().seen(user_id, session_id, now)
        except SQLAlchemyError as error:
            # The answer is ready and right; a database that went away in the meantime
            # must not turn it into an error page. The next request tries again.
            current_app.logger.warning("could not record login session activity: %s", error)
    return response
