"""Password hashing: HMAC-SHA256 pre-hash, then bcrypt.

bcrypt reads at most 72 bytes and bcrypt 5 raises on more. Truncating would let two
passwords that share their first 72 bytes log in as each other, so every password is first
reduced to a 44-byte base64 digest. The HMAC key is a fixed label, not the app's
SECRET_KEY: rotating SECRET_KEY must not lock every user out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import bcrypt

_PREHASH_KEY = b"todo-web password prehash v1"

#: A valid hash of a random password, checked against when the e-mail is unknown so that a
#: login for a missing account takes as long as one with a wrong password.
_DUMMY_HASH: dict[int, bytes] = {}


def _prehash(password: str) -> bytes:
    digest = hmac.new(_PREHASH_KEY, password.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest)


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=rounds)).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except ValueError:  # a malformed stored hash: never a match, never a 500
        return False


def burn_check(password: str, rounds: int) -> None:
    """Spend the time of one password check; used when there is no user to check against."""
    if rounds not in _DUMMY_HASH:
        _DUMMY_HASH[rounds] = bcrypt.hashpw(b"not a password", bcrypt.gensalt(rounds=rounds))
    bcrypt.checkpw(_prehash(password), _DUMMY_HASH[rounds])
