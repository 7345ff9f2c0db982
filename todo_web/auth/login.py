"""Keeping the current browser logged in after every other session was ended."""

from __future__ import annotations

from flask import current_app, request
from flask_login import login_user

from ..models import User


def renew_login(user: User) -> None:
    """Log `user` in again under their new session token.

    `User.rotate_session_token()` invalidates the cookie of this browser too. A browser
    that had a remember-me cookie gets a new one, so it is not silently logged out when
    its session ends.
    """
    cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=cookie_name in request.cookies, fresh=True)
