"""Error pages in the layout, and short messages for htmx requests.

An htmx request gets a small toast fragment retargeted to the page's toast region, so the
user sees what went wrong instead of a silent nothing; a normal request gets the full page.
A database outage is a 503 with a friendly page, never a stack trace. A throttled request
(429) is told how long to wait, in words, from the limiter's own reset time, and a
refused login why (todo_web/auth/lockout.py).
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, current_app, g, make_response, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from .auth import lockout
from .auth.to_login import send_to_login
from .db import rollback_request_session
from .htmx import is_htmx, retarget
from .ratelimit import limiter
from .toasts import Toast

MESSAGES = {
    400: "The request could not be understood. Check what you entered and try again.",
    403: "You are not allowed to do that.",
    404: "There is nothing here. It may have been deleted, or the link is wrong.",
    405: "That action is not allowed here.",
    413: "That upload is too large.",
    429: "Too many attempts. Wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged; please try again.",
    503: "The service is briefly unavailable. Please try again in a few seconds.",
}

TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    429: "Slow down",
    500: "Server error",
    503: "Unavailable",
}


def render_error(status: int, message: str | None = None) -> Response:
    """The error page, or for htmx a toast. A 503 page does not ask who is logged in:
    that needs the database that is down."""
    message = message or MESSAGES.get(status, "Something went wrong.")
    title = TITLES.get(status, "Error")
    if is_htmx():
        response = make_response(
            render_template("_toast.html", toast=Toast(message, "error")), status
        )
        retarget(response, "#toasts", "beforeend")
        return response
    return make_response(
        render_template(
            "errors/error.html",
            status=status,
            title=title,
            message=message,
            db_unavailable=status == 503,
        ),
        status,
    )


def wait_in_words(seconds: float) -> str:
    """How long a wait is, as a person would say it: "less than a minute", "about a minute",
    "about 47 minutes", "about an hour", "about 5 hours"."""
    if seconds < 45:
        return "less than a minute"
    minutes = round(seconds / 60)
    if minutes <= 1:
        return "about a minute"
    if minutes < 60:
        return f"about {minutes} minutes"
    hours = round(minutes / 60)
    return "about an hour" if hours == 1 else f"about {hours} hours"


def seconds_until_allowed() -> int:
    """Seconds until every limit this request broke lets it through again (at least 1)."""
    broken = [limit for limit in limiter.current_limits if limit.breached]
    if not broken and limiter.current_limit is not None:
        broken = [limiter.current_limit]
    reset_at = max((limit.reset_at for limit in broken), default=time.time() + 1)
    return max(1, math.ceil(reset_at - time.time()))


def too_many_requests() -> Response:
    """The 429 answer: how long to wait, in the page or toast and in `Retry-After`."""
    wait = seconds_until_allowed()
    words = wait_in_words(wait)
    message = lockout.throttled_message(words) or f"Too many attempts. Try again in {words}."
    response = render_error(429, message)
    response.headers["Retry-After"] = str(wait)
    return response


def is_connection_lost(error: BaseException) -> bool:
    """A database error that says the connection died (the server restarted or dropped it)
    rather than that the statement was wrong. psycopg2 reports some of these as
    InterfaceError, which is not an OperationalError; SQLAlchemy flags them all."""
    return isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error, InterfaceError)
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        if is_htmx() and not current_user.is_authenticated:
            # Logged out in another tab: the token went with the session. What this page
            # needs is a login, not a toast saying the form expired.
            return send_to_login()
        return render_error(
            400,
            "This form has expired or did not come from this site. Reload the page and try again.",
        )

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded) -> Response:
        lockout.mail_unlock_link()
        return too_many_requests()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if error.code is None or error.code < 400:
            return error  # type: ignore[return-value]
        # A 403 raised with a message of its own (todo_web.access says why) shows it;
        # otherwise the page says ours, not Werkzeug's or an extension's.
        custom = error.code == 403 and error.description != type(error).description
        response = render_error(error.code, error.description if custom else None)
        if error.code == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeoutError)
    def database_unavailable(error: Exception) -> Response:
        current_app.logger.error("database unavailable: %s", error)
        g.database_unavailable = True
        rollback_request_session()
        response = render_error(503)
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(DBAPIError)
    @app.errorhandler(InternalServerError)
    def internal_error(error: Exception) -> Response:
        original = getattr(error, "original_exception", None) or error
        if is_connection_lost(original):
            return database_unavailable(original)
        current_app.logger.error("unhandled error", exc_info=original)
        # The page asks the database for the sidebar; after a failed statement PostgreSQL
        # refuses everything until the transaction is rolled back.
        rollback_request_session()
        return render_error(500)
