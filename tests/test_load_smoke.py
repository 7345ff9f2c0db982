"""The short load run, part of every test run: a few dozen users at once against the app
served over HTTP on 127.0.0.1 for a few seconds. No answer is a 5xx, every write the app
acknowledged is in the database, and every acknowledged change of a user who asked for
mail about task changes has its mail queued.

The long run with gunicorn, a PostgreSQL restart and an SMTP outage is
``python -m tests.loadfault.run`` (see tests/benchmark/README.md).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from werkzeug.serving import BaseWSGIServer, make_server

from todo_web.db import get_database
from todo_web.models import Outbox

from .loadfault.client import Browser, Recorder, TaskUser
from .loadfault.ledger import Ledger

USERS = 24
SECONDS = 3.0
#: How long a request may wait for a connection or a lock before the app gives up, and how
#: long a user waits for an answer. Under libfaketime (the clock-moved runs of the suite)
#: answers here take tens of seconds where they take milliseconds otherwise.
PATIENCE_SECONDS = 120


@pytest.fixture
def served_app(make_app: Callable[..., Flask]) -> Flask:
    """The app with a database connection for every user at once, and patient with locks.

    This run checks that nothing is lost or broken under concurrency, not how fast the
    answers come: on a slow or busy machine the same requests take longer, and waits that
    the app gives up on after a few seconds (the pool, SQLite's busy wait, PostgreSQL's
    lock time-out) would turn that slowness into 503s. (Under libfaketime, for one, every
    thread switch of the interpreter is slowed down: its wrapper of pthread_cond_timedwait
    moves the GIL's monotonic deadlines by the faked offset.)"""
    app = make_app(
        DATABASE_POOL_SIZE=USERS,
        DATABASE_MAX_OVERFLOW=0,
        DATABASE_POOL_TIMEOUT=PATIENCE_SECONDS,
        DATABASE_LOCK_TIMEOUT_MS=PATIENCE_SECONDS * 1000,
        DATABASE_STATEMENT_TIMEOUT_MS=PATIENCE_SECONDS * 1000,
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS=PATIENCE_SECONDS * 1000,
    )
    engine = get_database(app).engine
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def patient_writer(dbapi_connection: Any, _record: Any) -> None:
            # After the app's own set-up (busy_timeout=5000) on each new connection.
            dbapi_connection.execute(f"PRAGMA busy_timeout={PATIENCE_SECONDS * 1000}")

        engine.dispose()  # no connection made before the listener stays in the pool
    return app


@pytest.fixture
def server(served_app: Flask) -> Iterator[BaseWSGIServer]:
    httpd = make_server("127.0.0.1", 0, served_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    thread.join(timeout=10)


def test_concurrent_users_lose_no_acknowledged_write(
    served_app: Flask, server: BaseWSGIServer
) -> None:
    app = served_app
    started = time.monotonic()
    recorder = Recorder(clock=lambda: time.monotonic() - started)
    ledger = Ledger()
    users = [
        TaskUser(
            Browser(server.server_port, recorder, timeout=PATIENCE_SECONDS),
            f"smoke-{number}@example.com",
            ledger,
            random.Random(number),
            notify=number % 2 == 0,
        )
        for number in range(USERS)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(TaskUser.sign_up, users)), "a user could not sign up"

    stop = threading.Event()
    deadline = time.monotonic() + SECONDS
    threads = [threading.Thread(target=user.run, args=(deadline, stop)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 2 * PATIENCE_SECONDS)
    stop.set()
    assert not any(thread.is_alive() for thread in threads), "a user never got an answer"

    statuses = Counter(sample.status for sample in recorder.samples)
    assert not [s for s in statuses if s >= 500 or s == 0], (statuses, recorder.errors)
    verdict = ledger.verify(get_database(app).engine)
    assert verdict.ok, verdict
    assert sum(verdict.acknowledged.values()) >= USERS, verdict  # it did some work
    assert not verdict.unacknowledged, verdict

    queued = _task_mails_per_user(app)
    for user in users:
        acknowledged = sum(1 for op in ledger.ops if op.user == user.email and op.acknowledged)
        expected = acknowledged if user.notify else 0
        assert queued.get(user.email, 0) == expected, user.email


def _task_mails_per_user(app: Flask) -> dict[str, int]:
    with get_database(app).engine.connect() as connection:
        rows = connection.execute(
            select(Outbox.recipient, func.count())
            .where(Outbox.kind.like("task_%"))
            .group_by(Outbox.recipient)
        )
        return dict(rows.all())
