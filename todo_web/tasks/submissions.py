"""One task per submitted create form, however often it is sent.

A create form (the full form and quick add) carries a random `idempotency_key`, new each
time the form is drawn. The task it makes keeps the key (`Task.idempotency_key`, unique
per creator), so the same form sent again (the person retried after a time-out, a
double submit, a network that replayed the request) finds that task instead of making a
second one, and is answered as the first was. Nothing is looked up before an insert: the
unique index refuses the second row, even when both requests run at once (the second one
waits for the first to commit), and only then is the task read.

A form without the field (an older page, a script) creates as before.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import KEY_MAX, Task, User

FIELD = "idempotency_key"
_KEY = re.compile(rf"[A-Za-z0-9_-]{{16,{KEY_MAX}}}")


class BadKey(ValueError):
    """The form sent a key that no form of ours draws."""

    def __init__(self) -> None:
        super().__init__(
            "This form is damaged (its submission key is not one we made): "
            "reload the page and try again."
        )


def new_key() -> str:
    """A key for a create form being drawn (a template global)."""
    return secrets.token_urlsafe(16)


def submitted_key() -> str | None:
    """The key the request's form sent, if any; BadKey when malformed."""
    key = request.form.get(FIELD)
    if key is None or key == "":
        return None
    if not _KEY.fullmatch(key):
        raise BadKey()
    return key


def create_once(
    session: Session, user: User, key: str | None, create: Callable[[str | None], Task]
) -> tuple[Task, bool]:
    """The task `create(key)` makes, and True; or, when `user` already made one with this
    key, that task and False. In that case the request's transaction was rolled back
    (nothing else of it is kept) and the caller answers as the first request did."""
    if key is None:
        return create(None), True
    try:
        return create(key), True
    except IntegrityError:
        session.rollback()
        earlier = _made_with(session, user, key)
        if earlier is None:
            raise
        return earlier, False


def _made_with(session: Session, user: User, key: str) -> Task | None:
    return session.scalar(
        select(Task).where(Task.created_by_id == user.id, Task.idempotency_key == key)
    )
