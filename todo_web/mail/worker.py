"""The mail worker: schedule digests, hand due reminders to mail and push, claim due
mails, send them, record the outcome; and once an hour, among all workers, purge what is
kept only for a while (tasks deleted more than 30 days ago, mails sent or given up on more
than 30 days ago).

`MailWorker.run_once(now)` is one round and takes the time as an argument, so tests can
drive it through hours of retries without sleeping. `run_forever()` repeats rounds,
sleeping `interval` seconds after a round that found nothing to send, and stops after
the current round on SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from .. import jobs
from ..db import get_database, utcnow
from ..reminders.delivery import send_due
from ..tasks.lifecycle import purge_deleted
from . import outbox
from .digest import schedule_digests
from .messages import build_message
from .outbox import ClaimedMail, RetryPolicy
from .transport import MailError, PermanentMailError, Transport, transport_from_url

logger = logging.getLogger("todo_web.mail")

#: Sent and given-up mails are kept this long (to look into a problem), then deleted.
KEEP_DONE = timedelta(days=30)
#: How often the purge runs, among all the workers together (see todo_web.jobs).
PURGE_EVERY = timedelta(hours=1)
PURGE_JOB = "purge"


@dataclass
class RoundReport:
    digests: int = 0
    #: Reminders handed to mail and push this round.
    reminders: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    #: Deleted tasks removed for good by this round's purge (when it ran one).
    purged_tasks: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed


@dataclass
class MailWorker:
    app: Flask
    transport: Transport
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    batch_size: int = 10
    _purge: jobs.Periodic = field(default_factory=lambda: jobs.Periodic(PURGE_JOB, PURGE_EVERY))
    #: The claimed mails of a round the database dropped out of, by id, with whether the
    #: SMTP server accepted each. Settled first thing in the next round.
    _unsettled: dict[int, tuple[ClaimedMail, bool]] = field(default_factory=dict)

    @classmethod
    def from_app(cls, app: Flask, *, batch_size: int = 10) -> MailWorker:
        """A worker for `app`, sending through its MAIL_URL (or to the log)."""
        transport = transport_from_url(app.config["MAIL_URL"])
        return cls(app=app, transport=transport, batch_size=batch_size)

    def _session(self) -> Session:
        return get_database(self.app).session_factory()

    def run_once(self, now: datetime | None = None) -> RoundReport:
        """One round: queue digests that are due, then send one batch of due mails."""
        now = now or utcnow()
        report = RoundReport()
        with self.app.app_context(), self._session() as session:
            self._settle(session, now)
            report.digests = schedule_digests(session, now)
            report.reminders = send_due(session, now)
            session.commit()
            report.purged_tasks = self._maybe_purge(session, now)
            batch = outbox.claim(session, now, limit=self.batch_size, policy=self.policy)
            if batch:
                self._deliver(session, batch, now, report)
        return report

    def _deliver(
        self, session: Session, batch: list[ClaimedMail], now: datetime, report: RoundReport
    ) -> None:
        sender = self.app.config["MAIL_FROM"]
        # Until its outcome is committed, a mail is unsettled; if the database goes away,
        # whatever is left here is settled by the next round (see _settle).
        self._unsettled = {mail.id: (mail, False) for mail in batch}
        try:
            with self.transport.connect() as connection:
                for mail in batch:
                    try:
                        connection.send(build_message(mail, sender))
                    except MailError as exc:
                        self._failed(session, mail, now, str(exc), exc, report)
                    except Exception as exc:  # a malformed row must not stop the others
                        logger.exception("mail %s could not be built or sent", mail.id)
                        self._failed(session, mail, now, repr(exc), PermanentMailError(), report)
                    else:
                        self._unsettled[mail.id] = (mail, True)
                        outbox.mark_sent(session, mail, now)
                        report.sent += 1
                        logger.info("mail %s (%s) sent to %s", mail.id, mail.kind, mail.recipient)
                    self._unsettled.pop(mail.id, None)
        except MailError as exc:  # could not connect or log in: the whole batch waits
            logger.warning("mail server unavailable: %s", exc)
            for mail, _sent in list(self._unsettled.values()):
                self._failed(session, mail, now, str(exc), exc, report)
                self._unsettled.pop(mail.id, None)

    def _settle(self, session: Session, now: datetime) -> None:
        """Record what became of the mails of a round the database dropped out of: sent
        ones as sent (not again when their lease runs out), the others due again now.
        Fenced like every outcome, so a row another worker took over is left alone."""
        for mail_id, (mail, sent) in list(self._unsettled.items()):
            if sent:
                outbox.mark_sent(session, mail, now)
            else:
                outbox.release(session, mail, now)
            del self._unsettled[mail_id]
            logger.info(
                "mail %s settled after the database came back: %s",
                mail_id,
                "sent" if sent else "due again",
            )

    def _failed(
        self,
        session: Session,
        mail: ClaimedMail,
        now: datetime,
        error: str,
        exc: Exception,
        report: RoundReport,
    ) -> None:
        permanent = isinstance(exc, PermanentMailError)
        gave_up = outbox.mark_failed(
            session, mail, now, error, permanent=permanent, policy=self.policy
        )
        if gave_up:
            report.failed += 1
            logger.error(
                "mail %s (%s) to %s given up after %s attempt(s): %s",
                mail.id,
                mail.kind,
                mail.recipient,
                mail.attempts,
                error,
            )
        else:
            report.retried += 1

    def _maybe_purge(self, session: Session, now: datetime) -> int:
        """Purge old rows unless some worker did in the last PURGE_EVERY; returns the
        number of deleted tasks removed. The claim lets one worker through per period, and
        tells the others when that was, so each asks (a write) only when a run is due."""
        if not self._purge.claim(session, now):
            return 0
        tasks = purge_deleted(session, now)
        session.commit()
        if tasks:
            logger.info("purged %s deleted tasks", tasks)
        removed = outbox.purge(session, now, KEEP_DONE)
        if removed:
            logger.info("removed %s old outbox rows", removed)
        return tasks

    def run_forever(
        self,
        interval: float,
        stop: threading.Event | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        jobs.run_rounds(
            lambda now: self.run_once(now).claimed,
            batch_size=self.batch_size,
            interval=interval,
            stop=stop or threading.Event(),
            clock=clock,
            logger=logger,
        )
