"""`flask --app wsgi mail-worker`: the Procfile's `worker` process."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from ..background import Workers, log_to_terminal
from .transport import MailURLError
from .worker import MailWorker


@click.command("mail-worker")
@click.option("--once", is_flag=True, help="Run one round (digests, one batch) and exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds to wait after a round that found nothing more to send.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1, max=100),
    default=10,
    show_default=True,
    help="Mails claimed per round.",
)
@with_appcontext
def mail_worker_command(once: bool, interval: float, batch_size: int) -> None:
    """Send the mails waiting in the outbox, queue the daily digests, hand due reminders
    to mail and push, and (in a thread of its own) send the push messages; once an hour
    (among all workers), purge tasks deleted more than 30 days ago and old mails."""
    log_to_terminal()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        worker = MailWorker.from_app(app, batch_size=batch_size)
    except MailURLError as exc:
        raise click.ClickException(f"MAIL_URL: {exc}") from exc
    if once:
        report = worker.run_once()
        click.echo(
            f"digests queued: {report.digests}, sent: {report.sent}, "
            f"retrying: {report.retried}, given up: {report.failed}, "
            f"reminders: {report.reminders}, deleted tasks purged: {report.purged_tasks}"
        )
        return
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        logging.getLogger("todo_web.mail").info("stopping after this round")
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    mail_url = app.config["MAIL_URL"]
    logging.getLogger("todo_web.mail").info(
        "mail worker started (%s, every %ss)",
        "SMTP" if mail_url else "MAIL_URL unset: mails go to the log",
        interval,
    )
    push = Workers(app, interval, stop=stop)
    push.start(with_mail_thread=False)
    worker.run_forever(interval, stop)
    push.join(timeout=30)
