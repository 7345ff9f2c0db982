"""The members page and the owner's routes on it (DESIGN.md, "Sharing (contract)"): who sees
what, changing roles, removing members, leaving, handing the list over; an editor or viewer
gets 403 on every owner route and a non-member 404 on every route, with nothing changed.

Alice owns Work, Bob edits it, Carol views it; Dave is no member.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from todo_web.access import DENIED_MESSAGES, Need
from todo_web.lists.queries import inbox_of
from todo_web.models import Invitation, Role, Task, TaskList, User

from ..client import Client, text_of
from ..factories import get_task, make_list, make_task, make_user, share
from ..lists import get_list, list_page_ids
from . import everything, roles

OWNER_ONLY = DENIED_MESSAGES[Need.MANAGE]


@dataclass
class Team:
    work: TaskList
    alice: User
    bob: User
    carol: User
    dave: User
    invitation: Invitation
    bobs_task: Task
    carols_task: Task

    @property
    def members_url(self) -> str:
        return f"/lists/{self.work.id}/members"


@pytest.fixture
def team(db_session: Session, alice: User, bob: User) -> Team:
    carol = make_user(db_session, "carol@example.com")
    dave = make_user(db_session, "dave@example.com")
    work = make_list(db_session, alice, "Work")
    share(db_session, work, bob, Role.EDITOR)
    share(db_session, work, carol, Role.VIEWER)
    bobs_task = make_task(db_session, alice, "Bob's", task_list=work, assignee_id=bob.id)
    carols_task = make_task(db_session, alice, "Nobody's", task_list=work)
    invitation = Invitation(
        list_id=work.id, email="erin@example.com", role="viewer", invited_by_id=alice.id
    )
    db_session.add(invitation)
    db_session.commit()
    return Team(work, alice, bob, carol, dave, invitation, bobs_task, carols_task)


def owner_routes(team: Team) -> list[tuple[str, dict[str, object]]]:
    """Every owner-only POST of the list, with a form that would work for the owner."""
    work = team.work.id
    return [
        (f"/lists/{work}/members", {"email": "frank@example.com", "role": "editor"}),
        (f"/lists/{work}/members/{team.bob.id}", {"role": "viewer"}),
        (f"/lists/{work}/members/{team.carol.id}", {"role": "editor"}),
        (f"/lists/{work}/members/{team.bob.id}/remove", {}),
        (f"/lists/{work}/members/{team.carol.id}/remove", {}),
        (f"/lists/{work}/invitations/{team.invitation.id}/revoke", {}),
        (f"/lists/{work}/transfer", {"user_id": team.bob.id}),
    ]


# -- the page ------------------------------------------------------------------------------


def test_every_member_sees_the_members_with_roles_and_initials(
    team: Team, log_in: Callable[[User], Client]
) -> None:
    for user in (team.alice, team.bob, team.carol):
        page = log_in(user).get(team.members_url)
        assert page.status_code == 200
        body = text_of(page)
        for member, role in ((team.alice, "owner"), (team.bob, "editor"), (team.carol, "viewer")):
            assert f'data-user-id="{member.id}" data-role="{role}"' in body
            assert member.name in body
        assert ">A</span>" in body and ">B</span>" in body and ">C</span>" in body


def test_the_owner_sees_the_invite_form_invitations_and_hand_over(
    team: Team, alice_client: Client
) -> None:
    body = text_of(alice_client.get(team.members_url))
    assert f'action="/lists/{team.work.id}/members"' in body
    assert 'name="email"' in body and 'name="role"' in body
    assert f'action="/lists/{team.work.id}/members/{team.bob.id}"' in body
    assert f'action="/lists/{team.work.id}/members/{team.bob.id}/remove"' in body
    assert "erin@example.com" in body
    assert f'action="/lists/{team.work.id}/invitations/{team.invitation.id}/revoke"' in body
    assert f'action="/lists/{team.work.id}/transfer"' in body
    assert f'<option value="{team.bob.id}">' in body  # only editors take the list over
    assert f'<option value="{team.carol.id}">' not in body
    assert "Leave" not in body


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_other_members_see_a_leave_form_and_no_owner_controls(
    team: Team, log_in: Callable[[User], Client], who: str
) -> None:
    user = getattr(team, who)
    body = text_of(log_in(user).get(team.members_url))
    assert f'action="/lists/{team.work.id}/members/{user.id}/remove"' in body
    assert "Leave" in body
    assert 'name="email"' not in body
    assert "erin@example.com" not in body  # pending invitations are the owner's business
    assert "/transfer" not in body and "/revoke" not in body
    other = team.carol if who == "bob" else team.bob
    assert f"/members/{other.id}/remove" not in body


def test_the_lists_page_links_to_members_of_lists_but_not_of_the_inbox(
    team: Team, db_session: Session, bob_client: Client, alice_client: Client
) -> None:
    body = text_of(bob_client.get("/lists"))
    assert f'href="/lists/{team.work.id}/members"' in body
    inbox = inbox_of(db_session, team.bob)
    assert f'href="/lists/{inbox.id}/members"' not in body
    # Rename and delete are the owner's: Bob, an editor, is not offered them.
    assert f'href="/lists/{team.work.id}/edit"' not in body
    assert f'href="/lists/{team.work.id}/edit"' in text_of(alice_client.get("/lists"))


def test_the_inbox_has_no_invite_form(
    team: Team, db_session: Session, alice_client: Client
) -> None:
    inbox = inbox_of(db_session, team.alice)
    page = alice_client.get(f"/lists/{inbox.id}/members")
    assert page.status_code == 200
    assert 'name="email"' not in text_of(page)


# -- who may not -----------------------------------------------------------------------------


def test_a_non_member_gets_404_on_every_route(
    team: Team, app: Flask, log_in: Callable[[User], Client]
) -> None:
    dave = log_in(team.dave)
    before = everything(app)
    assert dave.get(team.members_url).status_code == 404
    leave = (f"/lists/{team.work.id}/members/{team.dave.id}/remove", {})
    for url, form in [*owner_routes(team), leave]:
        response = dave.submit(url, form)
        assert response.status_code == 404, url
    assert everything(app) == before


def test_a_missing_list_is_404(alice_client: Client, alice: User) -> None:
    assert alice_client.get("/lists/987654/members").status_code == 404
    assert alice_client.submit("/lists/987654/transfer", {"user_id": 1}).status_code == 404


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_editors_and_viewers_get_403_on_every_owner_route(
    team: Team, app: Flask, log_in: Callable[[User], Client], who: str
) -> None:
    client = log_in(getattr(team, who))
    before = everything(app)
    for url, form in owner_routes(team):
        if url.endswith(f"/members/{getattr(team, who).id}/remove"):
            continue  # that one is leaving, which they may
        response = client.submit(url, form)
        assert response.status_code == 403, url
        assert OWNER_ONLY in unescape(text_of(response)), url
        assert everything(app) == before, url


# -- roles -----------------------------------------------------------------------------------


def test_the_owner_changes_roles_and_a_viewer_is_unassigned(
    team: Team, db_session: Session, alice_client: Client, log_in: Callable[[User], Client]
) -> None:
    response = alice_client.submit(
        f"/lists/{team.work.id}/members/{team.bob.id}", {"role": "viewer"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == team.members_url
    assert roles(db_session, team.work.id)[team.bob.id] == "viewer"
    assert get_task(db_session, team.bobs_task.id).assignee_id is None
    # Bob may look but no longer change anything.
    bob = log_in(team.bob)
    assert bob.get(f"/tasks/{team.carols_task.id}").status_code == 200
    assert bob.submit(f"/tasks/{team.carols_task.id}/toggle").status_code == 403

    alice_client.submit(f"/lists/{team.work.id}/members/{team.carol.id}", {"role": "editor"})
    assert roles(db_session, team.work.id)[team.carol.id] == "editor"


@pytest.mark.parametrize("role", ["owner", "admin", "", "EDITOR"])
def test_a_role_that_is_not_editor_or_viewer_is_400(
    team: Team, app: Flask, alice_client: Client, role: str
) -> None:
    before = everything(app)
    response = alice_client.submit(f"/lists/{team.work.id}/members/{team.bob.id}", {"role": role})
    assert response.status_code == 400
    assert everything(app) == before


def test_the_owners_own_role_and_non_members_cannot_be_changed(
    team: Team, app: Flask, alice_client: Client
) -> None:
    before = everything(app)
    for user_id in (team.alice.id, team.dave.id, 987654):
        response = alice_client.submit(
            f"/lists/{team.work.id}/members/{user_id}", {"role": "viewer"}
        )
        assert response.status_code == 400, user_id
    assert everything(app) == before


# -- removing and leaving ------------------------------------------------------------------


def test_a_removed_member_gets_404_at_once_and_is_unassigned(
    team: Team, db_session: Session, alice_client: Client, log_in: Callable[[User], Client]
) -> None:
    bob = log_in(team.bob)
    assert bob.get(f"/tasks/{team.bobs_task.id}").status_code == 200
    response = alice_client.submit(f"/lists/{team.work.id}/members/{team.bob.id}/remove")
    assert response.status_code == 302
    assert response.headers["Location"] == team.members_url
    assert team.bob.id not in roles(db_session, team.work.id)
    assert get_task(db_session, team.bobs_task.id).assignee_id is None
    assert bob.get(team.members_url).status_code == 404
    assert bob.get(f"/tasks/{team.bobs_task.id}").status_code == 404
    assert bob.get(f"/tasks?list={team.work.id}").status_code == 404


def test_a_member_leaves(team: Team, db_session: Session, log_in: Callable[[User], Client]) -> None:
    carol = log_in(team.carol)
    response = carol.submit(f"/lists/{team.work.id}/members/{team.carol.id}/remove")
    assert response.status_code == 302
    assert response.headers["Location"] == "/lists"
    assert team.carol.id not in roles(db_session, team.work.id)
    assert carol.get(team.members_url).status_code == 404
    assert team.work.id not in list_page_ids(carol.get("/lists"))


def test_the_owner_cannot_leave_or_be_removed(team: Team, app: Flask, alice_client: Client) -> None:
    before = everything(app)
    response = alice_client.submit(f"/lists/{team.work.id}/members/{team.alice.id}/remove")
    assert response.status_code == 400
    assert "hand it over" in text_of(response)
    assert (
        alice_client.submit(f"/lists/{team.work.id}/members/{team.dave.id}/remove").status_code
        == 400
    )
    assert everything(app) == before


# -- handing over -------------------------------------------------------------------------------


def test_the_owner_hands_the_list_to_an_editor(
    team: Team, db_session: Session, alice_client: Client, log_in: Callable[[User], Client]
) -> None:
    response = alice_client.submit(f"/lists/{team.work.id}/transfer", {"user_id": team.bob.id})
    assert response.status_code == 302
    assert response.headers["Location"] == team.members_url
    assert roles(db_session, team.work.id) == {
        team.alice.id: "editor",
        team.bob.id: "owner",
        team.carol.id: "viewer",
    }
    assert get_list(db_session, team.work.id).owner_id == team.bob.id
    for task in (team.bobs_task, team.carols_task):
        assert get_task(db_session, task.id).user_id == team.bob.id

    # The new owner manages; the old one has an editor's rights and a Leave form.
    bob = log_in(team.bob)
    assert 'name="email"' in text_of(bob.get(team.members_url))
    invited = bob.submit(team.members_url, {"email": "frank@example.com", "role": "viewer"})
    assert invited.status_code == 302
    assert bob.get(f"/lists/{team.work.id}/edit").status_code == 200
    alice_page = text_of(alice_client.get(team.members_url))
    assert f"/members/{team.alice.id}/remove" in alice_page and "Leave" in alice_page
    again = alice_client.submit(f"/lists/{team.work.id}/transfer", {"user_id": team.alice.id})
    assert again.status_code == 403


@pytest.mark.parametrize("target", ["carol", "dave", "alice", "missing", "", "x1", "-3"])
def test_hand_over_only_to_an_editor(
    team: Team, app: Flask, alice_client: Client, target: str
) -> None:
    user_id: object = {"carol": team.carol.id, "dave": team.dave.id, "alice": team.alice.id}.get(
        target, "987654" if target == "missing" else target
    )
    before = everything(app)
    response = alice_client.submit(f"/lists/{team.work.id}/transfer", {"user_id": user_id})
    assert response.status_code == 400
    assert everything(app) == before


def test_the_inbox_cannot_be_handed_over(
    team: Team, app: Flask, db_session: Session, alice_client: Client
) -> None:
    inbox = inbox_of(db_session, team.alice)
    before = everything(app)
    response = alice_client.submit(f"/lists/{inbox.id}/transfer", {"user_id": team.bob.id})
    assert response.status_code == 400
    assert everything(app) == before
