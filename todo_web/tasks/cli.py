"""`flask --app wsgi purge-deleted`: remove for good the tasks deleted more than 30 days ago.

The worker does the same once an hour (todo_web.mail.worker); this runs it on demand.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..db import get_database
from .lifecycle import SOFT_DELETE_KEEP_DAYS, purge_deleted


@click.command("purge-deleted")
@with_appcontext
def purge_deleted_command() -> None:
    """Remove for good the tasks deleted more than 30 days ago (the worker does it hourly)."""
    with get_database().session_factory() as session:
        purged = purge_deleted(session)
        session.commit()
    click.echo(
        f"Purged {purged} task{'' if purged == 1 else 's'} deleted more than "
        f"{SOFT_DELETE_KEEP_DAYS} days ago."
    )
