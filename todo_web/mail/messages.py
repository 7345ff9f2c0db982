"""Mail bodies from templates, and the MIME message the worker sends.

Bodies are rendered when the mail is written to the outbox (templates/mail/<name>.txt
and .html), so a mail says what was true when the change happened. Links are absolute,
built from BASE_URL: a mail is read far away from any request.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from flask import current_app, render_template

from .outbox import ClaimedMail


def absolute_url(path: str) -> str:
    return current_app.config["BASE_URL"] + path


def render_mail(name: str, **context: object) -> tuple[str, str]:
    """The plain-text and HTML bodies of templates/mail/<name>.txt and .html."""
    context.setdefault("base_url", current_app.config["BASE_URL"])
    text = render_template(f"mail/{name}.txt", **context)
    html = render_template(f"mail/{name}.html", **context)
    return text, html


def sender_domain(sender: str) -> str:
    addresses = getaddresses([sender])
    address = addresses[0][1] if addresses else ""
    return address.rpartition("@")[2] or "localhost"


def build_message(mail: ClaimedMail, sender: str) -> EmailMessage:
    """A multipart/alternative message (text first, HTML preferred by most readers).

    The Message-ID is derived from the outbox row, so a mail sent twice (a worker crash
    right after the server accepted it) carries the same id both times.
    """
    payload = mail.payload
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = payload["subject"]
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = (
        f"<outbox.{mail.id}.{int(mail.created_at.timestamp())}@{sender_domain(sender)}>"
    )
    # RFC 3834: machine-written mail; out-of-office replies should not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(payload["text"])
    if payload.get("html"):
        message.add_alternative(payload["html"], subtype="html")
    return message
