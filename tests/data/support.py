"""Helpers for the data tests: uploading a file to /settings/import, reading alice back."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.test import TestResponse

from todo_web.models import Task, User

from ..accounts import user_by_email
from ..helpers import post

EMAIL = "alice@example.com"

TODOIST_CSV = (
    "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,"
    "DURATION,DURATION_UNIT\r\n"
    "section,Errands,,,,,,,,,,\r\n"
    ",,,,,,,,,,,\r\n"
    "task,Buy milk @errands @home,Two litres,1,1,Alice (123),,tomorrow,en,Europe/Berlin,,\r\n"
    "note,Remember the oat one,,,,,,,,,,\r\n"
    "task,Water plants,,4,1,Alice (123),,every monday,en,Europe/Berlin,,\r\n"
    'task,"Dentist, downtown",Bring the card,2,2,Alice (123),,Jan 15 2027 10:30,en,,30,minute\r\n'
    "task,Quarterly report,,3,1,,,every 3rd friday,en,,,\r\n"
    "task,Sub-task without a date,,,2,,,,,,,\r\n"
    "meta,view_style=list,,,,,,,,,,\r\n"
)


def upload(
    client: FlaskClient,
    content: bytes | str,
    filename: str = "tasks.json",
    *,
    dry_run: bool = False,
    htmx: bool = False,
    token_page: str = "/settings",
    **kwargs: object,
) -> TestResponse:
    data: dict[str, object] = {
        "file": (io.BytesIO(content.encode() if isinstance(content, str) else content), filename)
    }
    if dry_run:
        data["dry_run"] = "1"
    return post(
        client,
        "/settings/import",
        data,
        htmx=htmx,
        token_page=token_page,
        content_type="multipart/form-data",
        **kwargs,
    )


def user(session: Session, email: str = EMAIL) -> User:
    found = user_by_email(session, email)
    assert found is not None
    return found


def tasks_of(session: Session, owner: User) -> list[Task]:
    session.expire_all()
    return list(
        session.scalars(
            select(Task)
            .where(Task.user_id == owner.id)
            .order_by(Task.id)
            .options(selectinload(Task.tags))
        )
    )
