"""Password reset: the signed link and the mail that carries it.

The link is a `SignedLink` over the user's password hash: it expires (`RESET_MAX_AGE`)
and works once, since setting the new password changes the hash and every link issued
before (this one included) stops matching. The request does the same work whether or
not an account has the address (todo_web/auth/account_mail.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import User
from .account_mail import AccountMail, mail_account_holder
from .signed_links import SignedLink

RESET_MAX_AGE = 3600  # seconds
#: More requests than this within an hour queue no more mails: one account's inbox must
#: not be flooded by someone typing its address again and again.
RESET_MAILS_PER_HOUR = 3

RESET_LINK = SignedLink(
    salt="todo-web password reset", state=lambda user: user.password_hash, max_age=RESET_MAX_AGE
)
RESET_MAIL = AccountMail(
    kind="password_reset",
    template="password_reset",
    subject="Reset your todo-web password",
    link=RESET_LINK,
    endpoint="auth.reset_password",
    per_hour=RESET_MAILS_PER_HOUR,
)


def make_reset_token(user: User) -> str:
    return RESET_LINK.token(user)


def user_for_reset_token(session: Session, token: str, max_age: int = RESET_MAX_AGE) -> User | None:
    """The user a still-valid token belongs to; None if forged, expired or already used."""
    return RESET_LINK.user_for(session, token, max_age)


def request_reset(session: Session, email: str) -> None:
    """Queue a reset mail if an account has this address; say nothing either way.

    The caller commits and answers the same whether or not a mail was queued.
    """
    mail_account_holder(session, email, RESET_MAIL)
