"""Throttling of the routes that attackers hammer: login, registration and reset mails.

Counters live in RATELIMIT_STORAGE_URI: process memory by default (fine for development
and a single process), a shared store such as ``redis://host:6379`` when several processes
or machines serve the app, since each would otherwise count on its own. Limits are strings
in Flask-Limiter's notation ("5 per minute; 30 per hour") read from the config, so a
deployment can tune them without code.

When the shared store cannot be reached (Redis down), Flask-Limiter falls back to counting
in the process's memory and logs a warning, and goes back to the store once it answers
again: throttling goes on per process meanwhile, and no request fails because of it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user

limiter = Limiter(key_func=get_remote_address)

DEFAULT_LIMITS = {
    # Per client address: generous, an office or a phone carrier shares one address.
    "RATELIMIT_LOGIN_PER_ADDRESS": "30 per minute; 300 per hour",
    # Failed logins only, so a user who types well is never blocked. Per account and
    # client (the browser if it logged in to the account before, else the address), and
    # per account from browsers that never did: see todo_web/auth/lockout.py.
    "RATELIMIT_LOGIN_PER_ACCOUNT_AND_CLIENT": "5 per minute; 30 per hour",
    "RATELIMIT_LOGIN_PER_ACCOUNT": "20 per hour; 100 per day",
    "RATELIMIT_REGISTER_PER_ADDRESS": "10 per hour; 50 per day",
    "RATELIMIT_RESET_PER_ADDRESS": "10 per hour",
    "RATELIMIT_RESET_PER_ACCOUNT": "3 per hour",
    # Per inviting account: each invitation may mail an address that never asked for it.
    "RATELIMIT_INVITE_PER_USER": "30 per hour; 100 per day",
    # Per account: each test notification is a request to a browser's push service.
    "RATELIMIT_PUSH_TEST_PER_USER": "10 per hour",
    # Per account: each import (a check too) may cost seconds of a worker's time.
    "RATELIMIT_IMPORT_PER_USER": "30 per hour",
}


def init_app(app: Flask) -> None:
    """Hook the one `limiter` into `app`.

    The limiter is module-level (the views' decorators are applied at import), so every app
    the process builds shares it, and Flask-Limiter keeps `RATELIMIT_ENABLED` on the
    limiter, not the app: an app built with throttling off would switch it off for all.
    So the limiter always hooks in, and `_throttling_off` reads the flag of the app that
    serves the request.
    """
    for key, value in DEFAULT_LIMITS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A shared store (Redis) that cannot be reached: count in this process's memory,
    # with a warning in the log, until it is back, rather than fail login with a 500.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    throttled = app.config.get("RATELIMIT_ENABLED", True)
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    app.config["RATELIMIT_ENABLED"] = throttled


@limiter.request_filter
def _throttling_off() -> bool:
    return not current_app.config["RATELIMIT_ENABLED"]


def configured(key: str) -> Callable[[], str]:
    """A limit read from the app's config at request time."""
    return lambda: current_app.config[key]


def account_key() -> str:
    """The account a POST is about, from any client: the e-mail typed into the form (else
    the address)."""
    email = request.form.get("email", "").strip().lower()
    return f"account:{email}" if email else f"address:{get_remote_address()}"


def user_key() -> str:
    """The logged-in account, for limits on what one account may ask for (imports,
    invitations, test notifications; each limit's scope keeps its counts apart). The
    limiter runs before the login check: a logged-out request counts per address, and is
    then sent to log in."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{get_remote_address()}"
