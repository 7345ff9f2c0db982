"""Browsers' push subscriptions: checking what a browser sends, storing and removing it.

The body checked is what ``PushSubscription.toJSON()`` gives::

    {"endpoint": "https://fcm.googleapis.com/fcm/send/…", "expirationTime": null,
     "keys": {"p256dh": "<65-byte P-256 point, base64url>", "auth": "<16 bytes, base64url>"}}

Anything else is refused with a sentence saying what is wrong (`InvalidBody`), before
anything is stored. Unknown members are refused too: they mean the body is not what the
page sends.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import PUSH_ENDPOINT_MAX, PushSubscription
from .keys import b64url

USER_AGENT_MAX = 200
#: A subscription's JSON is a few hundred bytes; anything much larger is not one.
BODY_MAX = 4096

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]+")


class InvalidBody(ValueError):
    """The request body is not what the page sends; the message says why, for the 400."""


@dataclass(frozen=True)
class SubscriptionInfo:
    endpoint: str
    #: Both keys normalised to base64url without padding.
    p256dh: str
    auth: str


def _reject_constant(name: str) -> None:
    raise InvalidBody(f"The body is not JSON: {name} is not a JSON number.")


def parse_json_object(body: bytes) -> dict[str, Any]:
    if len(body) > BODY_MAX:
        raise InvalidBody(f"The body is larger than {BODY_MAX} bytes.")
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidBody("The body is not JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidBody("The body must be a JSON object.")
    return data


def _only(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidBody(f"Unexpected member(s) in {where}: {', '.join(unknown)}.")


def check_endpoint(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidBody("endpoint must be a non-empty string.")
    if len(value) > PUSH_ENDPOINT_MAX:
        raise InvalidBody(f"endpoint is longer than {PUSH_ENDPOINT_MAX} characters.")
    if not _PRINTABLE_ASCII.fullmatch(value):
        raise InvalidBody("endpoint must be a URL without spaces or non-ASCII characters.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port that is not one)
    except ValueError as exc:
        raise InvalidBody("endpoint is not a valid URL.") from exc
    if parts.scheme != "https":
        raise InvalidBody("endpoint must be an https:// URL.")
    if not parts.hostname or "@" in parts.netloc:
        raise InvalidBody("endpoint must name a host (and no user name).")
    return value


def host_allowed(endpoint: str, patterns: tuple[str, ...]) -> bool:
    """Whether the endpoint's host is one of the push services `patterns` name: a host,
    "*.example.com" for its subdomains, or "*" for any."""
    host = (urlsplit(endpoint).hostname or "").lower()
    for pattern in patterns:
        if pattern == "*" or host == pattern:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def check_service(endpoint: str, patterns: tuple[str, ...]) -> None:
    if not host_allowed(endpoint, patterns):
        host = urlsplit(endpoint).hostname
        raise InvalidBody(
            f"This browser's push service ({host}) is not one this server sends notifications to."
        )


def _decode_key(value: Any, name: str, size: int) -> bytes:
    if not isinstance(value, str) or not _BASE64URL.fullmatch(value):
        raise InvalidBody(f"keys.{name} must be a base64url string.")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidBody(f"keys.{name} is not valid base64url.") from exc
    if len(raw) != size:
        raise InvalidBody(f"keys.{name} must decode to {size} bytes, not {len(raw)}.")
    return raw


def parse_subscription(data: dict[str, Any]) -> SubscriptionInfo:
    """A PushSubscription's JSON, checked; InvalidBody says what is wrong."""
    _only(data, {"endpoint", "expirationTime", "keys"}, "the subscription")
    endpoint = check_endpoint(data.get("endpoint"))
    expiration = data.get("expirationTime")
    if expiration is not None and (
        isinstance(expiration, bool)
        or not isinstance(expiration, int | float)
        or not math.isfinite(expiration)
    ):
        raise InvalidBody("expirationTime must be null or a number.")
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise InvalidBody("keys must be an object with p256dh and auth.")
    _only(keys, {"p256dh", "auth"}, "keys")
    p256dh = _decode_key(keys.get("p256dh"), "p256dh", 65)
    if p256dh[0] != 0x04:
        raise InvalidBody("keys.p256dh must be an uncompressed P-256 point (starting 0x04).")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError as exc:
        raise InvalidBody("keys.p256dh is not a point on the P-256 curve.") from exc
    auth = _decode_key(keys.get("auth"), "auth", 16)
    return SubscriptionInfo(endpoint=endpoint, p256dh=b64url(p256dh), auth=b64url(auth))


def parse_endpoint_only(data: dict[str, Any]) -> str:
    """The body of /delete and /test: ``{"endpoint": "…"}``."""
    _only(data, {"endpoint"}, "the body")
    value = data.get("endpoint")
    if not isinstance(value, str) or not value:
        raise InvalidBody("endpoint must be a non-empty string.")
    if len(value) > PUSH_ENDPOINT_MAX:
        raise InvalidBody(f"endpoint is longer than {PUSH_ENDPOINT_MAX} characters.")
    return value


def save(session: Session, user_id: int, info: SubscriptionInfo, user_agent: str) -> bool:
    """Store the subscription for `user_id` in the caller's transaction; True when it is
    new to this user. An endpoint is one browser: subscribing again updates its keys, and
    an endpoint another account had moves to this one, without that account's queued
    messages (its row goes, and its messages with it)."""
    current = session.execute(
        select(PushSubscription.id, PushSubscription.user_id)
        .where(PushSubscription.endpoint == info.endpoint)
        .with_for_update()
    ).first()
    if current is not None and current.user_id != user_id:
        session.execute(delete(PushSubscription).where(PushSubscription.id == current.id))
        current = None
    values = {
        "user_id": user_id,
        "p256dh": info.p256dh,
        "auth": info.auth,
        "user_agent": user_agent[:USER_AGENT_MAX],
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # An upsert, so two requests of one browser racing leave one row and no error.
    session.execute(
        insert(PushSubscription)
        .values(endpoint=info.endpoint, **values)
        .on_conflict_do_update(index_elements=[PushSubscription.endpoint], set_=values)
    )
    return current is None


def find(session: Session, user_id: int, endpoint: str) -> PushSubscription | None:
    """The user's subscription with this endpoint (None for another user's)."""
    return session.scalar(
        select(PushSubscription).where(
            PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint
        )
    )


def remove(session: Session, user_id: int, endpoint: str) -> bool:
    """Delete the user's subscription with this endpoint (its queued messages go with it);
    False when the user has none such."""
    result = session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint
        )
    )
    return result.rowcount > 0
