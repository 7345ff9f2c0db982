"""Invitations to a shared list: sending them, the signed link, answering and revoking.

An invitation is pending while nobody has accepted, declined or revoked it and it is
younger than INVITATION_DAYS (counted from its creation: mailing it again does not make it
last longer). Who may answer it is decided by its address:

- an address that had an account when it was invited: that account, from the invitations
  on its /lists page (the mail links there);
- an address without one (`needs_token`): only through the signed link of the mail, once
  logged in with that address. Registering the address alone grants nothing, since anyone
  could register an address they do not read.

Inviting answers the same whether or not the address has an account; the caller words it
so. Functions take a list the caller got through todo_web.access and leave the commit to
the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, joinedload

from ..db import utcnow
from ..mail import absolute_url, enqueue, render_mail
from ..models import INVITATION_DAYS, Invitation, ListMember, Role, TaskList, User
from .members import add_member

#: How long the signed link of an invitation works (as long as the invitation does).
TOKEN_MAX_AGE = INVITATION_DAYS * 24 * 3600
#: Inviting an address again within this time sends no second mail.
REMAIL_AFTER = timedelta(hours=1)
_SALT = "todo-web list invitation"


class InvitationError(ValueError):
    """An invitation the rules forbid (the owner, a member, the Inbox); a 400."""


class InvitationGone(LookupError):
    """An invitation that can no longer be answered; the message says why (a 410)."""


@dataclass(frozen=True)
class Invited:
    """What inviting did: the invitation, and whether a mail went out this time."""

    invitation: Invitation
    mailed: bool


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_token(invitation: Invitation) -> str:
    """The signed link's token: the invitation's id and address, with the signing time."""
    return _serializer().dumps({"invite": invitation.id, "email": invitation.email})


def token_matches(invitation: Invitation, token: str | None) -> bool:
    """Whether `token` was signed for this invitation and is younger than TOKEN_MAX_AGE."""
    if not token:
        return False
    try:
        data: Any = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadData:
        return False
    return (
        isinstance(data, dict)
        and data.get("invite") == invitation.id
        and data.get("email") == invitation.email
    )


def _pending(now: datetime | None = None) -> ColumnElement[bool]:
    """The condition on Invitation for the ones that can still be answered."""
    now = now or utcnow()
    return and_(
        Invitation.accepted_at.is_(None),
        Invitation.declined_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.created_at > now - timedelta(days=INVITATION_DAYS),
    )


def why_not_pending(invitation: Invitation) -> str | None:
    """None while the invitation can be answered; otherwise the reason, in words."""
    if invitation.accepted_at is not None or invitation.declined_at is not None:
        return "This invitation has already been answered."
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn by the list's owner."
    if invitation.created_at <= utcnow() - timedelta(days=INVITATION_DAYS):
        return (
            f"This invitation has expired (they last {INVITATION_DAYS} days). "
            "Ask the list's owner to invite you again."
        )
    if invitation.task_list.deleted_at is not None:
        return "The list of this invitation has been deleted."
    return None


def _account(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def invite(session: Session, task_list: TaskList, inviter: User, email: str, role: Role) -> Invited:
    """Invite `email` (lower-case) to the list as `role`. An address with a pending
    invitation to the list keeps it, with the role asked for now, and is mailed again only
    when the last mail is older than REMAIL_AFTER."""
    if role not in (Role.EDITOR, Role.VIEWER):
        raise InvitationError("Invite people as editors or viewers.")
    if task_list.is_inbox:
        raise InvitationError("The Inbox cannot be shared.")
    account = _account(session, email)
    if account is not None:
        membership = session.scalar(
            select(ListMember.role).where(
                ListMember.list_id == task_list.id, ListMember.user_id == account.id
            )
        )
        if membership == Role.OWNER:
            raise InvitationError("That is the list's owner.")
        if membership is not None:
            raise InvitationError(f"{email} is already a member of this list.")
    now = utcnow()
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.list_id == task_list.id, Invitation.email == email, _pending(now))
        .order_by(Invitation.id.desc())
        .limit(1)
    )
    if invitation is None:
        invitation = Invitation(
            list_id=task_list.id,
            email=email,
            role=role.value,
            invited_by_id=inviter.id,
            needs_token=account is None,
            created_at=now,
            mailed_at=now,
        )
        session.add(invitation)
        session.flush()
    else:
        invitation.role = role.value
        invitation.invited_by_id = inviter.id
        if invitation.mailed_at > now - REMAIL_AFTER:
            session.flush()
            return Invited(invitation, mailed=False)
        invitation.mailed_at = now
        session.flush()
    _mail(session, invitation, task_list, inviter, account)
    return Invited(invitation, mailed=True)


def _mail(
    session: Session,
    invitation: Invitation,
    task_list: TaskList,
    inviter: User,
    account: User | None,
) -> None:
    """Queue the invitation's mail: a link to /lists for an account, the signed link
    otherwise."""
    if invitation.needs_token:
        path = url_for("sharing.invitation", invite_id=invitation.id, token=make_token(invitation))
    else:
        path = url_for("lists.index")
    text, html = render_mail(
        "invitation",
        inviter=inviter,
        task_list=task_list,
        role=invitation.role,
        link=absolute_url(path),
        has_account=not invitation.needs_token,
        days=INVITATION_DAYS,
    )
    enqueue(
        session,
        kind="invitation",
        recipient=invitation.email,
        user_id=account.id if account is not None else None,
        subject=f"{inviter.name} invited you to the list “{task_list.name}”",
        text=text,
        html=html,
    )


def pending_of_list(session: Session, task_list: TaskList) -> Sequence[Invitation]:
    """The list's pending invitations, oldest first (for its owner's members page)."""
    return session.scalars(
        select(Invitation)
        .where(Invitation.list_id == task_list.id, _pending())
        .order_by(Invitation.created_at, Invitation.id)
    ).all()


def pending_for(session: Session, user: User) -> Sequence[Invitation]:
    """The pending invitations the user can answer from /lists: those to their address
    that did not need the signed link, to lists that still exist, newest first."""
    return session.scalars(
        select(Invitation)
        .join(TaskList, TaskList.id == Invitation.list_id)
        .where(
            Invitation.email == user.email.lower(),
            Invitation.needs_token.is_(False),
            TaskList.deleted_at.is_(None),
            _pending(),
        )
        .options(joinedload(Invitation.task_list), joinedload(Invitation.invited_by))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ).all()


def invitation_for(
    session: Session, user: User | None, invite_id: int, token: str | None
) -> Invitation | None:
    """The invitation `user` may answer (or, logged out, see through its link), or None
    for "not theirs" (a 404: missing, another address, or one that needs the signed link
    without a valid token). Whether it is still pending is the caller's to ask
    (`why_not_pending`)."""
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.id == invite_id)
        .options(joinedload(Invitation.task_list), joinedload(Invitation.invited_by))
    )
    if invitation is None:
        return None
    if user is not None and invitation.email != user.email.lower():
        return None
    needs_link = invitation.needs_token or user is None
    if needs_link and not token_matches(invitation, token):
        return None
    return invitation


def accept(session: Session, invitation: Invitation, user: User) -> None:
    """Make the user a member with the invitation's role (InvitationGone when it is no
    longer pending)."""
    _still_pending(invitation)
    add_member(session, invitation.task_list, user, Role(invitation.role))
    invitation.accepted_at = utcnow()
    session.flush()


def decline(session: Session, invitation: Invitation) -> None:
    _still_pending(invitation)
    invitation.declined_at = utcnow()
    session.flush()


def revoke(session: Session, task_list: TaskList, invite_id: int) -> Invitation | None:
    """Withdraw a pending invitation of the list; None when it has no such invitation."""
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.id == invite_id, Invitation.list_id == task_list.id, _pending()
        )
    )
    if invitation is None:
        return None
    invitation.revoked_at = utcnow()
    session.flush()
    return invitation


def _still_pending(invitation: Invitation) -> None:
    reason = why_not_pending(invitation)
    if reason is not None:
        raise InvitationGone(reason)
