"""The login lookup, remembered per process for a few seconds (LOGIN_CACHE_SECONDS).

Every request of a logged-in browser needs its user and login-session rows; to a database
across the network that is a round trip of its own before the page's first query. Here
their column values are kept, per (user id, login session id), for at most
LOGIN_CACHE_SECONDS (5 by default; 0 turns it off), and the request builds its own User
from them, attached to its session without a query. Every check of the login (the user's
token, revocation, idle and absolute lifetimes) still runs, on the remembered values.

Only these two rows are kept: never list memberships or roles, which every page reads
afresh, so a member removed from a list loses it on their next request.

This process forgets a user's entries once a change to their user or login-session rows
commits (logout, a password change or reset, a revoked session, a new name or time zone,
a deleted account: any flush that touches those rows, see `init_app`), and on logout; rows
read while such a change committed are not kept (`ticket`), as they may predate it. Other
processes (gunicorn's other workers) keep theirs until they expire: a cookie logged out or
a password changed elsewhere may still be accepted there for up to LOGIN_CACHE_SECONDS.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker

from ..models import LoginSession, User

EXTENSION_KEY = "todo_web.login_cache"

#: The most logins one process remembers; the oldest go first.
MAX_ENTRIES = 4096

_USER_COLUMNS = tuple(attr.key for attr in inspect(User).column_attrs)
_SESSION_COLUMNS = tuple(attr.key for attr in inspect(LoginSession).column_attrs)


@dataclass(frozen=True)
class _Entry:
    user: dict[str, Any]
    login_session: dict[str, Any]
    expires_at: float


class LoginCache:
    """(user id, login session id) -> the two rows' values, each for `seconds`."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, str], _Entry] = OrderedDict()
        # Counts the forgets: rows read before one may be older than what it forgot.
        self._forgets = 0

    def get(self, session: Session, user_id: int, session_id: str) -> tuple[User, Any] | None:
        """The user, attached to `session` without a query, and the login session's
        values (attributes of a plain object), if remembered and fresh."""
        if not self.seconds:
            return None
        key = (user_id, session_id)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires_at <= self.clock():
                del self._entries[key]
                entry = None
        if entry is None:
            return None
        user = User(**entry.user)
        make_transient_to_detached(user)
        user = session.merge(user, load=False)
        return user, _Values(entry.login_session)

    def ticket(self) -> int:
        """Taken before reading the rows, handed to `put`."""
        return self._forgets

    def put(self, user: User, login_session: LoginSession, ticket: int) -> None:
        """Remember the rows, read after `ticket` was taken; not if anything was forgotten
        since (another request's change committed meanwhile: the rows may predate it)."""
        if not self.seconds:
            return
        entry = _Entry(
            {key: getattr(user, key) for key in _USER_COLUMNS},
            {key: getattr(login_session, key) for key in _SESSION_COLUMNS},
            self.clock() + self.seconds,
        )
        with self._lock:
            if ticket != self._forgets:
                return
            self._entries[(user.id, login_session.id)] = entry
            self._entries.move_to_end((user.id, login_session.id))
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def seen(self, user_id: int, session_id: str, at: datetime) -> None:
        """The login session was just recorded as used at `at`."""
        key = (user_id, session_id)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                values = {**entry.login_session, "last_seen_at": at}
                self._entries[key] = _Entry(entry.user, values, entry.expires_at)

    def forget_users(self, user_ids: set[int]) -> None:
        if not user_ids:
            return
        with self._lock:
            self._forgets += 1
            for key in [key for key in self._entries if key[0] in user_ids]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._forgets += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class _Values:
    """A remembered row's values as attributes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def login_cache(app: Flask | None = None) -> LoginCache:
    return (app or current_app).extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


_CHANGED = "todo_web.login_rows_changed"


def forget_at_commit(session: Session, user_id: int) -> None:
    """Forget the user's entries when `session` commits (for a change the ORM does not
    see, a Core UPDATE)."""
    session.info.setdefault(_CHANGED, set()).add(user_id)


def init_app(app: Flask, session_factory: sessionmaker[Session]) -> LoginCache:
    """Give `app` its cache, and forget a user's entries once a transaction that changed
    their user or login-session rows through the ORM commits."""
    cache = LoginCache(float(app.config["LOGIN_CACHE_SECONDS"]))
    app.extensions[EXTENSION_KEY] = cache

    @event.listens_for(session_factory, "after_flush")
    def note_login_rows(session: Session, _context: Any) -> None:
        changed: set[int] = session.info.setdefault(_CHANGED, set())
        for obj in (*session.dirty, *session.deleted):
            if isinstance(obj, User) and obj.id is not None:
                changed.add(obj.id)
            elif isinstance(obj, LoginSession):
                changed.add(obj.user_id)

    @event.listens_for(session_factory, "after_commit")
    def forget_changed(session: Session) -> None:
        cache.forget_users(session.info.pop(_CHANGED, set()))

    @event.listens_for(session_factory, "after_soft_rollback")
    def keep_nothing_noted(session: Session, _previous: Any) -> None:
        session.info.pop(_CHANGED, None)

    return cache
