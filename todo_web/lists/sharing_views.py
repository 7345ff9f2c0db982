"""Sharing routes: a list's members page, inviting, roles, removing, leaving, handing the
list over, and answering invitations (DESIGN.md, "Sharing (contract)").

Each works as a plain form POST answered with a redirect. Someone who is not a member of
the list gets 404 on every route; a member who is not its owner gets 403 on the owner's
routes (see todo_web.access). An invitation that is not the user's is a 404 too; one that
can no longer be answered (expired, withdrawn, already answered) a 410 saying why.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from ..access import Need, list_for
from ..db import get_session
from ..errors import render_error
from ..ids import id_from_text
from ..models import EMAIL_MAX, INVITABLE_ROLES, Invitation, Role, TaskList
from ..ratelimit import configured, limiter, user_key
from .invitations import (
    InvitationError,
    InvitationGone,
    accept,
    decline,
    invitation_for,
    invite,
    pending_for,
    pending_of_list,
    revoke,
    why_not_pending,
)
from .members import MembershipError, members_of, remove_member, set_role, transfer

bp = Blueprint("sharing", __name__)

ROLE_CHOICES = [(role.value, role.value.capitalize()) for role in INVITABLE_ROLES]


def _email(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


class InviteForm(FlaskForm):
    email = EmailField(
        "E-mail",
        filters=[_email],
        validators=[
            DataRequired(message="Enter the address to invite."),
            Length(max=EMAIL_MAX),
            Email(message="Enter an e-mail address."),
        ],
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice(value, label) for value, label in ROLE_CHOICES],
        default=Role.EDITOR.value,
        validators=[InputRequired(message="Choose editor or viewer.")],
    )


@bp.app_template_global()
def my_invitations() -> list[Invitation]:
    """The logged-in user's pending invitations, for the /lists page."""
    if not current_user.is_authenticated:
        return []
    return list(pending_for(get_session(), current_user))


# -- the members page ----------------------------------------------------------------------


def _members_page(
    task_list: TaskList, form: InviteForm | None = None, status: int = 200, error: str = ""
) -> Response:
    session = get_session()
    members = members_of(session, task_list)
    me = next(member for member in members if member.user_id == current_user.id)
    is_owner = me.role == Role.OWNER
    html = render_template(
        "lists/members.html",
        task_list=task_list,
        members=members,
        me=me,
        is_owner=is_owner,
        form=form or InviteForm(formdata=None),
        invitations=pending_of_list(session, task_list) if is_owner else [],
        editors=[member for member in members if member.role == Role.EDITOR],
        role_choices=ROLE_CHOICES,
        error=error,
    )
    return make_response(html, status)


@bp.get("/lists/<int:list_id>/members")
@login_required
def members(list_id: int) -> Response:
    task_list = list_for(get_session(), current_user, list_id, Need.VIEW)
    return _members_page(task_list)


@bp.post("/lists/<int:list_id>/members")
@limiter.limit(configured("RATELIMIT_INVITE_PER_USER"), key_func=user_key, scope="invite")
@login_required
def invite_member(list_id: int) -> Response:
    session = get_session()
    task_list = list_for(session, current_user, list_id, Need.MANAGE)
    form = InviteForm()
    if not form.validate_on_submit():
        return _members_page(task_list, form, 400)
    try:
        invite(session, task_list, current_user, form.email.data, Role(form.role.data))
    except InvitationError as error:
        session.rollback()
        return _members_page(task_list, form, 400, str(error))
    session.commit()
    # The same words whether or not the address has an account, or was invited before.
    flash(f"Invited {form.email.data} as {form.role.data}.", "success")
    return redirect(url_for("sharing.members", list_id=task_list.id))


def _role_from_form() -> Role | None:
    raw = request.form.get("role", "")
    return Role(raw) if raw in {role.value for role in INVITABLE_ROLES} else None


def _refused(error: MembershipError) -> Response:
    get_session().rollback()
    return render_error(400, str(error))


@bp.post("/lists/<int:list_id>/members/<int:user_id>")
@login_required
def change_role(list_id: int, user_id: int) -> Response:
    session = get_session()
    task_list = list_for(session, current_user, list_id, Need.MANAGE)
    role = _role_from_form()
    if role is None:
        return render_error(400, "Choose editor or viewer.")
    try:
        set_role(session, task_list, user_id, role)
    except MembershipError as error:
        return _refused(error)
    session.commit()
    flash(f"Changed the role to {role.value}.", "success")
    return redirect(url_for("sharing.members", list_id=task_list.id))


@bp.post("/lists/<int:list_id>/members/<int:user_id>/remove")
@login_required
def remove(list_id: int, user_id: int) -> Response:
    """The owner removes a member; a member (their own id) leaves."""
    session = get_session()
    leaving = user_id == current_user.id
    task_list = list_for(session, current_user, list_id, Need.VIEW if leaving else Need.MANAGE)
    try:
        remove_member(session, task_list, user_id)
    except MembershipError as error:
        return _refused(error)
    session.commit()
    if leaving:
        flash(f"You left the list “{task_list.name}”.", "success")
        return redirect(url_for("lists.index"))
    flash("Removed them from the list.", "success")
    return redirect(url_for("sharing.members", list_id=task_list.id))


@bp.post("/lists/<int:list_id>/invitations/<int:invite_id>/revoke")
@login_required
def revoke_invitation(list_id: int, invite_id: int) -> Response:
    session = get_session()
    task_list = list_for(session, current_user, list_id, Need.MANAGE)
    invitation = revoke(session, task_list, invite_id)
    if invitation is None:
        abort(404)
    session.commit()
    flash(f"Withdrew the invitation to {invitation.email}.", "success")
    return redirect(url_for("sharing.members", list_id=task_list.id))


@bp.post("/lists/<int:list_id>/transfer")
@login_required
def transfer_list(list_id: int) -> Response:
    session = get_session()
    task_list = list_for(session, current_user, list_id, Need.MANAGE)
    try:
        new_owner_id = id_from_text(request.form.get("user_id"))
    except ValueError:
        new_owner_id = None
    if new_owner_id is None:
        return render_error(400, "Choose the editor to hand the list to.")
    try:
        transfer(session, task_list, new_owner_id)
    except MembershipError as error:
        return _refused(error)
    session.commit()
    flash(f"Handed “{task_list.name}” over; you stay on as an editor.", "success")
    return redirect(url_for("sharing.members", list_id=task_list.id))


# -- answering an invitation ---------------------------------------------------------------


def _private(response: Response) -> Response:
    # The token is in the URL: keep it out of caches and of Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _gone(reason: str) -> Response:
    response = render_error(410, reason)
    return _private(response)


@bp.get("/invites/<int:invite_id>")
def invitation(invite_id: int) -> Response:
    """The signed link of an invitation's mail: accept or decline once logged in with the
    invited address; logged out, how to get there."""
    token = request.args.get("token", "")
    user = current_user if current_user.is_authenticated else None
    found = invitation_for(get_session(), user, invite_id, token)
    if found is None:
        abort(404)
    reason = why_not_pending(found)
    if reason is not None:
        return _gone(reason)
    link = url_for("sharing.invitation", invite_id=invite_id, token=token)
    html = render_template(
        "lists/invite.html",
        invitation=found,
        token=token,
        logged_in=user is not None,
        login_url=url_for("auth.login", next=link),
        register_url=url_for("auth.register", next=link),
        link=link,
    )
    return _private(make_response(html))


def _answerable(invite_id: int) -> Invitation:
    found = invitation_for(get_session(), current_user, invite_id, request.form.get("token"))
    if found is None:
        abort(404)
    return found


@bp.post("/invites/<int:invite_id>/accept")
@login_required
def accept_invitation(invite_id: int) -> Response:
    session = get_session()
    found = _answerable(invite_id)
    try:
        accept(session, found, current_user)
    except InvitationGone as error:
        session.rollback()
        return _gone(str(error))
    except MembershipError as error:
        session.rollback()
        return render_error(400, str(error))
    session.commit()
    flash(f"You joined the list “{found.task_list.name}”.", "success")
    return redirect(url_for("tasks.index", list=found.list_id))


@bp.post("/invites/<int:invite_id>/decline")
@login_required
def decline_invitation(invite_id: int) -> Response:
    session = get_session()
    found = _answerable(invite_id)
    try:
        decline(session, found)
    except InvitationGone as error:
        session.rollback()
        return _gone(str(error))
    session.commit()
    flash(f"Declined the invitation to “{found.task_list.name}”.", "info")
    return redirect(url_for("lists.index"))
