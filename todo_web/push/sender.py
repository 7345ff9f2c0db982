"""Posting one encrypted message to a browser's push service, and what its answer means.

pywebpush encrypts the payload for the subscription's keys (RFC 8291, ``aes128gcm``) and
signs a VAPID token (RFC 8292) whose ``aud`` is the endpoint's origin and whose ``exp``
is 12 hours ahead (both set here, the limit being 24 hours).

| answer | `Outcome` |
| --- | --- |
| 2xx | sent |
| 404, 410 | gone: the browser dropped the subscription; the caller deletes it |
| 429, 5xx, time-out, no connection | retry later (the service's Retry-After honoured) |
| any other 4xx (400, 401, 403, 413) | failed for good; the answer is kept in last_error |
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from pywebpush import WebPushException, webpush

from .keys import PushKeys, keys_of
from .subscriptions import host_allowed

#: How long a push service keeps a message for a browser that is offline.
TTL = timedelta(hours=4)
#: The VAPID token's lifetime (RFC 8292 allows at most 24 hours).
TOKEN_LIFETIME = timedelta(hours=12)
ANSWER_MAX = 500


class Result(enum.Enum):
    SENT = "sent"
    GONE = "gone"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    result: Result
    #: What went wrong, for the log and last_error ("" when sent).
    detail: str = ""
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class Target:
    """Where a message goes: a subscription's endpoint and keys."""

    endpoint: str
    p256dh: str
    auth: str


def origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Retry-After as seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))


class _Session(requests.Session):
    """A session whose `verify` holds for every request. A plain Session's gives way to
    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment; PUSH_CA_BUNDLE, when set,
    is meant to win."""

    def __init__(self, verify: str | bool) -> None:
        super().__init__()
        self.verify = verify

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, *args, **kwargs)


@dataclass
class Sender:
    keys: PushKeys
    timeout: float
    session: requests.Session
    #: PUSH_SERVICE_HOSTS: the only services it posts to.
    hosts: tuple[str, ...]

    @classmethod
    def from_app(cls, app: Flask) -> Sender:
        """A sender with `app`'s keys; RuntimeError when push is off."""
        keys = keys_of(app)
        if keys is None:
            raise RuntimeError("push is off: VAPID_PRIVATE_KEY is not set")
        session = _Session(app.config.get("PUSH_CA_BUNDLE") or True)
        return cls(
            keys=keys,
            timeout=float(app.config["PUSH_TIMEOUT_SECONDS"]),
            session=session,
            hosts=tuple(app.config["PUSH_SERVICE_HOSTS"]),
        )

    def send(self, target: Target, payload: dict[str, Any], now: datetime) -> Outcome:
        if not host_allowed(target.endpoint, self.hosts):  # stored before the rule changed
            return Outcome(Result.FAILED, "the push service is not in PUSH_SERVICE_HOSTS")
        claims: dict[str, str | int] = {
            "sub": self.keys.subject,
            "aud": origin(target.endpoint),
            # From the process clock, not `now` (the round's time, which tests move).
            "exp": int(time.time() + TOKEN_LIFETIME.total_seconds()),
        }
        subscription = {
            "endpoint": target.endpoint,
            "keys": {"p256dh": target.p256dh, "auth": target.auth},
        }
        try:
            response = webpush(
                subscription,
                data=json.dumps(payload, ensure_ascii=False),
                vapid_private_key=self.keys.vapid,
                vapid_claims=claims,
                content_encoding="aes128gcm",
                ttl=int(TTL.total_seconds()),
                timeout=self.timeout,
                requests_session=self.session,
            )
        except WebPushException as exc:
            if exc.response is None:
                return Outcome(Result.FAILED, exc.message)
            return _judge(exc.response, now)
        except requests.Timeout:
            return Outcome(Result.RETRY, f"no answer within {self.timeout:g} s")
        except requests.ConnectionError as exc:
            return Outcome(Result.RETRY, f"cannot connect: {exc}")
        assert isinstance(response, requests.Response)
        return _judge(response, now)


def _judge(response: requests.Response, now: datetime) -> Outcome:
    status = response.status_code
    answer = f"{status} {response.reason}: {response.text[:ANSWER_MAX]}".strip()
    if 200 <= status < 300:
        return Outcome(Result.SENT)
    if status in (404, 410):
        return Outcome(Result.GONE, answer)
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        return Outcome(Result.RETRY, answer, retry_after)
    return Outcome(Result.FAILED, answer)
