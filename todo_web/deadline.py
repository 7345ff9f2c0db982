"""A deadline for each request's database work, kept by a watchdog thread (PostgreSQL).

PostgreSQL's own limits (`db.Timeouts`) start when a statement reaches the server. A
statement can wait before that: in a pooler's queue while the database restarts (PgBouncer
holds it up to its ``query_wait_timeout``, two minutes by default and not ours to set on
Neon), or on a connection whose server went away without a word. Meanwhile the person
gives up, the proxy answers 499 or 504, and the request may still commit later: a task
created that its author saw fail.

So every request gets `REQUEST_DEADLINE_SECONDS` from its start. A statement that would
begin after it is refused at once, and for one still waiting when it passes, the
watchdog thread shuts the connection's socket down: the wait ends with an error, the pool
discards the connection, and the request answers the friendly 503 (an
`OperationalError`) well before the proxy gives up; its transaction never commits. The
deadline stays below gunicorn's worker timeout (30 s) and the usual proxy timeouts (30 to
60 s).

Not ``connection.cancel()``: libpq sends a cancel request and waits for the answer, which
a pooler holding the query may never give (PgBouncer holds cancels too), and psycopg2
keeps the interpreter lock while it waits, so a stuck cancel froze every thread of the
process (seen in tests/test_request_deadline.py). A statement that did reach the server
is bounded there already (``statement_timeout``); what the deadline adds is the end of
waits the server does not know about, and closing the socket is what ends those.

One watchdog thread per process serves all requests: each request puts its deadline on a
heap, and the thread sleeps until the earliest one. The cost per statement is two
attribute writes in the engine's cursor events.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time
from typing import Any

from flask import Flask, g, has_app_context
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

logger = logging.getLogger("todo_web.deadline")


class DeadlinePassed(OperationalError):
    """The request's time for database work is over: answered like a database outage."""

    def __init__(self, statement: str) -> None:
        super().__init__(statement, None, RuntimeError("the request's deadline passed"))


class RequestDeadline:
    """One request's deadline and the connection it is running a statement on, if any."""

    __slots__ = ("connection", "expires_at", "finished")

    def __init__(self, expires_at: float) -> None:
        self.expires_at = expires_at
        #: The DB-API connection of the statement in progress (None between statements).
        self.connection: Any = None
        self.finished = False

    def passed(self) -> bool:
        return time.monotonic() >= self.expires_at


class Watchdog:
    """Ends the statements still waiting when their request's deadline passes."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, RequestDeadline]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._pid: int | None = None

    def watch(self, deadline: RequestDeadline) -> None:
        with self._wake:
            self._start_once()
            heapq.heappush(self._heap, (deadline.expires_at, next(self._order), deadline))
            if self._heap[0][2] is deadline:
                self._wake.notify()

    def _start_once(self) -> None:
        # Started on first use in each process: a thread started before gunicorn forks
        # its workers would not exist in them.
        if self._pid != os.getpid():
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="request-deadline", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._wake.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, deadline = heapq.heappop(self._heap)
            try:
                self._enforce(deadline)
            except Exception:  # the watchdog must outlive anything one connection does
                logger.exception("could not stop a statement past its request's deadline")

    def _enforce(self, deadline: RequestDeadline) -> None:
        connection = deadline.connection
        if deadline.finished or connection is None:
            return  # done, or between statements: the next one is refused at its start
        logger.warning("ending a statement past its request's deadline")
        _shut_down_socket(connection)


#: The process's one watchdog, whatever number of apps it serves.
WATCHDOG = Watchdog()


def _shut_down_socket(connection: Any) -> None:
    """End every wait on `connection` (a psycopg2 connection busy in another thread):
    shutting its socket down makes the blocked read fail at once. Closing the
    connection itself from here would wait for the busy thread."""
    duplicate = socket.socket(fileno=os.dup(connection.fileno()))
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed
    finally:
        duplicate.close()


def init_app(app: Flask, engine: Engine) -> None:
    """Give each of `app`'s requests a deadline for its statements on `engine`
    (PostgreSQL; SQLite's waits are bounded by its busy_timeout)."""
    seconds = float(app.config["REQUEST_DEADLINE_SECONDS"])
    if not seconds or engine.dialect.name != "postgresql":
        return

    @app.before_request
    def start_deadline() -> None:
        deadline = RequestDeadline(time.monotonic() + seconds)
        g.request_deadline = deadline
        WATCHDOG.watch(deadline)

    @app.teardown_request
    def end_deadline(_error: BaseException | None) -> None:
        deadline: RequestDeadline | None = g.pop("request_deadline", None)
        if deadline is not None:
            deadline.finished = True
            deadline.connection = None

    _watch_statements(engine)


def _current() -> RequestDeadline | None:
    return g.get("request_deadline") if has_app_context() else None


def _watch_statements(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def statement_starts(connection, cursor, statement, parameters, context, executemany) -> None:
        deadline = _current()
        if deadline is None:
            return
        if deadline.passed():
            raise DeadlinePassed(statement)
        deadline.connection = cursor.connection

    @event.listens_for(engine, "after_cursor_execute")
    def statement_ends(connection, cursor, statement, parameters, context, executemany) -> None:
        deadline = _current()
        if deadline is not None:
            deadline.connection = None

    @event.listens_for(engine, "handle_error")
    def statement_failed(context: Any) -> None:
        deadline = _current()
        if deadline is not None:
            deadline.connection = None

    @event.listens_for(engine, "do_connect")
    def connection_starts(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> None:
        # A new connection is bounded by connect_timeout; past the deadline, none is made.
        deadline = _current()
        if deadline is not None and deadline.passed():
            raise DeadlinePassed("connect")


def watch_connection(dbapi_connection: Any) -> None:
    """The statement running now moved to `dbapi_connection` (a retry on a new
    connection): watch that one."""
    deadline = _current()
    if deadline is not None:
        deadline.connection = dbapi_connection
