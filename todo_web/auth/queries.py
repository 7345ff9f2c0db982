"""Account queries. Each takes the request's session; the view commits."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..lists.queries import create_inbox
from ..models import Outbox, User
from ..passwords import burn_check, check_password, hash_password


class EmailTaken(Exception):
    """Another account already uses this e-mail address."""


def _rounds() -> int:
    return current_app.config["BCRYPT_ROUNDS"]


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def recent_mails(session: Session, user_id: int, kind: str, *, since: datetime) -> int:
    """How many mails of `kind` were queued for the user since `since` (sent or not)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.user_id == user_id, Outbox.kind == kind, Outbox.created_at >= since)
        )
        or 0
    )


def create_user(session: Session, *, name: str, email: str, password: str) -> User:
    """Add a user and flush, so a duplicate e-mail fails here and not at commit.

    The unique index on users.email is what settles two registrations racing for one
    address; the check before it only saves a bcrypt round for the common case.
    """
    email = email.strip().lower()
    if user_by_email(session, email) is not None:
        raise EmailTaken(email)
    _end_reads(session)
    user = User(name=name, email=email, password_hash=hash_password(password, _rounds()))
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise EmailTaken(email) from exc
    create_inbox(session, user)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None, in about the same time either way."""
    user = user_by_email(session, email)
    password_hash = user.password_hash if user is not None else None
    _end_reads(session)
    if password_hash is None:
        burn_check(password, _rounds())
        return None
    return user if check_password(password, password_hash) else None


def _end_reads(session: Session) -> None:
    """End the transaction of the reads so far before bcrypt's quarter second: an open
    one would hold a pooled connection (and a pooler's server connection) idle in
    transaction. Nothing was written; loaded objects reload on their next use."""
    session.rollback()


def set_password(session: Session, user: User, password: str) -> None:
    """Store a new password and end every session and remember-me cookie of `user`.

    The view that calls this logs the current browser in again if it should stay in.
    """
    user.password_hash = hash_password(password, _rounds())
    user.rotate_session_token()
    session.flush()
