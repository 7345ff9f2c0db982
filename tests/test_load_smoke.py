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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import BaseWSGIServer, make_server

from todo_web.db import get_database
from todo_web.models import Outbox

from .loadfault.client import Browser, Recorder, TaskUser
from .loadfault.ledger import Ledger

USERS = 24
SECONDS = 3.0


@pytest.fixture
def server(app: Flask) -> Iterator[BaseWSGIServer]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    thread.join(timeout=10)


def test_concurrent_users_lose_no_acknowledged_write(app: Flask, server: BaseWSGIServer) -> None:
    started = time.monotonic()
    recorder = Recorder(clock=lambda: time.monotonic() - started)
    ledger = Ledger()
    users = [
        TaskUser(
            Browser(server.server_port, recorder, timeout=30),
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
        thread.join(timeout=SECONDS + 60)
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
