"""The workers (mail with digests and reminders; push) in their threads: for the `flask
mail-worker` command, and inside the development server so that a new setup sends its
mail with one command.

In development (`flask run --debug`: the Werkzeug server) the web process starts them
unless `MAIL_WORKER=external` says a worker runs apart. With the reloader, only its
child, which serves the requests, does (the parent only watches files); without it,
the first request served does. Never under tests (TESTING) and never under gunicorn
(debug is off there, and the server is not Werkzeug's): production runs the Procfile's
`worker` process.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

from flask import Flask, request

from .mail.worker import MailWorker
from .push.worker import PushWorker

logger = logging.getLogger("todo_web.mail")

#: Seconds between the development server's worker rounds when there is nothing to do.
DEVELOPMENT_INTERVAL = 2.0


@dataclass
class Workers:
    """The mail and push workers of one process, each in its own thread, so that a push
    service that hangs never holds mail back."""

    app: Flask
    interval: float
    batch_size: int = 10
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, *, with_mail_thread: bool = True) -> None:
        """The push worker's thread (none when push is off), and the mail worker's unless
        the caller runs that one itself."""
        push = PushWorker.from_app(self.app, batch_size=self.batch_size)
        if push is not None:
            self.threads.append(push.start_thread(self.interval, self.stop))
        if with_mail_thread:
            mail = MailWorker.from_app(self.app, batch_size=self.batch_size)
            self._spawn("mail-worker", lambda: mail.run_forever(self.interval, self.stop))

    def _spawn(self, name: str, target: object) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self.threads.append(thread)

    def join(self, timeout: float | None = None) -> None:
        for thread in self.threads:
            thread.join(timeout)


def log_to_terminal() -> None:
    """Show the workers' log lines (mails written to the log among them) when nothing
    else configured logging."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for name in ("todo_web.mail", "todo_web.push", "todo_web.reminders"):
        logging.getLogger(name).setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    """Start the workers in the development server (see the module docstring)."""
    if not app.debug or app.testing or app.config["MAIL_WORKER"] == "external":
        return
    lock = threading.Lock()
    started: list[Workers] = []

    def start() -> None:
        with lock:
            if started:
                return
            log_to_terminal()
            workers = Workers(app, DEVELOPMENT_INTERVAL)
            started.append(workers)  # tried once, whatever happens: no retry per request
            try:
                workers.start()
            except Exception:  # a bad MAIL_URL, say: the pages still work, and say why
                logger.exception("the development server could not start the workers")
                return
            logger.info(
                "mail and push workers started in the development server "
                "(MAIL_WORKER=external if one runs apart)"
            )

    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":  # the reloader's child
        start()
        return

    @app.before_request
    def start_with_first_request() -> None:
        if not started and request.environ.get("SERVER_SOFTWARE", "").startswith("Werkzeug/"):
            start()
