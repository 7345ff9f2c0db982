"""What the sharing tests read back: every row a sharing route could write (the members and
invitations tables too), members and invitations as the database holds them, and the
links of invitation mails."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from todo_web.db import get_database
from todo_web.models import Invitation, ListMember

from ..factories import outbox_rows
from ..lists import everything as list_tables

_SHARING_TABLES = {"list_members": "list_id, user_id", "invitations": "id"}
_LINK = re.compile(r"https?://\S+")


def everything(app: Flask) -> dict[str, list[tuple]]:
    """Every row a sharing route could change: the list routes' tables, memberships and
    invitations."""
    rows = list_tables(app)
    with get_database(app).engine.connect() as connection:
        for table, order in _SHARING_TABLES.items():
            rows[table] = [
                tuple(row)
                for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))
            ]
    return rows


def roles(session: Session, list_id: int) -> dict[int, str]:
    """{user id: role} of the list's members, read fresh."""
    session.expire_all()
    rows = session.execute(
        select(ListMember.user_id, ListMember.role).where(ListMember.list_id == list_id)
    ).all()
    return {user_id: role for user_id, role in rows}


def invitations(session: Session, **where: object) -> list[Invitation]:
    session.expire_all()
    statement = select(Invitation).order_by(Invitation.id)
    for column, value in where.items():
        statement = statement.where(getattr(Invitation, column) == value)
    return list(session.scalars(statement))


def invitation_mails(session: Session, recipient: str | None = None) -> list[str]:
    """The plain-text bodies of the invitation mails in the outbox (to `recipient`)."""
    where: dict[str, object] = {"kind": "invitation"}
    if recipient is not None:
        where["recipient"] = recipient
    return [row.payload["text"] for row in outbox_rows(session, **where)]


def mail_link(body: str) -> str:
    """The path and query of the one link in an invitation mail."""
    links = _LINK.findall(body)
    assert len(links) == 1, links
    parts = urlsplit(links[0])
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
