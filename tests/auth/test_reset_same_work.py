"""A reset request does the same work whether or not an account has the address: the same
SQL statements, the same mail bodies rendered with a signed link, and the same answer.
Only the outbox insert is left out for an unknown address. Checked by what runs, not by
timing it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, template_rendered
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from todo_web.db import get_database
from todo_web.models import Outbox, User

from ..client import Client
from ..factories import count_rows


@dataclass
class Work:
    statements: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@contextmanager
def recording(app: Flask) -> Iterator[Work]:
    """The SQL statements (text, not parameters) and templates of what runs meanwhile."""
    work = Work()
    engine = get_database(app).engine

    def on_statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        work.statements.append(" ".join(statement.split()))

    def on_template(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        work.templates.append(template.name)
        if "link" in context:
            work.links.append(context["link"])

    event.listen(engine, "before_cursor_execute", on_statement)
    template_rendered.connect(on_template, app)
    try:
        yield work
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        template_rendered.disconnect(on_template, app)


def ask(app: Flask, client: Client, email: str) -> tuple[TestResponse, Work]:
    client.token()  # the page visit that gives the CSRF token is not part of the request
    with recording(app) as work:
        response = client.submit("/auth/reset", {"email": email})
    return response, work


def test_known_and_unknown_addresses_do_the_same_work(
    app: Flask, client: Client, db_session: Session, alice: User
) -> None:
    known, known_work = ask(app, client, "alice@example.com")
    unknown, unknown_work = ask(app, client, "nobody@example.com")

    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert known_work.templates == unknown_work.templates
    assert sorted(known_work.templates) == ["mail/password_reset.html", "mail/password_reset.txt"]
    for links in (known_work.links, unknown_work.links):
        assert len(links) == 2 and all("/auth/reset/" in link for link in links)
    # The same statements, but for the one that queues the mail.
    inserts = [s for s in known_work.statements if s.startswith("INSERT INTO outbox")]
    assert len(inserts) == 1
    assert [s for s in known_work.statements if s not in inserts] == unknown_work.statements
    assert count_rows(db_session, Outbox) == 1


def test_a_known_address_over_its_hourly_mails_does_exactly_what_an_unknown_one_does(
    app: Flask, client: Client, db_session: Session, alice: User
) -> None:
    for _ in range(3):
        ask(app, client, "alice@example.com")
    assert count_rows(db_session, Outbox) == 3
    _, known_work = ask(app, client, "alice@example.com")
    _, unknown_work = ask(app, client, "nobody@example.com")
    assert known_work.statements == unknown_work.statements
    assert known_work.templates == unknown_work.templates
    assert count_rows(db_session, Outbox) == 3
