"""The push worker: claim due push messages, send them, record the outcome; and once an
hour, among all workers, delete push messages sent or given up on more than 30 days ago.

It runs apart from the mail worker (its own thread or process), so a push service that
hangs holds back only push messages, and each of those for at most PUSH_TIMEOUT_SECONDS.
Its shape is MailWorker's: `run_once(now)` is one round and takes the time as an
argument; `run_forever()` repeats rounds until `stop` is set; a round the database
dropped out of is settled first thing in the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import jobs
from ..db import get_database, utcnow
from ..models import PushSubscription
from ..queue import RetryPolicy
from . import messages
from .messages import ClaimedPush
from .sender import Result, Sender, Target

logger = logging.getLogger("todo_web.push")

#: Sent and given-up push messages are kept this long, then deleted.
KEEP_DONE = timedelta(days=30)
PURGE_EVERY = timedelta(hours=1)
PURGE_JOB = "purge-push"


@dataclass
class RoundReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    #: Messages whose subscription the push service said is gone (the row was deleted).
    gone: int = 0
    purged: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed + self.gone


@dataclass
class PushWorker:
    app: Flask
    sender: Sender
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    batch_size: int = 10
    _purge: jobs.Periodic = field(default_factory=lambda: jobs.Periodic(PURGE_JOB, PURGE_EVERY))
    #: The claimed messages of a round the database dropped out of, by id, with whether
    #: the push service accepted each. Settled first thing in the next round.
    _unsettled: dict[int, tuple[ClaimedPush, bool]] = field(default_factory=dict)

    @classmethod
    def from_app(cls, app: Flask, *, batch_size: int = 10) -> PushWorker | None:
        """A worker for `app`; None when push is off (no VAPID key)."""
        try:
            sender = Sender.from_app(app)
        except RuntimeError:
            return None
        return cls(app=app, sender=sender, batch_size=batch_size)

    def _session(self) -> Session:
        return get_database(self.app).session_factory()

    def run_once(self, now: datetime | None = None) -> RoundReport:
        """One round: the hourly purge when due, then one batch of due messages."""
        now = now or utcnow()
        report = RoundReport()
        with self.app.app_context(), self._session() as session:
            self._settle(session, now)
            report.purged = self._maybe_purge(session, now)
            batch = messages.claim(session, now, limit=self.batch_size, policy=self.policy)
            if batch:
                self._deliver(session, batch, now, report)
        return report

    def _targets(self, session: Session, batch: list[ClaimedPush]) -> dict[int, Target]:
        rows = session.execute(
            select(
                PushSubscription.id,
                PushSubscription.endpoint,
                PushSubscription.p256dh,
                PushSubscription.auth,
            ).where(PushSubscription.id.in_({message.subscription_id for message in batch}))
        ).all()
        session.commit()
        return {row.id: Target(row.endpoint, row.p256dh, row.auth) for row in rows}

    def _deliver(
        self, session: Session, batch: list[ClaimedPush], now: datetime, report: RoundReport
    ) -> None:
        self._unsettled = {message.id: (message, False) for message in batch}
        targets = self._targets(session, batch)
        for message in batch:
            target = targets.get(message.subscription_id)
            if target is None:  # unsubscribed since: the message went with the row
                self._unsettled.pop(message.id, None)
                continue
            try:
                outcome = self.sender.send(target, message.payload, now)
            except Exception as exc:  # a malformed row must not stop the others
                logger.exception("push message %s could not be sent", message.id)
                self._failed(session, message, now, repr(exc), report, permanent=True)
            else:
                if outcome.result is Result.SENT:
                    self._unsettled[message.id] = (message, True)
                    messages.mark_sent(session, message, now)
                    report.sent += 1
                    logger.info("push message %s sent", message.id)
                elif outcome.result is Result.GONE:
                    self._gone(session, message, outcome.detail, report)
                else:
                    self._failed(
                        session,
                        message,
                        now,
                        outcome.detail,
                        report,
                        permanent=outcome.result is Result.FAILED,
                        retry_after=outcome.retry_after,
                    )
            self._unsettled.pop(message.id, None)

    def _gone(
        self, session: Session, message: ClaimedPush, detail: str, report: RoundReport
    ) -> None:
        """The browser dropped the subscription: delete it, its messages go with it."""
        session.execute(
            delete(PushSubscription).where(PushSubscription.id == message.subscription_id)
        )
        session.commit()
        report.gone += 1
        logger.info(
            "push subscription %s is gone (%s): deleted with its messages",
            message.subscription_id,
            detail,
        )

    def _failed(
        self,
        session: Session,
        message: ClaimedPush,
        now: datetime,
        error: str,
        report: RoundReport,
        *,
        permanent: bool,
        retry_after: timedelta | None = None,
    ) -> None:
        gave_up = messages.mark_failed(
            session,
            message,
            now,
            error,
            permanent=permanent,
            policy=self.policy,
            retry_after=retry_after,
        )
        if gave_up:
            report.failed += 1
            logger.error(
                "push message %s to subscription %s given up after %s attempt(s): %s",
                message.id,
                message.subscription_id,
                message.attempts,
                error,
            )
        else:
            report.retried += 1
            logger.warning("push message %s will be retried: %s", message.id, error)

    def _settle(self, session: Session, now: datetime) -> None:
        """Record what became of the messages of a round the database dropped out of:
        accepted ones as sent, the others due again now (fenced like every outcome)."""
        for message_id, (message, sent) in list(self._unsettled.items()):
            if sent:
                messages.mark_sent(session, message, now)
            else:
                messages.release(session, message, now)
            del self._unsettled[message_id]
            logger.info(
                "push message %s settled after the database came back: %s",
                message_id,
                "sent" if sent else "due again",
            )

    def _maybe_purge(self, session: Session, now: datetime) -> int:
        """Delete old push messages unless some worker did in the last PURGE_EVERY (the
        job `purge-push` of todo_web.jobs, apart from the mail worker's `purge`)."""
        if not self._purge.claim(session, now):
            return 0
        removed = messages.purge(session, now, KEEP_DONE)
        if removed:
            logger.info("removed %s old push messages", removed)
        return removed

    def run_forever(
        self,
        interval: float,
        stop: threading.Event | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Rounds until `stop` is set, waiting `interval` seconds after a round that left
        nothing due (or that failed: the database went away)."""
        jobs.run_rounds(
            lambda now: self.run_once(now).claimed,
            batch_size=self.batch_size,
            interval=interval,
            stop=stop or threading.Event(),
            clock=clock,
            logger=logger,
        )

    def start_thread(
        self, interval: float, stop: threading.Event, clock: Callable[[], datetime] = utcnow
    ) -> threading.Thread:
        """`run_forever` in a daemon thread named "push-worker", started."""
        thread = threading.Thread(
            target=self.run_forever, args=(interval, stop, clock), name="push-worker", daemon=True
        )
        thread.start()
        return thread
