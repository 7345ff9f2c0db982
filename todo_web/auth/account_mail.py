"""Mails with a signed link to whoever holds an e-mail address that someone typed in.

The person typing must not learn whether an account uses the address, neither from the
answer nor from how long it takes. So `mail_account_holder` does the same work either
way: the same user lookup, the same count of recent mails, the same token and the same
two rendered bodies, made for a stand-in user (never saved) when no account has the
address. Only the outbox insert itself is skipped then: writing a row for nobody would
fill the outbox with mails that must never go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import url_for
from sqlalchemy.orm import Session

from ..db import utcnow
from ..mail import absolute_url, enqueue, render_mail
from ..models import User
from .queries import recent_mails, user_by_email
from .signed_links import SignedLink

#: The stand-in's password hash: any string of a bcrypt hash's length and form will do, it
#: is only fingerprinted like a real one.
_STAND_IN_HASH = "$2b$12$" + "standinstandinstandinstandinstandinstandinstandinstan"


@dataclass(frozen=True)
class AccountMail:
    """One kind of such mail: templates/mail/<template>.txt and .html, which are given
    `user`, `link` and `minutes` (how long the link works)."""

    kind: str
    template: str
    subject: str
    link: SignedLink
    endpoint: str  # the view the link opens; takes `token`
    per_hour: int  # at most this many of this kind per account in any hour
    #: Also at most one per clock hour, settled by the outbox's unique dedupe key, so two
    #: requests racing cannot both pass the count.
    once_per_clock_hour: bool = False


def _stand_in(email: str) -> User:
    return User(id=0, email=email.strip().lower(), name="there", password_hash=_STAND_IN_HASH)


def mail_account_holder(session: Session, email: str, mail: AccountMail) -> bool:
    """Queue `mail` for the account with this address unless it had enough this hour.
    Returns whether a mail was queued; the caller answers the same either way and commits."""
    user = user_by_email(session, email)
    recipient = user if user is not None else _stand_in(email)
    recent = recent_mails(session, recipient.id, mail.kind, since=utcnow() - timedelta(hours=1))
    link = absolute_url(url_for(mail.endpoint, token=mail.link.token(recipient)))
    text, html = render_mail(
        mail.template, user=recipient, link=link, minutes=mail.link.max_age // 60
    )
    if user is None or recent >= mail.per_hour:
        return False
    dedupe_key = None
    if mail.once_per_clock_hour:
        dedupe_key = f"{mail.kind}:{user.id}:{utcnow():%Y-%m-%dT%H}"
    mail_id = enqueue(
        session,
        kind=mail.kind,
        recipient=user.email,
        user_id=user.id,
        subject=mail.subject,
        text=text,
        html=html,
        dedupe_key=dedupe_key,
    )
    return mail_id is not None
