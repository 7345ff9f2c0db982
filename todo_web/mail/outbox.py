"""The outbox table's operations: write a mail, claim due mails, record what happened.

Delivery is at least once, with the duplicate window made as small as SMTP allows:

1. `claim()` takes a batch of due rows in one short transaction and puts each under a
   *lease*: `attempts` goes up by one and `next_attempt_at` moves `lease` into the future.
   On PostgreSQL the batch is chosen with ``FOR UPDATE SKIP LOCKED``, so workers claiming
   at the same moment take different rows instead of waiting for each other; the UPDATE
   repeats the "still due" test, so even without SKIP LOCKED (SQLite) no row is handed to
   two workers. No lock is held while mail is being sent.
2. The worker sends, then `mark_sent()` commits ``sent_at`` at once, one row at a time.
3. A worker that dies while sending leaves its rows leased; when the lease runs out they
   are due again and another worker sends them. A worker that lives but loses the
   database mid-batch settles the batch at its next round instead (`release()` for the
   unsent, `mark_sent()` for those the server took), so a database restart neither holds
   mails back for a lease nor sends one twice. Only a crash between the SMTP server's
   "250 accepted" and that commit sends a mail twice; SMTP has no way to ask "did you
   already take this one?". Each mail carries a Message-ID made from its outbox id, so
   mail programs that drop duplicates by Message-ID show it once.

`attempts` is the fencing token: outcomes are written only while it still equals the
value the claim returned, so a worker whose lease ran out cannot overwrite the result of
the worker that took the row over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db import utcnow
from ..models import Outbox

LAST_ERROR_MAX = 2000


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off after a failed attempt: `base` doubled per attempt, at most `cap`.

    With the defaults the waits are 30 s, 1, 2, 4, 8, 16, 32 min, then 1 h; the tenth
    failed attempt (about three hours after the first) gives up.
    """

    max_attempts: int = 10
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    #: How long a claimed row stays with its worker. It must outlast sending a whole batch
    #: (batch size x SMTP timeout), or a slow worker's rows go to another worker too.
    lease: timedelta = timedelta(minutes=10)

    def delay(self, attempts: int) -> timedelta:
        return min(self.base * 2 ** max(attempts - 1, 0), self.cap)


@dataclass(frozen=True)
class ClaimedMail:
    id: int
    kind: str
    recipient: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


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
    """Add a mail to the outbox in the caller's transaction; the caller commits.

    Returns the new row's id, or None when a row with the same `dedupe_key` exists: the
    insert is ``ON CONFLICT DO NOTHING``, so a race between two writers leaves one row
    and no error that would spoil the caller's transaction.
    """
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Outbox)
        .values(
            kind=kind,
            recipient=recipient,
            user_id=user_id,
            payload={"subject": subject, "text": text, "html": html},
            dedupe_key=dedupe_key,
            attempts=0,
            next_attempt_at=send_at or now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[Outbox.dedupe_key])
        .returning(Outbox.id)
    )
    return session.scalar(statement)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(Outbox.sent_at.is_(None), Outbox.failed_at.is_(None), Outbox.next_attempt_at <= now)


def claim(session: Session, now: datetime, *, limit: int, policy: RetryPolicy) -> list[ClaimedMail]:
    """Lease up to `limit` due mails to the caller and commit; see the module docstring."""
    _give_up_on_exhausted(session, now, policy)
    # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP
    # LOCKED): PostgreSQL may rescan such a subquery while updating, and each rescan skips
    # the rows this very statement just updated and takes the next n, so one worker would
    # claim the whole table.
    ids = session.scalars(
        select(Outbox.id)
        .where(_due(now), Outbox.attempts < policy.max_attempts)
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # rendered on PostgreSQL only
    ).all()
    if not ids:
        session.commit()
        return []
    statement = (
        update(Outbox)
        .where(Outbox.id.in_(ids), _due(now))
        .values(attempts=Outbox.attempts + 1, next_attempt_at=now + policy.lease)
        .returning(
            Outbox.id,
            Outbox.kind,
            Outbox.recipient,
            Outbox.payload,
            Outbox.attempts,
            Outbox.created_at,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(statement).all()
    session.commit()
    return sorted((ClaimedMail(*row) for row in rows), key=lambda mail: mail.id)


def _give_up_on_exhausted(session: Session, now: datetime, policy: RetryPolicy) -> None:
    """Rows whose last allowed attempt never reported back (the worker died mid-send)."""
    session.execute(
        update(Outbox)
        .where(_due(now), Outbox.attempts >= policy.max_attempts)
        .values(
            failed_at=now,
            last_error=(
                f"gave up after {policy.max_attempts} attempts; "
                "the last one did not finish (the worker stopped while sending)"
            ),
        )
        .execution_options(synchronize_session=False)
    )


def _fenced(mail: ClaimedMail) -> ColumnElement[bool]:
    return and_(
        Outbox.id == mail.id,
        Outbox.attempts == mail.attempts,
        Outbox.sent_at.is_(None),
        Outbox.failed_at.is_(None),
    )


def mark_sent(session: Session, mail: ClaimedMail, now: datetime) -> None:
    session.execute(
        update(Outbox)
        .where(_fenced(mail))
        .values(sent_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def release(session: Session, mail: ClaimedMail, now: datetime) -> None:
    """Hand back a claimed mail that was not sent, due again at once rather than when its
    lease runs out (the worker's round was cut short by the database going away)."""
    session.execute(
        update(Outbox)
        .where(_fenced(mail))
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


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
    give_up = permanent or mail.attempts >= policy.max_attempts
    values: dict[str, Any] = {"last_error": error[:LAST_ERROR_MAX]}
    if give_up:
        values["failed_at"] = now
    else:
        values["next_attempt_at"] = now + policy.delay(mail.attempts)
    session.execute(
        update(Outbox)
        .where(_fenced(mail))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return give_up


def purge(session: Session, now: datetime, keep: timedelta) -> int:
    """Delete sent and given-up mails older than `keep`; they have served their purpose."""
    cutoff = now - keep
    result = session.execute(
        delete(Outbox)
        .where(or_(Outbox.sent_at < cutoff, Outbox.failed_at < cutoff))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount
