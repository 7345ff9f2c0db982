"""Password reset: the signed link and the mail that carries it.

A token is an itsdangerous timed signature over the user's id and a fingerprint of their
current password hash. It therefore expires (`RESET_MAX_AGE`) and works once: setting
the new password changes the hash, and every link issued before (this one included)
stops matching. Nothing about the token is stored on the server.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..mail import absolute_url, enqueue, render_mail
from ..models import Outbox, User
from .queries import user_by_email

RESET_MAX_AGE = 3600  # seconds
#: More requests than this within an hour queue no more mails: one account's inbox must
#: not be flooded by someone typing its address again and again.
RESET_MAILS_PER_HOUR = 3
_SALT = "todo-web password reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    """Changes whenever the password does. Keyed, so the (readable) token payload reveals
    nothing about the hash."""
    key = f"{_SALT}:{current_app.config['SECRET_KEY']}".encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "fp": _fingerprint(user)})


def user_for_reset_token(session: Session, token: str, max_age: int = RESET_MAX_AGE) -> User | None:
    """The user a still-valid token belongs to; None if forged, expired or already used."""
    try:
        data: Any = _serializer().loads(token, max_age=max_age)
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    user_id, fingerprint = data.get("user"), data.get("fp")
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    user = session.get(User, user_id)
    if user is None or not hmac.compare_digest(_fingerprint(user), fingerprint):
        return None
    return user


def request_reset(session: Session, email: str) -> None:
    """Queue a reset mail if an account has this address; say nothing either way.

    The caller commits and answers the same whether or not a mail was queued.
    """
    user = user_by_email(session, email)
    if user is None or _recent_reset_mails(session, user) >= RESET_MAILS_PER_HOUR:
        return
    link = absolute_url(url_for("auth.reset_password", token=make_reset_token(user)))
    text, html = render_mail("password_reset", user=user, link=link, minutes=RESET_MAX_AGE // 60)
    enqueue(
        session,
        kind="password_reset",
        recipient=user.email,
        user_id=user.id,
        subject="Reset your todo-web password",
        text=text,
        html=html,
    )


def _recent_reset_mails(session: Session, user: User) -> int:
    since = utcnow() - timedelta(hours=1)
    return (
        session.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(
                Outbox.user_id == user.id,
                Outbox.kind == "password_reset",
                Outbox.created_at >= since,
            )
        )
        or 0
    )
