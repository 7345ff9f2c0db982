"""The delivery queues' shared operations: claim due rows, record what happened, purge.

Two tables are queues: `outbox` (mail, todo_web.mail) and `push_messages` (Web Push,
todo_web.push). Both have the columns of `QueuedMixin` and are delivered at least once,
with the duplicate window made as small as the protocol allows:

1. `claim()` takes a batch of due rows in one short transaction and puts each under a
   *lease*: `attempts` goes up by one and `next_attempt_at` moves `lease` into the future.
   On PostgreSQL the batch is chosen with ``FOR UPDATE SKIP LOCKED``, so workers claiming
   at the same moment take different rows instead of waiting for each other; the UPDATE
   repeats the "still due" test, so even without SKIP LOCKED (SQLite) no row is handed to
   two workers. No lock is held while a message is being sent.
2. The worker sends, then `mark_sent()` commits ``sent_at`` at once, one row at a time.
3. A worker that dies while sending leaves its rows leased; when the lease runs out they
   are due again and another worker sends them. A worker that lives but loses the
   database mid-batch settles the batch at its next round instead (`release()` for the
   unsent, `mark_sent()` for those that went), so a database restart neither holds
   messages back for a lease nor sends one twice.

`attempts` is the fencing token: outcomes are written only while it still equals the
value the claim returned, so a worker whose lease ran out cannot overwrite the result of
the worker that took the row over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from .db import utcnow
from .models import Outbox, PushMessage

LAST_ERROR_MAX = 2000

Queue = type[Outbox] | type[PushMessage]


class Claimed(Protocol):
    """What a claim handed out: enough to fence the outcome."""

    @property
    def id(self) -> int: ...

    @property
    def attempts(self) -> int: ...


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
    #: (batch size x the protocol's timeout), or a slow worker's rows go to another worker.
    lease: timedelta = timedelta(minutes=10)

    def delay(self, attempts: int) -> timedelta:
        return min(self.base * 2 ** max(attempts - 1, 0), self.cap)


def insert_unique(session: Session, queue: Queue, values: dict[str, Any]) -> int | None:
    """Add a row in the caller's transaction; the caller commits. Returns its id, or None
    when a row with the same `dedupe_key` exists: the insert is ``ON CONFLICT DO
    NOTHING``, so two writers racing leave one row and no error that would spoil the
    caller's transaction."""
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(queue)
        .values({"attempts": 0, "next_attempt_at": now, "created_at": now, **values})
        .on_conflict_do_nothing(index_elements=[queue.dedupe_key])
        .returning(queue.id)
    )
    return session.scalar(statement)


def _due(queue: Queue, now: datetime) -> ColumnElement[bool]:
    return and_(queue.sent_at.is_(None), queue.failed_at.is_(None), queue.next_attempt_at <= now)


def claim(
    session: Session,
    queue: Queue,
    now: datetime,
    *,
    limit: int,
    policy: RetryPolicy,
    columns: tuple[InstrumentedAttribute[Any], ...],
) -> list[Any]:
    """Lease up to `limit` due rows to the caller and commit; returns their `columns`
    (which must include id and attempts), by id. See the module docstring."""
    _give_up_on_exhausted(session, queue, now, policy)
    # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP
    # LOCKED): PostgreSQL may rescan such a subquery while updating, and each rescan skips
    # the rows this very statement just updated and takes the next n, so one worker would
    # claim the whole table.
    ids = session.scalars(
        select(queue.id)
        .where(_due(queue, now), queue.attempts < policy.max_attempts)
        .order_by(queue.next_attempt_at, queue.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # rendered on PostgreSQL only
    ).all()
    if not ids:
        session.commit()
        return []
    statement = (
        update(queue)
        .where(queue.id.in_(ids), _due(queue, now))
        .values(attempts=queue.attempts + 1, next_attempt_at=now + policy.lease)
        .returning(*columns)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(statement).all()
    session.commit()
    return sorted(rows, key=lambda row: row.id)


def _give_up_on_exhausted(
    session: Session, queue: Queue, now: datetime, policy: RetryPolicy
) -> None:
    """Rows whose last allowed attempt never reported back (the worker died mid-send)."""
    session.execute(
        update(queue)
        .where(_due(queue, now), queue.attempts >= policy.max_attempts)
        .values(
            failed_at=now,
            last_error=(
                f"gave up after {policy.max_attempts} attempts; "
                "the last one did not finish (the worker stopped while sending)"
            ),
        )
        .execution_options(synchronize_session=False)
    )


def _fenced(queue: Queue, item: Claimed) -> ColumnElement[bool]:
    return and_(
        queue.id == item.id,
        queue.attempts == item.attempts,
        queue.sent_at.is_(None),
        queue.failed_at.is_(None),
    )


def mark_sent(session: Session, queue: Queue, item: Claimed, now: datetime) -> None:
    session.execute(
        update(queue)
        .where(_fenced(queue, item))
        .values(sent_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def release(session: Session, queue: Queue, item: Claimed, now: datetime) -> None:
    """Hand back a claimed row that was not sent, due again at once rather than when its
    lease runs out (the worker's round was cut short by the database going away)."""
    session.execute(
        update(queue)
        .where(_fenced(queue, item))
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def mark_failed(
    session: Session,
    queue: Queue,
    item: Claimed,
    now: datetime,
    error: str,
    *,
    permanent: bool,
    policy: RetryPolicy,
) -> bool:
    """Record a failed attempt; returns True when this was the last one."""
    give_up = permanent or item.attempts >= policy.max_attempts
    values: dict[str, Any] = {"last_error": error[:LAST_ERROR_MAX]}
    if give_up:
        values["failed_at"] = now
    else:
        values["next_attempt_at"] = now + policy.delay(item.attempts)
    session.execute(
        update(queue)
        .where(_fenced(queue, item))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return give_up


def purge(session: Session, queue: Queue, now: datetime, keep: timedelta) -> int:
    """Delete sent and given-up rows older than `keep`; they have served their purpose."""
    cutoff = now - keep
    result = session.execute(
        delete(queue)
        .where(or_(queue.sent_at < cutoff, queue.failed_at < cutoff))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount
