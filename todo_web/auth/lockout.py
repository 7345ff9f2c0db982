"""Failed-login throttles that someone who knows an e-mail address cannot turn against
its owner.

The policy (OWASP's "device cookie" scheme, and what GitHub and Todoist do in effect):

1. **Per client address**, every login POST: 30 a minute, 300 an hour
   (RATELIMIT_LOGIN_PER_ADDRESS). Generous: an office or a phone carrier shares one.
2. **Per account and client**, failed logins (a wrong password) for one e-mail address
   from one client: 5 a minute, 30 an hour (RATELIMIT_LOGIN_PER_ACCOUNT_AND_CLIENT). The
   client is the browser when it is *known* for that account (below), else its address.
   Someone guessing from elsewhere throttles only themselves.
3. **Per account**, failed logins for one e-mail address from every browser not known
   for it, wherever it is: 20 an hour, 100 a day (RATELIMIT_LOGIN_PER_ACCOUNT). This
   bounds what many addresses guess together; one address alone meets (2) long before.

A browser is *known* for an account when its signed `login_trust` cookie names that
account: a successful login or registration writes it (the browser proved the
password), and so does the unlock link below. It exempts the browser from (1) and (3)
and gives it a counter of its own in (2); it never logs anyone in, the password is still
needed. So when (3) trips the owner still logs in from the browsers they use, and only
new ones wait.

When (2) or (3) refuses a login, the owner of the address (if an account has it) is
mailed an unlock link, at most one an hour. The link is a `SignedLink` over the password
hash and `users.login_unlocked_at`: it works for an hour, for that account only, and once
(using it sets `login_unlocked_at`). Opening it shows a button (mail scanners open links,
so a GET changes nothing); pressing it makes that browser known for the account with a
fresh counter, so the owner logs in at once even while their own address is throttled.

The 429 page says what happened and that a link was mailed "if an account uses this
address": the answer and the wait are the same for an address that has no account, and
so is the work, bar the outbox insert (todo_web/auth/account_mail.py). The mail is
written by the 429 handler (`mail_unlock_link`), not in Flask-Limiter's hook.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextlib import suppress
from typing import Any

from flask import Response, after_this_request, current_app, g, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..db import get_session, utcnow
from ..models import User
from .account_mail import AccountMail, mail_account_holder
from .signed_links import SignedLink

TRUST_COOKIE = "login_trust"
TRUST_MAX_AGE = 180 * 24 * 3600  # seconds; renewed at every login
#: Accounts one browser is known for (a family computer); the oldest is dropped first.
TRUST_ACCOUNTS_MAX = 10
_TRUST_SALT = "todo-web login trust"

UNLOCK_MAX_AGE = 3600  # seconds

THROTTLED_MESSAGE = (
    "Too many attempts with a wrong password for this e-mail address. Try again in {wait}. "
    "If an account uses this address, we have e-mailed it a link that lets you log in "
    "right away, from the browser you open it in."
)


def _unlock_state(user: User) -> str:
    unlocked = user.login_unlocked_at.isoformat() if user.login_unlocked_at else ""
    return f"{user.password_hash}|{unlocked}"


UNLOCK_LINK = SignedLink(salt="todo-web login unlock", state=_unlock_state, max_age=UNLOCK_MAX_AGE)
UNLOCK_MAIL = AccountMail(
    kind="login_unlock",
    template="login_unlock",
    subject="Too many failed logins to your todo-web account",
    link=UNLOCK_LINK,
    endpoint="auth.unlock",
    per_hour=1,
    once_per_clock_hour=True,
)


# -- the browser's trust cookie ------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_TRUST_SALT)


def _account_tag(email: str) -> str:
    """Names an account in the cookie without showing its address (the payload is
    readable, only signed)."""
    key = f"{_TRUST_SALT}:{current_app.config['SECRET_KEY']}".encode()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:24]


def _trusted() -> dict[str, str]:
    """The cookie's entries, account tag → this browser's counter name; {} if none."""
    raw = request.cookies.get(TRUST_COOKIE)
    if not raw:
        return {}
    try:
        data: Any = _serializer().loads(raw, max_age=TRUST_MAX_AGE)
    except BadData:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _form_email() -> str:
    return request.form.get("email", "").strip().lower()


def _browser_for(email: str) -> str | None:
    return _trusted().get(_account_tag(email)) if email else None


def remember_browser(email: str) -> None:
    """Make this browser known for the account of `email`, with a new counter in limit (2);
    the cookie goes out with this request's response."""
    entries = _trusted()
    tag = _account_tag(email.strip().lower())
    entries.pop(tag, None)
    entries[tag] = secrets.token_urlsafe(12)
    value = _serializer().dumps(dict(list(entries.items())[-TRUST_ACCOUNTS_MAX:]))

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            TRUST_COOKIE,
            value,
            max_age=TRUST_MAX_AGE,
            path="/auth/",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response


# -- what Flask-Limiter asks ---------------------------------------------------------------


def known_browser() -> bool:
    """Whether this browser is known for the account the login form names: `exempt_when`
    of limits (1) and (3)."""
    return _browser_for(_form_email()) is not None


def account_and_client_key() -> str:
    """The counter of limit (2): the account and this browser if known for it, else the
    account and the client's address."""
    email = _form_email()
    if not email:
        return f"address:{get_remote_address()}"
    browser = _browser_for(email)
    client = f"browser:{browser}" if browser else f"address:{get_remote_address()}"
    return f"account:{email}|{client}"


def failed_login(response: Response) -> bool:
    """A login the view refused (400: wrong password or a bad form). A throttled attempt
    (429) never reached the password check and is not counted: an attacker held back by
    limit (2) must not go on filling limit (3), the owner's."""
    return response.status_code == 400


def account_throttled(limit: RequestLimit) -> None:
    """`on_breach` of limits (2) and (3): note which address was refused. Nothing more
    here: Flask-Limiter takes any error raised in this hook for its store failing (and
    would switch to counting in memory), so the mail is written by `mail_unlock_link`."""
    email = _form_email()
    if email:
        g.login_throttled_email = email


def mail_unlock_link() -> None:
    """For the 429 handler: after (2) or (3) refused a login, mail the owner of the address
    an unlock link (or do the same work for nobody), in a transaction of its own. If the
    database fails, that is logged and the 429 answer stands; the next refused attempt
    tries again."""
    email = g.get("login_throttled_email")
    if not email:
        return
    db = get_session()
    try:
        mail_account_holder(db, email, UNLOCK_MAIL)
        db.commit()
    except SQLAlchemyError:
        current_app.logger.exception("could not queue the unlock mail")
        with suppress(SQLAlchemyError):
            db.rollback()


def throttled_message(wait: str) -> str | None:
    """The 429 text when an account limit refused this request, else None."""
    return THROTTLED_MESSAGE.format(wait=wait) if g.get("login_throttled_email") else None


# -- the unlock link -----------------------------------------------------------------------


def user_for_unlock_token(session: Session, token: str) -> User | None:
    return UNLOCK_LINK.user_for(session, token)


def use_unlock_link(session: Session, user: User) -> None:
    """Retire this link and every unlock link mailed before it; the caller commits."""
    user.login_unlocked_at = utcnow()
    session.flush()
