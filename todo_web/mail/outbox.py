"""The outbox: mails written in the transaction of the change they announce, delivered
by the mail worker through the queue operations of todo_web.queue (claim with a lease,
fenced outcomes, retries with back-off).

Only a crash between the SMTP server's "250 accepted" and the commit of `sent_at` sends
a mail twice; SMTP has no way to ask "did you already take this one?". Each mail carries
a Message-ID made from its outbox id, so mail programs that drop duplicates by
Message-ID show it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from .. import queue
from ..models import Outbox
from ..queue import LAST_ERROR_MAX, RetryPolicy

__all__ = [
    "LAST_ERROR_MAX",
    "ClaimedMail",
    "RetryPolicy",
    "claim",
    "enqueue",
    "mark_failed",
    "mark_sent",
    "purge",
    "release",
]


@dataclass(frozen=True)
class ClaimedMail:
    id: int
    kind: str
    recipient: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


_CLAIMED_COLUMNS = (
    Outbox.id,
    Outbox.kind,
    Outbox.recipient,
    Outbox.payload,
    Outbox.attempts,
    Outbox.created_at,
)


def enqueue(
    session: Session,
    *,
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None = None,
    user_id: int | None = None,
    dedupe_key: str | None = None,
    send_at: datetime | None = None,
) -> int | None:
    """Add a mail to the outbox in the caller's transaction; the caller commits. Returns
    the new row's id, or None when a row with the same `dedupe_key` exists."""
    values: dict[str, Any] = {
        "kind": kind,
        "recipient": recipient,
        "user_id": user_id,
        "payload": {"subject": subject, "text": text, "html": html},
        "dedupe_key": dedupe_key,
    }
    if send_at is not None:
        values["next_attempt_at"] = send_at
    return queue.insert_unique(session, Outbox, values)


def claim(session: Session, now: datetime, *, limit: int, policy: RetryPolicy) -> list[ClaimedMail]:
    """Lease up to `limit` due mails to the caller and commit."""
    rows = queue.claim(session, Outbox, now, limit=limit, policy=policy, columns=_CLAIMED_COLUMNS)
    return [ClaimedMail(*row) for row in rows]


def mark_sent(session: Session, mail: ClaimedMail, now: datetime) -> None:
    queue.mark_sent(session, Outbox, mail, now)


def release(session: Session, mail: ClaimedMail, now: datetime) -> None:
    queue.release(session, Outbox, mail, now)


def mark_failed(
    session: Session,
    mail: ClaimedMail,
    now: datetime,
    error: str,
    *,
    permanent: bool,
    policy: RetryPolicy,
) -> bool:
    """Record a failed attempt; returns True when this was the last one."""
    return queue.mark_failed(session, Outbox, mail, now, error, permanent=permanent, policy=policy)


def purge(session: Session, now: datetime, keep: timedelta) -> int:
    """Delete sent and given-up mails older than `keep`."""
    return queue.purge(session, Outbox, now, keep)
