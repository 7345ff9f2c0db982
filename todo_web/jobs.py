"""Periodic jobs shared by several worker processes: `claim` says which one runs a job.

Each job has one row in job_runs with the time it last started. A worker runs the job only
if it moved that time forward itself, by an UPDATE that matches only when the last run is
at least one period old; the database lets one such UPDATE through per period (on
PostgreSQL a second one waits on the row lock, then finds the condition false), so two
workers never run the job at the same time nor twice in one period. A job that fails is
not retried before the next period (the failure is logged by the caller).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import begin_writes_immediately
from .models import JobRun


@dataclass(frozen=True)
class Claim:
    #: The caller is to run the job now (its start is recorded and committed).
    won: bool
    #: When the job last started: `now` if won, else the run another worker recorded, so
    #: the caller need not ask again before last_run_at + every.
    last_run_at: datetime


def claim(session: Session, name: str, now: datetime, every: timedelta) -> Claim:
    """Whether the caller runs job `name` now: yes unless it started less than `every`
    ago. Commits or rolls back the session."""
    moved = session.execute(
        update(JobRun)
        .where(JobRun.name == name, JobRun.last_run_at <= now - every)
        .values(last_run_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount == 1:
        session.commit()
        return Claim(True, now)
    last_run_at = session.scalar(select(JobRun.last_run_at).where(JobRun.name == name))
    if last_run_at is not None:  # ran less than a period ago
        session.rollback()
        return Claim(False, last_run_at)
    session.add(JobRun(name=name, last_run_at=now))  # the job's first run ever
    try:
        session.commit()
    except IntegrityError:  # another worker recorded that first run just before us
        session.rollback()
        return Claim(False, now)
    return Claim(True, now)


@dataclass
class Periodic:
    """A job a worker runs once per `every` among all workers, remembering when it last
    ran (by whichever worker) so that it asks the database only when a run is due."""

    name: str
    every: timedelta
    last_run_at: datetime | None = None

    def claim(self, session: Session, now: datetime) -> bool:
        """Whether this worker runs the job now (see `claim`); False without a query
        while the last run is less than `every` old."""
        if self.last_run_at is not None and now - self.last_run_at < self.every:
            return False
        result = claim(session, self.name, now, self.every)
        self.last_run_at = result.last_run_at
        return result.won


def run_rounds(
    run_once: Callable[[datetime], int],
    *,
    batch_size: int,
    interval: float,
    stop: threading.Event,
    clock: Callable[[], datetime],
    logger: logging.Logger,
) -> None:
    """A worker's loop: rounds until `stop` is set, waiting `interval` seconds after a
    round that claimed less than a full batch (nothing more is due) or that failed (the
    database went away: log, wait, try again). `run_once(now)` returns how many rows the
    round claimed."""
    begin_writes_immediately()
    while not stop.is_set():
        try:
            claimed = run_once(clock())
        except Exception:
            logger.exception("worker round failed")
            stop.wait(interval)
            continue
        if claimed < batch_size:
            stop.wait(interval)
