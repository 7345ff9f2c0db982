"""The push queue: messages written in the caller's transaction, one per subscription,
delivered by the push worker through todo_web.queue (claim with a lease, fenced
outcomes, retries with back-off), like the mail outbox.

A payload is the JSON the service worker shows: ``{"title", "body", "url", "tag"}``.
Web Push carries at most about 4 KB once encrypted; payloads are kept under
`PAYLOAD_MAX` bytes by shortening the body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from .. import queue
from ..models import PushMessage, PushSubscription
from ..queue import RetryPolicy

#: Bytes of JSON per message (the push services take about 4 KB after encryption).
PAYLOAD_MAX = 3000
TITLE_MAX = 200
TAG_MAX = 100
DEDUPE_KEY_MAX = 200
ELLIPSIS = "…"


@dataclass(frozen=True)
class ClaimedPush:
    id: int
    subscription_id: int
    payload: dict[str, Any]
    attempts: int


_CLAIMED_COLUMNS = (
    PushMessage.id,
    PushMessage.subscription_id,
    PushMessage.payload,
    PushMessage.attempts,
)


def _size(payload: dict[str, str]) -> int:
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def build_payload(*, title: str, body: str, url: str, tag: str) -> dict[str, str]:
    """The service worker's JSON; ValueError for a `url` that is not a path of this site
    (the worker opens it on a click)."""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        raise ValueError(f"url must be a path on this site, got {url!r}")
    if len(tag) > TAG_MAX:
        raise ValueError(f"tag is longer than {TAG_MAX} characters")
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + ELLIPSIS
    payload = {"title": title, "body": body, "url": url, "tag": tag}
    if _size(payload) <= PAYLOAD_MAX:
        return payload

    def fits(length: int) -> bool:
        return _size({**payload, "body": body[:length] + ELLIPSIS}) <= PAYLOAD_MAX

    if not fits(0):
        raise ValueError("title, url and tag alone are too large for a push message")
    shortest, longest = 0, len(body)  # the longest prefix that fits, by bisection
    while shortest < longest:
        middle = (shortest + longest + 1) // 2
        if fits(middle):
            shortest = middle
        else:
            longest = middle - 1
    payload["body"] = body[:shortest] + ELLIPSIS
    return payload


def enqueue(
    session: Session,
    user_id: int,
    *,
    title: str,
    body: str,
    url: str,
    tag: str,
    dedupe_key: str | None,
) -> int:
    """Queue one message to each browser the user turned push on for, in the caller's
    transaction; the caller commits. Returns how many were queued: 0 when the user has
    no subscription, or when every one already has a message with this `dedupe_key`
    (it is made unique per subscription as ``"<dedupe_key>:<subscription id>"``)."""
    payload = build_payload(title=title, body=body, url=url, tag=tag)
    subscription_ids = session.scalars(
        select(PushSubscription.id)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.id)
    ).all()
    return sum(
        enqueue_for_subscription(session, subscription_id, payload, dedupe_key) is not None
        for subscription_id in subscription_ids
    )


def enqueue_for_subscription(
    session: Session, subscription_id: int, payload: dict[str, str], dedupe_key: str | None
) -> int | None:
    """One message to one subscription; its id, or None when the dedupe key was taken."""
    key = None if dedupe_key is None else f"{dedupe_key}:{subscription_id}"
    if key is not None and len(key) > DEDUPE_KEY_MAX:
        raise ValueError(f"dedupe_key is too long (at most {DEDUPE_KEY_MAX} with the id)")
    values = {"subscription_id": subscription_id, "payload": payload, "dedupe_key": key}
    return queue.insert_unique(session, PushMessage, values)


def claim(session: Session, now: datetime, *, limit: int, policy: RetryPolicy) -> list[ClaimedPush]:
    """Lease up to `limit` due messages to the caller and commit."""
    rows = queue.claim(
        session, PushMessage, now, limit=limit, policy=policy, columns=_CLAIMED_COLUMNS
    )
    return [ClaimedPush(*row) for row in rows]


def mark_sent(session: Session, message: ClaimedPush, now: datetime) -> None:
    queue.mark_sent(session, PushMessage, message, now)


def release(session: Session, message: ClaimedPush, now: datetime) -> None:
    queue.release(session, PushMessage, message, now)


def mark_failed(
    session: Session,
    message: ClaimedPush,
    now: datetime,
    error: str,
    *,
    permanent: bool,
    policy: RetryPolicy,
    retry_after: timedelta | None = None,
) -> bool:
    """Record a failed attempt; returns True when this was the last one. A push service's
    `retry_after` (its Retry-After header) puts the next attempt later than the back-off
    would, up to the policy's cap."""
    gave_up = queue.mark_failed(
        session, PushMessage, message, now, error, permanent=permanent, policy=policy
    )
    if not gave_up and retry_after is not None and retry_after > policy.delay(message.attempts):
        session.execute(
            update(PushMessage)
            .where(
                and_(
                    PushMessage.id == message.id,
                    PushMessage.attempts == message.attempts,
                    PushMessage.sent_at.is_(None),
                    PushMessage.failed_at.is_(None),
                )
            )
            .values(next_attempt_at=now + min(retry_after, policy.cap))
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return gave_up


def purge(session: Session, now: datetime, keep: timedelta) -> int:
    """Delete sent and given-up messages older than `keep`."""
    return queue.purge(session, PushMessage, now, keep)
