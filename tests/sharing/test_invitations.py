"""Invitations (DESIGN.md, "Sharing (contract)"): inviting answers the same whether or not the
address has an account and mails once an hour at most; an account answers from /lists, an
address without one only through the signed link of its mail; nobody else may answer; an
invitation ends when it is answered, withdrawn, or 14 days old.

Alice owns Work; Bob has an account; carol@example.com has none when invited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from time_machine import TimeMachineFixture
from werkzeug.test import TestResponse

from todo_web.lists.queries import inbox_of
from todo_web.models import Invitation, Role, TaskList, User

from ..client import Client, text_of
from ..factories import PASSWORD, make_list, make_user, share, user_by_email
from ..lists import list_page_ids
from . import everything, invitation_mails, invitations, mail_link, roles

CAROL = "carol@example.com"
CSRF_VALUE = re.compile(r'(?<=csrf-token" content=")[^"]+|(?<="X-CSRFToken": ")[^"]+')
CSRF_FIELD = re.compile(r'(?<=name="csrf_token" value=")[^"]+')


@pytest.fixture
def work(db_session: Session, alice: User) -> TaskList:
    return make_list(db_session, alice, "Work")


def invite(client: Client, task_list: TaskList, email: str, role: str = "editor") -> TestResponse:
    return client.submit(f"/lists/{task_list.id}/members", {"email": email, "role": role})


def the_invitation(session: Session, email: str) -> Invitation:
    found = invitations(session, email=email)
    assert len(found) == 1, found
    return found[0]


# -- inviting ------------------------------------------------------------------------------


def test_an_account_is_invited_answers_from_lists_and_joins(
    work: TaskList, db_session: Session, alice_client: Client, bob: User, bob_client: Client
) -> None:
    response = invite(alice_client, work, "  Bob@Example.com ", "viewer")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/lists/{work.id}/members"
    invitation = the_invitation(db_session, bob.email)
    assert (invitation.role, invitation.needs_token) == ("viewer", False)
    assert invitation.invited_by_id == work.owner_id
    [mail] = invitation_mails(db_session, bob.email)
    assert "Alice invited you" in mail and "“Work”" in mail
    assert mail_link(mail) == "/lists"

    lists_page = text_of(bob_client.get("/lists"))
    assert "Invitations" in lists_page
    assert f'action="/invites/{invitation.id}/accept"' in lists_page
    assert f'action="/invites/{invitation.id}/decline"' in lists_page

    accepted = bob_client.submit(f"/invites/{invitation.id}/accept")
    assert accepted.status_code == 302
    assert accepted.headers["Location"] == f"/tasks?list={work.id}"
    assert roles(db_session, work.id)[bob.id] == "viewer"
    assert the_invitation(db_session, bob.email).accepted_at is not None
    page = bob_client.get("/lists")
    assert work.id in list_page_ids(page)
    assert f"/invites/{invitation.id}/accept" not in text_of(page)
    assert bob_client.get(f"/lists/{work.id}/members").status_code == 200


def test_an_address_without_an_account_gets_the_signed_link(
    work: TaskList, db_session: Session, alice_client: Client
) -> None:
    invite(alice_client, work, CAROL)
    invitation = the_invitation(db_session, CAROL)
    assert invitation.needs_token
    [mail] = invitation_mails(db_session, CAROL)
    assert re.fullmatch(rf"/invites/{invitation.id}\?token=[\w.-]+", mail_link(mail))
    assert the_invitation(db_session, CAROL).invited_by_id == work.owner_id


def normalized(body: str, *replace: str) -> str:
    body = CSRF_FIELD.sub("TOKEN", CSRF_VALUE.sub("TOKEN", body))
    for old in replace:
        body = body.replace(old, "X")
    return re.sub(r"(lists|invitations)/\d+|data-(list|invitation)-id=\"\d+\"|list=\d+", "ID", body)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    work: TaskList, db_session: Session, alice: User, alice_client: Client, bob: User
) -> None:
    home = make_list(db_session, alice, "Home")
    known = invite(alice_client, work, bob.email)
    known_page = alice_client.get(f"/lists/{work.id}/members")
    unknown = invite(alice_client, home, CAROL)
    unknown_page = alice_client.get(f"/lists/{home.id}/members")
    assert known.status_code == unknown.status_code == 302
    names = (bob.email, CAROL, "Work", "Home")
    assert normalized(text_of(known), *names) == normalized(text_of(unknown), *names)
    assert known_page.status_code == unknown_page.status_code == 200
    # Bob is invited to Work; Carol to Home. Each page lists its one pending invitation.
    assert normalized(text_of(known_page), *names) == normalized(text_of(unknown_page), *names)
    assert len(invitation_mails(db_session)) == 2


def test_inviting_again_within_an_hour_answers_alike_and_mails_once(
    clock: TimeMachineFixture, work: TaskList, db_session: Session, alice_client: Client
) -> None:
    first = invite(alice_client, work, CAROL)
    first_page = text_of(alice_client.get(f"/lists/{work.id}/members"))
    clock.shift(timedelta(minutes=59))
    second = invite(alice_client, work, CAROL, "viewer")
    second_page = text_of(alice_client.get(f"/lists/{work.id}/members"))
    assert (first.status_code, first.headers["Location"]) == (
        second.status_code,
        second.headers["Location"],
    )
    assert "Invited carol@example.com as editor." in unescape(first_page)
    assert "Invited carol@example.com as viewer." in unescape(second_page)
    assert len(invitation_mails(db_session, CAROL)) == 1
    assert the_invitation(db_session, CAROL).role == "viewer"  # the latest choice

    clock.shift(timedelta(minutes=2))  # 61 minutes after the first mail
    invite(alice_client, work, CAROL)
    assert len(invitation_mails(db_session, CAROL)) == 2
    assert len(invitations(db_session, email=CAROL)) == 1


@pytest.mark.parametrize("who", ["owner", "editor", "viewer"])
def test_inviting_the_owner_or_a_member_is_400(
    work: TaskList, app: Flask, db_session: Session, alice: User, alice_client: Client, who: str
) -> None:
    if who == "owner":
        email = alice.email
    else:
        member = make_user(db_session, f"{who}@example.com")
        share(db_session, work, member, who)
        email = member.email.upper()
    before = everything(app)
    response = invite(alice_client, work, email)
    assert response.status_code == 400
    body = unescape(text_of(response))
    assert "owner" in body if who == "owner" else "already a member" in body
    assert everything(app) == before


def test_inviting_to_the_inbox_is_400(
    app: Flask, db_session: Session, alice: User, alice_client: Client, bob: User
) -> None:
    inbox = inbox_of(db_session, alice)
    before = everything(app)
    response = invite(alice_client, inbox, bob.email)
    assert response.status_code == 400
    assert "Inbox cannot be shared" in text_of(response)
    assert everything(app) == before


@pytest.mark.parametrize(
    "form",
    [
        {"email": "", "role": "editor"},
        {"email": "not an address", "role": "editor"},
        {"email": "x" * 250 + "@example.com", "role": "editor"},
        {"email": CAROL, "role": "owner"},
        {"email": CAROL, "role": ""},
        {"email": CAROL},
    ],
)
def test_bad_invite_forms_are_400(
    work: TaskList, app: Flask, alice_client: Client, form: dict[str, str]
) -> None:
    before = everything(app)
    response = alice_client.submit(f"/lists/{work.id}/members", form)
    assert response.status_code == 400
    assert everything(app) == before


# -- who may answer ----------------------------------------------------------------------------


def test_another_account_cannot_answer(
    work: TaskList,
    app: Flask,
    db_session: Session,
    alice_client: Client,
    bob: User,
    log_in: Callable[[User], Client],
) -> None:
    invite(alice_client, work, bob.email)
    invitation = the_invitation(db_session, bob.email)
    dave = log_in(make_user(db_session, "dave@example.com"))
    assert f"/invites/{invitation.id}/" not in text_of(dave.get("/lists"))
    before = everything(app)
    for answer in ("accept", "decline"):
        assert dave.submit(f"/invites/{invitation.id}/{answer}").status_code == 404
        assert alice_client.submit(f"/invites/{invitation.id}/{answer}").status_code == 404
    assert dave.get(f"/invites/{invitation.id}").status_code == 404
    assert dave.submit("/invites/987654/accept").status_code == 404
    assert everything(app) == before


def test_answering_needs_a_login(work: TaskList, app: Flask, client: Client) -> None:
    before = everything(app)
    response = client.submit("/invites/1/accept")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert everything(app) == before


def test_registering_the_address_grants_nothing_until_the_link_is_opened(
    work: TaskList, app: Flask, db_session: Session, alice_client: Client, client: Client
) -> None:
    invite(alice_client, work, CAROL)
    invitation = the_invitation(db_session, CAROL)
    link = mail_link(invitation_mails(db_session, CAROL)[0])

    assert client.register(CAROL, name="Carol").status_code == 302
    assert f"/invites/{invitation.id}/" not in text_of(client.get("/lists"))
    before = everything(app)
    assert client.submit(f"/invites/{invitation.id}/accept").status_code == 404
    assert client.submit(f"/invites/{invitation.id}/accept", {"token": "forged"}).status_code == 404
    assert client.get(f"/lists/{work.id}/members").status_code == 404
    assert everything(app) == before

    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    body = unescape(text_of(page))
    assert "Join “Work”" in body and f'action="/invites/{invitation.id}/accept"' in body
    token = link.partition("token=")[2]
    assert f'name="token" value="{token}"' in body
    accepted = client.submit(f"/invites/{invitation.id}/accept", {"token": token})
    assert accepted.status_code == 302
    carol = user_by_email(db_session, CAROL)
    assert roles(db_session, work.id)[carol.id] == Role.EDITOR
    assert the_invitation(db_session, CAROL).accepted_at is not None
    assert client.get(f"/lists/{work.id}/members").status_code == 200


def test_a_logged_out_visitor_of_the_link_is_sent_to_log_in_and_back(
    work: TaskList,
    db_session: Session,
    alice_client: Client,
    client: Client,
) -> None:
    invite(alice_client, work, CAROL)
    link = mail_link(invitation_mails(db_session, CAROL)[0])
    page = client.get(link)
    assert page.status_code == 200
    body = unescape(text_of(page))
    assert "/auth/login?next=" in body and "/auth/register" in body
    assert "/accept" not in body

    make_user(db_session, CAROL)
    login_href = re.search(r'href="(/auth/login\?next=[^"]+)"', text_of(page))
    assert login_href
    response = client.log_in(CAROL, query=unescape(login_href.group(1))[len("/auth/login") :])
    assert response.status_code == 302
    assert response.headers["Location"] == link
    assert "/accept" in text_of(client.get(link))


def test_registering_from_the_link_comes_back_to_it(
    work: TaskList, db_session: Session, alice_client: Client, client: Client
) -> None:
    invite(alice_client, work, CAROL)
    link = mail_link(invitation_mails(db_session, CAROL)[0])
    register_href = re.search(r'href="(/auth/register\?next=[^"]+)"', text_of(client.get(link)))
    assert register_href
    form_page = client.get(unescape(register_href.group(1)))
    assert 'action="/auth/register?next=' in text_of(form_page)
    response = client.submit(
        unescape(register_href.group(1)),
        {"name": "Carol", "email": CAROL, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == link
    assert "/accept" in text_of(client.get(link))
    # A next that leaves the site is ignored.
    elsewhere = client.get("/auth/register?next=https://evil.example/")
    assert elsewhere.status_code == 302 and elsewhere.headers["Location"] == "/tasks"


@pytest.mark.parametrize("how", ["tampered", "other invitation", "missing", "garbage"])
def test_a_bad_token_is_404(
    work: TaskList,
    app: Flask,
    db_session: Session,
    alice_client: Client,
    client: Client,
    how: str,
) -> None:
    invite(alice_client, work, CAROL)
    invite(alice_client, work, "erin@example.com")
    invitation = the_invitation(db_session, CAROL)
    token = mail_link(invitation_mails(db_session, CAROL)[0]).partition("token=")[2]
    other = mail_link(invitation_mails(db_session, "erin@example.com")[0]).partition("token=")[2]
    bad = {
        "tampered": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "other invitation": other,
        "missing": "",
        "garbage": "%%%",
    }[how]
    make_user(db_session, CAROL)
    assert client.get(f"/invites/{invitation.id}?token={bad}").status_code == 404
    client.log_in(CAROL)
    before = everything(app)
    assert client.get(f"/invites/{invitation.id}?token={bad}").status_code == 404
    assert client.submit(f"/invites/{invitation.id}/accept", {"token": bad}).status_code == 404
    assert client.submit(f"/invites/{invitation.id}/decline", {"token": bad}).status_code == 404
    assert everything(app) == before


def test_declining(
    work: TaskList, db_session: Session, alice_client: Client, bob: User, bob_client: Client
) -> None:
    invite(alice_client, work, bob.email)
    invitation = the_invitation(db_session, bob.email)
    response = bob_client.submit(f"/invites/{invitation.id}/decline")
    assert response.status_code == 302
    assert response.headers["Location"] == "/lists"
    assert the_invitation(db_session, bob.email).declined_at is not None
    assert bob.id not in roles(db_session, work.id)
    members_page = text_of(alice_client.get(f"/lists/{work.id}/members"))
    assert f"/invitations/{invitation.id}/revoke" not in members_page
    # Answered: neither answer works again.
    for answer in ("accept", "decline"):
        again = bob_client.submit(f"/invites/{invitation.id}/{answer}")
        assert again.status_code == 410
        assert "already been answered" in text_of(again)
    assert bob.id not in roles(db_session, work.id)


# -- the end of an invitation -----------------------------------------------------------------


def test_an_invitation_expires_after_14_days(
    clock: TimeMachineFixture,
    work: TaskList,
    app: Flask,
    db_session: Session,
    alice_client: Client,
    bob: User,
    bob_client: Client,
    client: Client,
) -> None:
    invite(alice_client, work, bob.email)
    invite(alice_client, work, CAROL)
    bobs = the_invitation(db_session, bob.email)
    link = mail_link(invitation_mails(db_session, CAROL)[0])
    clock.shift(timedelta(days=13, hours=23))
    assert f"/invites/{bobs.id}/accept" in text_of(bob_client.get("/lists"))
    assert client.get(link).status_code == 200
    assert CAROL in text_of(alice_client.get(f"/lists/{work.id}/members"))

    clock.shift(timedelta(hours=1, minutes=1))
    assert f"/invites/{bobs.id}/accept" not in text_of(bob_client.get("/lists"))
    members_page = alice_client.get(f"/lists/{work.id}/members")
    assert members_page.status_code == 200
    assert CAROL not in text_of(members_page)
    before = everything(app)
    response = bob_client.submit(f"/invites/{bobs.id}/accept")
    assert response.status_code == 410
    assert "expired" in text_of(response)
    # The signed link lasts as long as the invitation: past that, it is no link at all.
    assert client.get(link).status_code == 404
    assert everything(app) == before

    # A new invitation after the old one expired is a new one, mailed at once.
    invite(alice_client, work, bob.email)
    assert len(invitations(db_session, email=bob.email)) == 2
    assert len(invitation_mails(db_session, bob.email)) == 2


def test_the_owner_revokes_an_invitation(
    work: TaskList,
    app: Flask,
    db_session: Session,
    alice: User,
    alice_client: Client,
    bob: User,
    bob_client: Client,
) -> None:
    invite(alice_client, work, bob.email)
    invitation = the_invitation(db_session, bob.email)
    response = alice_client.submit(f"/lists/{work.id}/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/lists/{work.id}/members"
    assert the_invitation(db_session, bob.email).revoked_at is not None
    assert f"/invites/{invitation.id}/accept" not in text_of(bob_client.get("/lists"))
    assert f"/invitations/{invitation.id}/revoke" not in text_of(
        alice_client.get(f"/lists/{work.id}/members")
    )
    before = everything(app)
    refused = bob_client.submit(f"/invites/{invitation.id}/accept")
    assert refused.status_code == 410
    assert "withdrawn" in text_of(refused)
    assert everything(app) == before
    # Revoking twice, or through another list of the owner's, finds nothing.
    home = make_list(db_session, alice, "Home")
    before = everything(app)
    assert (
        alice_client.submit(f"/lists/{work.id}/invitations/{invitation.id}/revoke").status_code
        == 404
    )
    assert everything(app) == before
    invite(alice_client, work, CAROL)
    carols = the_invitation(db_session, CAROL)
    before = everything(app)
    assert (
        alice_client.submit(f"/lists/{home.id}/invitations/{carols.id}/revoke").status_code == 404
    )
    assert everything(app) == before


def test_accepting_twice_is_refused(
    work: TaskList, db_session: Session, alice_client: Client, bob: User, bob_client: Client
) -> None:
    invite(alice_client, work, bob.email)
    invitation = the_invitation(db_session, bob.email)
    assert bob_client.submit(f"/invites/{invitation.id}/accept").status_code == 302
    assert bob_client.submit(f"/invites/{invitation.id}/accept").status_code == 410
    assert roles(db_session, work.id)[bob.id] == "editor"


def test_an_invitation_to_a_deleted_list_cannot_be_accepted(
    work: TaskList,
    app: Flask,
    db_session: Session,
    alice_client: Client,
    bob: User,
    bob_client: Client,
) -> None:
    invite(alice_client, work, bob.email)
    invitation = the_invitation(db_session, bob.email)
    assert alice_client.submit(f"/lists/{work.id}/delete").status_code == 302
    assert f"/invites/{invitation.id}/" not in text_of(bob_client.get("/lists"))
    before = everything(app)
    assert bob_client.submit(f"/invites/{invitation.id}/accept").status_code == 410
    assert everything(app) == before


def test_invitations_per_account_are_limited(
    make_app: Callable[..., Flask], db_session: Session, alice: User, work: TaskList
) -> None:
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_INVITE_PER_USER="2 per hour")
    client: Client = limited.test_client()  # type: ignore[assignment]
    assert client.log_in(alice.email).status_code == 302
    statuses = [invite(client, work, f"p{n}@example.com").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert len(invitation_mails(db_session)) == 2


def test_the_signed_link_works_only_for_its_address(
    work: TaskList,
    app: Flask,
    db_session: Session,
    alice_client: Client,
    bob: User,
    bob_client: Client,
) -> None:
    invite(alice_client, work, CAROL)
    invitation = the_invitation(db_session, CAROL)
    link = mail_link(invitation_mails(db_session, CAROL)[0])
    token = link.partition("token=")[2]
    before = everything(app)
    assert bob_client.get(link).status_code == 404
    for answer in ("accept", "decline"):
        response = bob_client.submit(f"/invites/{invitation.id}/{answer}", {"token": token})
        assert response.status_code == 404
    assert everything(app) == before
