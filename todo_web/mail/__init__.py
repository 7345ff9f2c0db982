"""E-mail through a transactional outbox.

Code that causes a mail calls `enqueue()` (or a helper such as
`todo_web.notifications.task_changed`) inside its own transaction; the mail exists if and
only if the change was committed. The worker process (`flask --app wsgi mail-worker`,
todo_web/mail/worker.py) sends it later, retrying while the mail server is away.
"""

from flask import Flask

from .messages import absolute_url, render_mail
from .outbox import enqueue


def init_app(app: Flask) -> None:
    from .cli import mail_worker_command

    app.cli.add_command(mail_worker_command)


__all__ = ["absolute_url", "enqueue", "init_app", "render_mail"]
