"""Keeping the current browser logged in after every other session was ended."""

from __future__ import annotations

from flask import current_app, request

from ..db import get_session
from ..models import User
from . import sessions


def renew_login(user: User) -> None:
    """Log `user` in again after `User.rotate_session_token()` ended all their sessions.

    Called after the change was committed; the new login session is committed here. A
    browser that had a remember-me cookie gets a new one, so it is not silently logged out
    when its session ends.
    """
    cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    db = get_session()
    sessions.log_in(db, user, remember=cookie_name in request.cookies)
    db.commit()
