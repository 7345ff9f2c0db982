"""Assignees (DESIGN.md, "Sharing"): a task of a list can be assigned to the list's owner or
one of its editors, through the forms, quick add (`@name`) and the bulk bar; anyone else is
a 400 that changes nothing. The assignee hears of it by mail when they asked for task
mails and someone else assigned them; the smart views leave out tasks assigned to someone
else; removing a member unassigns their tasks. Tasks record who created and completed
them, and the pages show it.

The cast: Alice owns Work, Bob edits it, Carol views it, Dave is no member.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.lists.members import remove_member, set_role
from todo_web.models import Outbox, Role, Task, TaskList, User

from ..client import Client, edit_fields, task_ids, text_of, view_counts
from ..factories import (
    SNAPSHOT_TABLES,
    get_task,
    make_list,
    make_task,
    make_user,
    outbox_rows,
    share,
    snapshot,
    task_titled,
)

pytestmark = pytest.mark.usefixtures("app")


@dataclass
class Cast:
    alice: User
    bob: User
    carol: User
    dave: User
    work: TaskList
    alice_client: Client
    bob_client: Client
    carol_client: Client


@pytest.fixture
def cast(db_session: Session, alice: User, bob: User, log_in: Callable[[User], Client]) -> Cast:
    carol = make_user(db_session, "carol@example.com", name="Carol Jones")
    dave = make_user(db_session, "dave@example.com", name="Dave")
    work = make_list(db_session, alice, "Work")
    share(db_session, work, bob, "editor")
    share(db_session, work, carol, "viewer")
    return Cast(alice, bob, carol, dave, work, log_in(alice), log_in(bob), log_in(carol))


def opt_in(db_session: Session, *users: User) -> None:
    for user in users:
        user.notify_task_changes = True
    db_session.commit()


def assigned_mails(db_session: Session) -> list[Outbox]:
    return outbox_rows(db_session, kind="task_assigned")


def body(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(text_of(response))


# -- the forms -----------------------------------------------------------------------------


def test_the_create_form_assigns_an_editor(cast: Cast, db_session: Session) -> None:
    response = cast.alice_client.submit(
        "/tasks", {"title": "Report", "list": cast.work.id, "assignee": cast.bob.id}
    )
    assert response.status_code == 302
    task = task_titled(db_session, "Report")
    assert task.assignee_id == cast.bob.id
    assert task.created_by_id == cast.alice.id


def test_the_forms_offer_the_owner_and_editors_only_on_a_shared_list(
    cast: Cast, db_session: Session
) -> None:
    page = body(cast.alice_client.get(f"/tasks/new?list={cast.work.id}"))
    assert 'name="assignee"' in page
    assert f'<option value="{cast.bob.id}">Bob</option>' in page
    assert f'<option value="{cast.alice.id}">Alice</option>' in page
    assert "Carol Jones" not in page  # a viewer
    home = make_list(db_session, cast.alice, "Home")
    assert 'name="assignee"' not in text_of(cast.alice_client.get(f"/tasks/new?list={home.id}"))
    assert 'name="assignee"' not in text_of(cast.alice_client.get("/tasks/new"))  # the Inbox


def test_the_edit_form_assigns_changes_and_unassigns(cast: Cast, db_session: Session) -> None:
    task = make_task(db_session, cast.alice, "Report", task_list=cast.work)
    page = body(cast.alice_client.get(f"/tasks/{task.id}/edit"))
    assert 'name="assignee"' in page
    response = cast.alice_client.submit(
        f"/tasks/{task.id}/edit", edit_fields(task, assignee=cast.bob.id)
    )
    assert response.status_code == 302
    assert get_task(db_session, task.id).assignee_id == cast.bob.id
    page = body(cast.alice_client.get(f"/tasks/{task.id}/edit"))
    assert f'<option selected value="{cast.bob.id}">Bob</option>' in page
    # Left out (a form that did not show the field), the assignee stays.
    cast.alice_client.submit(f"/tasks/{task.id}/edit", edit_fields(task, title="Report 2"))
    assert get_task(db_session, task.id).assignee_id == cast.bob.id
    # Empty: no one.
    cast.alice_client.submit(f"/tasks/{task.id}/edit", edit_fields(task, assignee=""))
    assert get_task(db_session, task.id).assignee_id is None


@pytest.mark.parametrize("who", ["carol", "dave"])
@pytest.mark.parametrize("htmx", [False, True])
def test_assigning_a_viewer_or_an_outsider_is_a_400_that_changes_nothing(
    cast: Cast, db_session: Session, who: str, htmx: bool
) -> None:
    user_id = getattr(cast, who).id
    task = make_task(db_session, cast.alice, "Report", task_list=cast.work)
    before = snapshot(cast.alice_client.application, SNAPSHOT_TABLES)
    created = cast.alice_client.submit(
        "/tasks", {"title": "New", "list": cast.work.id, "assignee": user_id}, htmx=htmx
    )
    edited = cast.alice_client.submit(
        f"/tasks/{task.id}/edit", edit_fields(task, assignee=user_id), htmx=htmx
    )
    for response in (created, edited):
        assert response.status_code == 400
        assert "can be assigned to its owner and editors: Alice, Bob." in body(response)
    assert snapshot(cast.alice_client.application, SNAPSHOT_TABLES) == before


@pytest.mark.parametrize("value", ["x", "-1", "1.5", "9" * 20])
def test_a_malformed_assignee_is_a_400(cast: Cast, db_session: Session, value: str) -> None:
    response = cast.alice_client.submit(
        "/tasks", {"title": "New", "list": cast.work.id, "assignee": value}
    )
    assert response.status_code == 400
    assert "Pick someone to assign the task to" in body(response)
    assert db_session.scalar(select(Task.id).where(Task.title == "New")) is None


def test_an_empty_assignee_is_accepted_on_an_unshared_list(alice_client: Client) -> None:
    response = alice_client.submit("/tasks", {"title": "Solo", "assignee": ""})
    assert response.status_code == 302


def test_moving_to_a_list_where_the_assignee_may_not_edit_is_refused_when_named(
    cast: Cast, db_session: Session
) -> None:
    home = make_list(db_session, cast.alice, "Home")
    task = make_task(db_session, cast.alice, "Report", task_list=cast.work, assignee_id=cast.bob.id)
    response = cast.alice_client.submit(
        f"/tasks/{task.id}/edit", edit_fields(task, list=home.id, assignee=cast.bob.id)
    )
    assert response.status_code == 400
    assert get_task(db_session, task.id).list_id == cast.work.id
    # Without naming one, the move unassigns.
    cast.alice_client.submit(f"/tasks/{task.id}/edit", edit_fields(task, list=home.id))
    moved = get_task(db_session, task.id)
    assert (moved.list_id, moved.assignee_id) == (home.id, None)


def test_an_editor_assigns_too(cast: Cast, db_session: Session) -> None:
    response = cast.bob_client.submit(
        "/tasks", {"title": "Mine", "list": cast.work.id, "assignee": cast.alice.id}
    )
    assert response.status_code == 302
    assert task_titled(db_session, "Mine").assignee_id == cast.alice.id


# -- mail ----------------------------------------------------------------------------------


def test_the_assignee_gets_a_mail_when_someone_else_assigns_them(
    cast: Cast, db_session: Session
) -> None:
    opt_in(db_session, cast.bob)
    cast.alice_client.submit(
        "/tasks", {"title": "Report", "list": cast.work.id, "assignee": cast.bob.id}
    )
    (mail,) = assigned_mails(db_session)
    assert mail.recipient == "bob@example.com"
    assert mail.user_id == cast.bob.id
    assert mail.payload["subject"] == "Alice assigned you: Report"
    assert "Alice assigned a task to you" in mail.payload["text"]
    task = task_titled(db_session, "Report")
    assert f"/tasks/{task.id}" in mail.payload["text"]
    assert "Report" in mail.payload["html"]
    # Saving the task again, still assigned to Bob, sends no second mail.
    cast.alice_client.submit(f"/tasks/{task.id}/edit", edit_fields(task, assignee=cast.bob.id))
    assert len(assigned_mails(db_session)) == 1


def test_no_mail_for_assigning_yourself_or_to_someone_who_did_not_ask(
    cast: Cast, db_session: Session
) -> None:
    opt_in(db_session, cast.alice)
    cast.alice_client.submit(
        "/tasks", {"title": "Mine", "list": cast.work.id, "assignee": cast.alice.id}
    )
    cast.alice_client.submit(
        "/tasks", {"title": "Bob's", "list": cast.work.id, "assignee": cast.bob.id}
    )
    assert assigned_mails(db_session) == []


def test_reassigning_by_edit_mails_the_new_assignee(cast: Cast, db_session: Session) -> None:
    opt_in(db_session, cast.alice, cast.bob)
    task = make_task(db_session, cast.bob, "Report", task_list=cast.work, assignee_id=cast.bob.id)
    cast.bob_client.submit(f"/tasks/{task.id}/edit", edit_fields(task, assignee=cast.alice.id))
    (mail,) = assigned_mails(db_session)
    assert mail.recipient == "alice@example.com"


# -- quick add -----------------------------------------------------------------------------


def test_quick_add_assigns_by_first_name_full_name_or_address(
    cast: Cast, db_session: Session
) -> None:
    robert = make_user(db_session, "bobby@example.com", name="Robert Smith")
    share(db_session, cast.work, robert, "editor")
    for text, title, user in [
        ("Report @bob +Work", "Report", cast.bob),
        ('Budget @"robert smith" +Work tomorrow', "Budget", robert),
        ("Plan @Robert +Work", "Plan", robert),
        ("Call @bobby +Work", "Call", robert),
        ("Mine @ALICE +Work", "Mine", cast.alice),
    ]:
        response = cast.alice_client.submit("/tasks/quick", {"text": text})
        assert response.status_code == 302, body(response)
        task = task_titled(db_session, title)
        assert (task.list_id, task.assignee_id) == (cast.work.id, user.id), text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '@"Carol Jones" Report +Work',
            "No one called “Carol Jones” can be assigned tasks of Work; its owner and "
            "editors are: Alice, Bob.",
        ),
        ("Report @dave +Work", "No one called “dave” can be assigned tasks of Work"),
        ("Report @bob", "its owner and editors are: Alice."),  # the Inbox is Alice's alone
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_quick_add_refuses_someone_who_cannot_be_assigned(
    cast: Cast, text: str, message: str, htmx: bool
) -> None:
    before = snapshot(cast.alice_client.application, SNAPSHOT_TABLES)
    response = cast.alice_client.submit("/tasks/quick", {"text": text}, htmx=htmx)
    assert response.status_code == 400
    assert message in body(response)
    assert snapshot(cast.alice_client.application, SNAPSHOT_TABLES) == before


def test_quick_add_names_the_choices_when_a_name_is_ambiguous(
    cast: Cast, db_session: Session
) -> None:
    for email, name in [("lee@example.com", "Ann Lee"), ("ray@example.com", "Ann Ray")]:
        share(db_session, cast.work, make_user(db_session, email, name=name), "editor")
    response = cast.alice_client.submit("/tasks/quick", {"text": "Report @ann +Work"})
    assert response.status_code == 400
    assert "“@ann” could be Ann Lee or Ann Ray" in body(response)
    assert db_session.scalar(select(Task.id).where(Task.title == "Report")) is None
    cast.alice_client.submit("/tasks/quick", {"text": 'Report @"Ann Ray" +Work'})
    assert task_titled(db_session, "Report").assignee_id is not None


def test_an_address_in_the_title_is_not_an_assignee(cast: Cast, db_session: Session) -> None:
    response = cast.alice_client.submit("/tasks/quick", {"text": "mail bob@example.com +Work"})
    assert response.status_code == 302
    task = task_titled(db_session, "mail bob@example.com")
    assert task.assignee_id is None


def test_quick_add_on_a_shared_list_mails_the_assignee(cast: Cast, db_session: Session) -> None:
    opt_in(db_session, cast.alice)
    cast.bob_client.submit("/tasks/quick", {"text": "For you @alice +Work"})
    (mail,) = assigned_mails(db_session)
    assert mail.recipient == "alice@example.com"
    assert mail.payload["subject"] == "Bob assigned you: For you"


def test_the_preview_shows_who_the_task_goes_to(cast: Cast) -> None:
    page = body(cast.alice_client.htmx_get("/tasks/quick/preview?text=Report+%40bob+%2BWork"))
    assert 'class="chip chip-assignee"' in page
    assert 'title="Assign to Bob"' in page
    assert "@Bob" in page
    # Someone who cannot be assigned there: the chip shows what was typed.
    page = body(cast.alice_client.htmx_get("/tasks/quick/preview?text=Report+%40dave+%2BWork"))
    assert "@dave" in page and "Assign to" not in page


# -- bulk ----------------------------------------------------------------------------------


def bulk(client: Client, action: str, ids: list[int], value: object, htmx: bool = False):  # type: ignore[no-untyped-def]
    fields = [("action", action), ("value", value), *(("ids", i) for i in ids)]
    return client.submit("/tasks/bulk", fields, htmx=htmx)


def test_bulk_assigns_and_unassigns(cast: Cast, db_session: Session) -> None:
    opt_in(db_session, cast.bob)
    one = make_task(db_session, cast.alice, "One", task_list=cast.work)
    two = make_task(db_session, cast.alice, "Two", task_list=cast.work)
    response = bulk(cast.alice_client, "assign", [one.id, two.id], cast.bob.id)
    assert response.status_code == 302
    assert {get_task(db_session, t.id).assignee_id for t in (one, two)} == {cast.bob.id}
    assert len(assigned_mails(db_session)) == 2
    response = bulk(cast.alice_client, "assign", [one.id, two.id], "", htmx=True)
    assert response.status_code == 200
    assert "Unassigned 2 tasks." in body(response)
    assert {get_task(db_session, t.id).assignee_id for t in (one, two)} == {None}


@pytest.mark.parametrize("htmx", [False, True])
def test_bulk_assigning_someone_a_list_does_not_allow_changes_nothing(
    cast: Cast, db_session: Session, htmx: bool
) -> None:
    home = make_list(db_session, cast.alice, "Home")
    work_task = make_task(db_session, cast.alice, "One", task_list=cast.work)
    home_task = make_task(db_session, cast.alice, "Two", task_list=home)
    before = snapshot(cast.alice_client.application, SNAPSHOT_TABLES)
    for ids, user in [
        ([work_task.id, home_task.id], cast.bob),  # Bob is no member of Home
        ([work_task.id], cast.carol),  # a viewer
        ([work_task.id], cast.dave),  # no member
    ]:
        response = bulk(cast.alice_client, "assign", ids, user.id, htmx=htmx)
        assert response.status_code == 400
        assert "only to the owner or an editor of their list" in body(response)
    assert "neither in Home." in body(
        bulk(cast.alice_client, "assign", [home_task.id], cast.bob.id)
    )
    assert snapshot(cast.alice_client.application, SNAPSHOT_TABLES) == before


@pytest.mark.parametrize("value", ["bob", "-1", "1 2"])
def test_bulk_assign_needs_an_id_or_nothing(cast: Cast, db_session: Session, value: str) -> None:
    task = make_task(db_session, cast.alice, "One", task_list=cast.work)
    response = bulk(cast.alice_client, "assign", [task.id], value)
    assert response.status_code == 400
    assert "Choose someone to assign the tasks to" in body(response)


def test_a_viewer_cannot_bulk_assign(cast: Cast, db_session: Session) -> None:
    task = make_task(db_session, cast.alice, "One", task_list=cast.work)
    response = bulk(cast.carol_client, "assign", [task.id], cast.alice.id)
    assert response.status_code == 403
    assert get_task(db_session, task.id).assignee_id is None


def test_the_bulk_bar_offers_the_lists_owner_and_editors(cast: Cast, db_session: Session) -> None:
    make_task(db_session, cast.alice, "One", task_list=cast.work)
    page = body(cast.alice_client.get(f"/tasks?list={cast.work.id}"))
    assert '<option value="assign">Assign to…</option>' in page
    assert f'<option value="{cast.bob.id}" label="Person: Bob">' in page
    assert "Person: Carol Jones" not in page
    # Bob sees the people he shares lists with on the smart views.
    page = body(cast.bob_client.get("/tasks"))
    assert f'<option value="{cast.alice.id}" label="Person: Alice">' in page


# -- the views -----------------------------------------------------------------------------


def test_assigned_to_me_lists_and_counts_what_is_assigned_to_the_user(
    cast: Cast, db_session: Session
) -> None:
    mine = make_task(db_session, cast.alice, "Mine", task_list=cast.work, assignee_id=cast.bob.id)
    make_task(db_session, cast.alice, "Alice's", task_list=cast.work, assignee_id=cast.alice.id)
    make_task(db_session, cast.alice, "No one's", task_list=cast.work)
    make_task(db_session, cast.alice, "Done", task_list=cast.work, status="completed")
    response = cast.bob_client.get("/tasks?assignee=me")
    assert task_ids(response) == [mine.id]
    assert view_counts(response)["assigned"] == 1
    bulk(cast.alice_client, "assign", [task_titled(db_session, "No one's").id], cast.bob.id)
    response = cast.bob_client.get("/tasks?assignee=me")
    assert view_counts(response)["assigned"] == 2
    assert len(task_ids(response)) == 2


def test_a_task_assigned_to_someone_else_leaves_the_others_today(
    cast: Cast, db_session: Session
) -> None:
    today = datetime.now(UTC).date()  # the users' zone is UTC
    task = make_task(db_session, cast.alice, "Due", task_list=cast.work, due_date=today)
    for client in (cast.alice_client, cast.bob_client, cast.carol_client):
        response = client.get("/tasks?view=today")
        assert task_ids(response) == [task.id]
        assert view_counts(response)["today"] == 1
    bulk(cast.alice_client, "assign", [task.id], cast.bob.id)
    bob_today = cast.bob_client.get("/tasks?view=today")
    assert task_ids(bob_today) == [task.id]
    assert view_counts(bob_today)["today"] == 1
    for client in (cast.alice_client, cast.carol_client):
        response = client.get("/tasks?view=today")
        assert task_ids(response) == []
        assert view_counts(response)["today"] == 0
    # The list's own page shows it to everyone.
    assert task_ids(cast.carol_client.get(f"/tasks?list={cast.work.id}")) == [task.id]


def test_removing_a_member_or_making_them_a_viewer_unassigns_their_tasks(
    cast: Cast, db_session: Session
) -> None:
    task = make_task(db_session, cast.alice, "Report", task_list=cast.work, assignee_id=cast.bob.id)
    other = make_task(db_session, cast.alice, "Other", task_list=cast.work, assignee_id=cast.bob.id)
    set_role(db_session, cast.work, cast.bob.id, Role.VIEWER)
    db_session.commit()
    assert get_task(db_session, task.id).assignee_id is None
    work = db_session.get(TaskList, cast.work.id)
    assert work is not None
    set_role(db_session, work, cast.bob.id, Role.EDITOR)
    db_session.commit()
    bulk(cast.alice_client, "assign", [task.id, other.id], cast.bob.id)
    assert view_counts(cast.bob_client.get("/tasks"))["assigned"] == 2
    remove_member(db_session, work, cast.bob.id)
    db_session.commit()
    assert {get_task(db_session, t.id).assignee_id for t in (task, other)} == {None}
    assert view_counts(cast.alice_client.get("/tasks"))["open"] == 2


# -- who created and completed ---------------------------------------------------------------


def test_created_by_and_completed_by_are_recorded_and_shown(
    cast: Cast, db_session: Session
) -> None:
    cast.bob_client.submit("/tasks/quick", {"text": "Report @alice +Work"})
    task = task_titled(db_session, "Report")
    assert (task.created_by_id, task.completed_by_id) == (cast.bob.id, None)
    page = body(cast.carol_client.get(f"/tasks/{task.id}"))
    assert '<dd class="created-by">Bob</dd>' in page
    assert '<dd class="assignee-name">Alice</dd>' in page
    assert "Completed by" not in page
    cast.alice_client.submit(f"/tasks/{task.id}/toggle", {"state": "completed"})
    assert get_task(db_session, task.id).completed_by_id == cast.alice.id
    page = body(cast.carol_client.get(f"/tasks/{task.id}"))
    assert '<dd class="completed-by">Alice</dd>' in page
    cast.bob_client.submit(f"/tasks/{task.id}/toggle", {"state": "pending"})
    reopened = get_task(db_session, task.id)
    assert reopened.completed_by_id is None
    assert "Completed by" not in body(cast.carol_client.get(f"/tasks/{task.id}"))


def test_a_row_shows_its_assignees_initials(cast: Cast, db_session: Session) -> None:
    robert = make_user(db_session, "bobby@example.com", name="Robert Smith")
    share(db_session, cast.work, robert, "editor")
    make_task(db_session, cast.alice, "Report", task_list=cast.work, assignee_id=robert.id)
    make_task(db_session, cast.alice, "Plain", task_list=cast.work)
    for client in (cast.alice_client, cast.carol_client):
        page = body(client.get(f"/tasks?list={cast.work.id}"))
        assert page.count('class="assignee"') == 1
        assert '<span class="assignee" title="Assigned to Robert Smith">' in page
        assert '<span aria-hidden="true">RS</span>' in page
    # Robert's own views show it too.
    assert '<span aria-hidden="true">RS</span>' in body(robert_client(cast, robert))


def robert_client(cast: Cast, robert: User):  # type: ignore[no-untyped-def]
    client = cast.alice_client.application.test_client()
    client.log_in("bobby@example.com")
    return client.get("/tasks?assignee=me")


def test_a_shared_lists_page_shows_its_members_and_an_unshared_one_does_not(
    cast: Cast, db_session: Session
) -> None:
    page = body(cast.bob_client.get(f"/tasks?list={cast.work.id}"))
    assert 'aria-label="Members of Work"' in page
    for name, role, initials in [("Alice", "owner", "A"), ("Bob", "editor", "B")]:
        assert f'title="{name} ({role})"' in page
        assert f'<span aria-hidden="true">{initials}</span>' in page
    assert 'title="Carol Jones (viewer)"' in page
    home = make_list(db_session, cast.alice, "Home")
    for url in (f"/tasks?list={home.id}", "/tasks", "/tasks?view=today"):
        assert "list-members" not in text_of(cast.alice_client.get(url))
