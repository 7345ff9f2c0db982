"""Signed, expiring, single-use links for mails (password reset, login unlock).

A token is an itsdangerous timed signature over a user's id and a keyed fingerprint of
some of that user's state. It therefore expires (the link's `max_age`) and works once, as
long as using it changes that state: the reset link covers the password hash, which the
new password replaces. Every link issued before the change (the used one included)
stops matching. Nothing about a token is stored on the server.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from ..models import User


@dataclass(frozen=True)
class SignedLink:
    """One kind of link. `salt` keeps kinds apart (a reset token is no unlock token);
    `state` is what using the link changes."""

    salt: str
    state: Callable[[User], str]
    max_age: int  # seconds

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    def _fingerprint(self, user: User) -> str:
        """Keyed, so the (readable) token payload reveals nothing about the state."""
        key = f"{self.salt}:{current_app.config['SECRET_KEY']}".encode()
        return hmac.new(key, self.state(user).encode(), hashlib.sha256).hexdigest()[:32]

    def token(self, user: User) -> str:
        """A token for `user`. Costs the same for a stand-in user that was never saved (a
        caller doing equal work for unknown addresses relies on that)."""
        return self._serializer().dumps({"user": user.id, "fp": self._fingerprint(user)})

    def user_for(self, session: Session, token: str, max_age: int | None = None) -> User | None:
        """The user a still-valid token belongs to; None if forged, expired or used."""
        try:
            data: Any = self._serializer().loads(
                token, max_age=self.max_age if max_age is None else max_age
            )
        except BadData:
            return None
        if not isinstance(data, dict):
            return None
        user_id, fingerprint = data.get("user"), data.get("fp")
        if not isinstance(user_id, int) or not isinstance(fingerprint, str):
            return None
        user = session.get(User, user_id)
        if user is None or not hmac.compare_digest(self._fingerprint(user), fingerprint):
            return None
        return user
