"""An access red-team for lists and the list fields of tasks (DESIGN.md: a list or task the
user may not see answers 404 like a missing one, on every route and method; one they see
but may not change, 403 with a message; bad input 400; and nothing changes).

Alice attacks with Bob's ids, with ids that do not exist, with ids of lists deleted since,
and with malformed ids; then with her own ids arranged into what the tree forbids (a
parent in another list, a cycle, a `before` that is not a sibling). Every refusal is
checked against every row of the tables a route could write.

The viewer's 403 is shown with Alice's Work list handed to Bob and Alice kept on as its
viewer (tests/sharing has the rest of the sharing rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden, NotFound

from todo_web import access
from todo_web.access import DENIED_MESSAGES, Need
from todo_web.lists.queries import delete_list, inbox_of
from todo_web.models import Role, Task, TaskList, User
from todo_web.tasks import lifecycle

from ..client import Client, edit_fields, text_of
from ..factories import get_task, make_list, make_task, share, task_titled
from . import everything, get_list

#: Every CSRF token on a page (the meta tag, htmx's header, the forms' hidden field): signed
#: with a timestamp, they differ between two pages drawn in different seconds.
CSRF_VALUE = re.compile(
    r'(?<=csrf-token" content=")[^"]+|(?<="X-CSRFToken": ")[^"]+'
    r'|(?<=name="csrf_token" value=")[^"]+'
)
#: An id no row has.
MISSING = 987654

VIEW_ONLY = DENIED_MESSAGES[Need.EDIT]
OWNER_ONLY = DENIED_MESSAGES[Need.MANAGE]


@dataclass
class World:
    """Alice: Inbox; Work with a1 > a2 > a3 (subtasks) and a4, a5 (a5 deleted); Home
    with h1. Bob: Plans with b1 > b2, and Old (deleted, with b_old)."""

    inbox: TaskList
    work: TaskList
    home: TaskList
    a1: Task
    a2: Task
    a3: Task
    a4: Task
    a5: Task
    h1: Task
    plans: TaskList
    b1: Task
    b2: Task
    old: TaskList
    b_old: Task


@pytest.fixture
def world(db_session: Session, alice: User, bob: User) -> World:
    work = make_list(db_session, alice, "Work")
    home = make_list(db_session, alice, "Home")
    a1 = make_task(db_session, alice, "a1", task_list=work)
    a2 = make_task(db_session, alice, "a2", parent=a1)
    a3 = make_task(db_session, alice, "a3", parent=a2)
    a4 = make_task(db_session, alice, "a4", task_list=work, tags=["mine"])
    a5 = make_task(db_session, alice, "a5", task_list=work)
    h1 = make_task(db_session, alice, "h1", task_list=home)
    plans = make_list(db_session, bob, "Plans")
    b1 = make_task(db_session, bob, "b1", task_list=plans, tags=["bobs"])
    b2 = make_task(db_session, bob, "b2", parent=b1)
    old = make_list(db_session, bob, "Old")
    b_old = make_task(db_session, bob, "b_old", task_list=old)
    delete_list(db_session, old)
    lifecycle.soft_delete(db_session, a5)
    db_session.commit()
    return World(
        inbox_of(db_session, alice), work, home, a1, a2, a3, a4, a5, h1, plans, b1, b2, old, b_old
    )


def attempt(client: Client, method: str, url: str, data: Any, htmx: bool) -> int:
    if method == "GET":
        headers = {"HX-Request": "true"} if htmx else {}
        return client.get(url, headers=headers).status_code
    return client.submit(url, data, htmx=htmx).status_code


def refusals(
    client: Client,
    app: Flask,
    attempts: list[tuple[str, str, Any]],
    expected: int,
    htmx: bool,
) -> list[tuple[str, str, Any, int, bool]]:
    """Each attempt that did not answer `expected` or that changed a row: (method, url,
    data, status, changed). Empty when every one was refused cleanly."""
    wrong = []
    for method, url, data in attempts:
        before = everything(app)
        status = attempt(client, method, url, data, htmx)
        changed = everything(app) != before
        if status != expected or changed:
            wrong.append((method, url, data, status, changed))
    return wrong


def fields(session: Session, task: Task, **changes: Any) -> dict[str, Any]:
    return edit_fields(get_task(session, task.id), **changes)


def foreign_id_attempts(
    session: Session, w: World, list_id: int, task_id: int
) -> list[tuple[str, str, Any]]:
    """Every way to hand Alice's session a list id `list_id` and task id `task_id` that
    she must not reach: in the URL, and in every field that takes one."""
    L, T, a1, a4 = list_id, task_id, w.a1.id, w.a4.id
    stolen = {"title": "Mine now", "priority": "low", "status": "completed", "tags": "stolen"}
    return [
        ("GET", f"/lists/{L}/edit", None),
        ("POST", f"/lists/{L}/edit", {"name": "Stolen"}),
        ("POST", f"/lists/{L}/delete", {}),
        ("POST", f"/lists/{L}/restore", {}),
        ("GET", f"/tasks?list={L}", None),
        ("GET", f"/tasks?list={L}&view=today&q=b1&status=all", None),
        ("GET", f"/tasks/new?parent={T}", None),
        ("GET", f"/tasks/{T}", None),
        ("GET", f"/tasks/{T}/edit", None),
        ("POST", f"/tasks/{T}/edit", stolen),
        ("POST", f"/tasks/{T}/edit", {**stolen, "list": w.work.id, "parent": ""}),
        ("POST", f"/tasks/{T}/toggle", {}),
        ("POST", f"/tasks/{T}/toggle", {"state": "completed"}),
        ("POST", f"/tasks/{T}/delete", {}),
        ("POST", f"/tasks/{T}/restore", {}),
        ("POST", f"/tasks/{T}/move", {"before": ""}),
        ("POST", f"/tasks/{T}/move", {"before": a4}),
        ("POST", f"/tasks/{T}/move", {"parent": a1}),
        ("POST", "/tasks", {"title": "Planted", "list": L}),
        ("POST", "/tasks", {"title": "Planted", "parent": T}),
        ("POST", "/tasks", {"title": "Planted", "list": w.work.id, "parent": T}),
        ("POST", "/tasks", {"title": "Planted", "list": L, "parent": a1}),
        ("POST", f"/tasks/{a4}/edit", fields(session, w.a4, list=L)),
        ("POST", f"/tasks/{a4}/edit", fields(session, w.a4, list=L, parent="")),
        ("POST", f"/tasks/{a4}/edit", fields(session, w.a4, parent=T)),
        ("POST", f"/tasks/{a4}/edit", fields(session, w.a4, list=w.work.id, parent=T)),
        ("POST", f"/tasks/{a4}/move", {"parent": T}),
        ("POST", f"/tasks/{a4}/move", {"before": T}),
        ("POST", f"/tasks/{a4}/move", {"parent": a1, "before": T}),
        ("POST", "/tasks/bulk", [("action", "complete"), ("ids", a4), ("ids", T)]),
        ("POST", "/tasks/bulk", [("action", "reopen"), ("ids", T)]),
        ("POST", "/tasks/bulk", [("action", "delete"), ("ids", T)]),
        ("POST", "/tasks/bulk", [("action", "set_priority"), ("ids", T), ("value", "high")]),
        ("POST", "/tasks/bulk", [("action", "add_tag"), ("ids", T), ("value", "mine")]),
        ("POST", "/tasks/bulk", [("action", "remove_tag"), ("ids", T), ("value", "bobs")]),
        ("POST", "/tasks/bulk", [("action", "move_to_list"), ("ids", a4), ("value", L)]),
        ("POST", "/tasks/bulk", [("action", "move_to_list"), ("ids", T), ("value", w.home.id)]),
    ]


# -- Bob's ids, missing ids, deleted lists: 404 and nothing changes ----------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("whose", ["bobs", "bobs-subtask", "missing", "bobs-deleted-list"])
def test_ids_alice_cannot_see_answer_404_and_change_nothing(
    alice_client: Client, app: Flask, db_session: Session, world: World, whose: str, htmx: bool
) -> None:
    list_id, task_id = {
        "bobs": (world.plans.id, world.b1.id),
        "bobs-subtask": (world.plans.id, world.b2.id),
        "missing": (MISSING, MISSING),
        "bobs-deleted-list": (world.old.id, world.b_old.id),
    }[whose]
    attempts = foreign_id_attempts(db_session, world, list_id, task_id)
    assert refusals(alice_client, app, attempts, 404, htmx) == []


def test_bobs_deleted_task_cannot_be_restored_in_bulk(
    alice_client: Client, app: Flask, db_session: Session, world: World
) -> None:
    attempts = [
        ("POST", "/tasks/bulk", [("action", "restore"), ("ids", world.b_old.id)]),
        ("POST", f"/tasks/{world.b_old.id}/restore", {}),
    ]
    assert refusals(alice_client, app, attempts, 404, False) == []
    assert get_task(db_session, world.b_old.id).deleted_at is not None


def test_the_404_for_bobs_ids_reads_like_the_404_for_no_id(
    alice_client: Client, world: World
) -> None:
    bobs = alice_client.get(f"/tasks?list={world.plans.id}")
    missing = alice_client.get(f"/tasks?list={MISSING}")
    assert bobs.status_code == missing.status_code == 404

    def normalised(page: str, list_id: int) -> str:
        return CSRF_VALUE.sub("TOKEN", page).replace(f"list={list_id}", "list=N")

    assert normalised(text_of(bobs), world.plans.id) == normalised(text_of(missing), MISSING)
    assert "Plans" not in text_of(bobs)
    edit = alice_client.get(f"/lists/{world.plans.id}/edit")
    assert edit.status_code == 404 and "Plans" not in text_of(edit)


def test_a_refused_form_shows_nothing_of_bobs(
    alice_client: Client, db_session: Session, world: World
) -> None:
    """A create or edit form that fails validation re-renders with its pickers; naming
    Bob's list there must not fill them from his list."""
    for url, data in [
        ("/tasks", {"title": "", "list": world.plans.id}),
        (f"/tasks/{world.a4.id}/edit", fields(db_session, world.a4, title="", list=world.plans.id)),
    ]:
        for htmx in (False, True):
            response = alice_client.submit(url, data, htmx=htmx)
            assert response.status_code in (400, 404), (url, htmx)
            page = text_of(response)
            assert ">b1<" not in page and ">b2<" not in page and "Plans" not in page, (url, htmx)


def test_the_new_task_form_for_bobs_list_is_404(alice_client: Client, world: World) -> None:
    for list_id in (world.plans.id, MISSING):
        assert alice_client.get(f"/tasks/new?list={list_id}").status_code == 404


def test_quick_add_to_a_list_only_bob_has_is_400_naming_alices_lists(
    alice_client: Client, app: Flask, world: World
) -> None:
    before = everything(app)
    for htmx in (False, True):
        response = alice_client.submit("/tasks/quick", {"text": "Buy seeds +Plans"}, htmx=htmx)
        assert response.status_code == 400
        page = unescape(text_of(response))
        assert "There is no list called “Plans”. Your lists: +Inbox, +Work, +Home." in page
        assert "+Old" not in page
    assert everything(app) == before


# -- Alice's own deleted list -------------------------------------------------------------


@pytest.fixture
def home_deleted(alice_client: Client, world: World) -> World:
    assert alice_client.submit(f"/lists/{world.home.id}/delete").status_code == 302
    return world


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_deleted_lists_id_and_its_tasks_answer_404(
    alice_client: Client, app: Flask, db_session: Session, home_deleted: World, htmx: bool
) -> None:
    w = home_deleted
    attempts = [
        attempt
        for attempt in foreign_id_attempts(db_session, w, w.home.id, w.h1.id)
        # Its own Undo works, of course (tested in test_lists_routes.py), and moving a
        # live task to the Home list is tried below with the list deleted.
        if attempt[1] != f"/lists/{w.home.id}/restore"
        and attempt[2] != [("action", "move_to_list"), ("ids", w.h1.id), ("value", w.home.id)]
    ]
    assert refusals(alice_client, app, attempts, 404, htmx) == []
    assert get_list(db_session, w.home.id).deleted_at is not None
    assert get_task(db_session, w.h1.id).deleted_at is not None


def test_quick_add_to_a_deleted_list_is_400(
    alice_client: Client, app: Flask, home_deleted: World
) -> None:
    before = everything(app)
    response = alice_client.submit("/tasks/quick", {"text": "Fix tap +Home"})
    assert response.status_code == 400
    assert "Your lists: +Inbox, +Work." in unescape(text_of(response))
    assert everything(app) == before


def test_a_deleted_lists_task_cannot_be_restored_in_bulk(
    alice_client: Client, app: Flask, db_session: Session, home_deleted: World
) -> None:
    attempts = [("POST", "/tasks/bulk", [("action", "restore"), ("ids", home_deleted.h1.id)])]
    assert refusals(alice_client, app, attempts, 404, False) == []


# -- malformed ids: 400 ----------------------------------------------------------------------

MALFORMED = ["abc", "-1", "1.5", "1e3", "0x10", "\uff11", "9" * 13]


@pytest.mark.parametrize("bad", MALFORMED, ids=repr)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_malformed_ids_in_fields_are_400(
    alice_client: Client, app: Flask, db_session: Session, world: World, bad: str, htmx: bool
) -> None:
    a4 = world.a4.id
    attempts = [
        ("GET", f"/tasks?list={bad}", None),
        ("GET", f"/tasks/new?parent={bad}", None),
        ("POST", "/tasks", {"title": "Never", "parent": bad}),
        ("POST", f"/tasks/{a4}/edit", fields(db_session, world.a4, parent=bad)),
        ("POST", f"/tasks/{a4}/move", {"before": bad}),
        ("POST", f"/tasks/{a4}/move", {"parent": bad}),
        ("POST", f"/tasks/{a4}/move", {"parent": world.a1.id, "before": bad}),
        ("POST", "/tasks/bulk", [("action", "complete"), ("ids", a4), ("ids", bad)]),
        ("POST", "/tasks/bulk", [("action", "move_to_list"), ("ids", a4), ("value", bad)]),
    ]
    assert refusals(alice_client, app, attempts, 400, htmx) == []


@pytest.mark.parametrize("bad", ["abc", "1.5", "1e3", "0x10"])
def test_a_malformed_list_field_is_400(
    alice_client: Client, app: Flask, db_session: Session, world: World, bad: str
) -> None:
    attempts = [
        ("POST", "/tasks", {"title": "Never", "list": bad}),
        ("POST", f"/tasks/{world.a4.id}/edit", fields(db_session, world.a4, list=bad)),
    ]
    assert refusals(alice_client, app, attempts, 400, False) == []


@pytest.mark.parametrize("bad", ["-1", "\uff11", "9" * 13], ids=repr)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_list_field_that_is_not_an_id_is_400(
    alice_client: Client, app: Flask, db_session: Session, world: World, bad: str, htmx: bool
) -> None:
    """(Values Python's int() would still read; the others are the malformed-value test above.)"""
    attempts = [
        ("POST", "/tasks", {"title": "Never", "list": bad}),
        ("POST", f"/tasks/{world.a4.id}/edit", fields(db_session, world.a4, list=bad)),
    ]
    assert refusals(alice_client, app, attempts, 400, htmx) == []


def test_a_bulk_move_needs_a_list(alice_client: Client, app: Flask, world: World) -> None:
    attempts = [
        ("POST", "/tasks/bulk", [("action", "move_to_list"), ("ids", world.a4.id)]),
        ("POST", "/tasks/bulk", [("action", "move_to_list"), ("ids", world.a4.id), ("value", "")]),
    ]
    assert refusals(alice_client, app, attempts, 400, False) == []


def test_an_id_that_is_not_a_number_in_the_path_is_no_page(
    alice_client: Client, app: Flask
) -> None:
    """The routes take integer ids: anything else in the path matches no route (404)."""
    attempts = [
        ("GET", "/lists/abc/edit", None),
        ("POST", "/lists/abc/edit", {"name": "x"}),
        ("POST", "/lists/-1/delete", {}),
        ("POST", "/lists/1.5/restore", {}),
        ("GET", "/tasks/abc", None),
        ("POST", "/tasks/-1/move", {}),
    ]
    assert refusals(alice_client, app, attempts, 404, False) == []


# -- the tree: parents in the same list, no cycles, `before` a sibling ---------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_parent_in_another_of_alices_lists_is_400(
    alice_client: Client, app: Flask, db_session: Session, world: World, htmx: bool
) -> None:
    w = world
    attempts = [
        ("POST", "/tasks", {"title": "Split", "list": w.home.id, "parent": w.a1.id}),
        ("POST", f"/tasks/{w.h1.id}/edit", fields(db_session, w.h1, parent=w.a1.id)),
        (
            "POST",
            f"/tasks/{w.h1.id}/edit",
            fields(db_session, w.h1, list=w.home.id, parent=w.a2.id),
        ),
        (
            "POST",
            f"/tasks/{w.a4.id}/edit",
            fields(db_session, w.a4, list=w.home.id, parent=w.a1.id),
        ),
        ("POST", f"/tasks/{w.h1.id}/move", {"parent": w.a1.id}),
        ("POST", f"/tasks/{w.h1.id}/move", {"parent": w.a3.id, "before": ""}),
    ]
    assert refusals(alice_client, app, attempts, 400, htmx) == []


def test_a_parent_in_another_list_is_fine_when_the_task_goes_there(
    alice_client: Client, db_session: Session, world: World
) -> None:
    """The refusals above are about the mismatch, not about parents: a new subtask without
    a list goes to its parent's list, and an edit naming both moves the task."""
    w = world
    made = alice_client.submit("/tasks", {"title": "Sub", "parent": w.a1.id})
    assert made.status_code == 302
    sub = task_titled(db_session, "Sub")
    assert (sub.list_id, sub.parent_id) == (w.work.id, w.a1.id)
    moved = alice_client.submit(
        f"/tasks/{w.h1.id}/edit", fields(db_session, w.h1, list=w.work.id, parent=w.a3.id)
    )
    assert moved.status_code == 302
    h1 = get_task(db_session, w.h1.id)
    assert (h1.list_id, h1.parent_id) == (w.work.id, w.a3.id)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_cycle_is_400_and_changes_nothing(
    alice_client: Client, app: Flask, db_session: Session, world: World, htmx: bool
) -> None:
    w = world
    attempts = []
    for task, under in [(w.a1, w.a3), (w.a1, w.a2), (w.a1, w.a1), (w.a2, w.a3), (w.a3, w.a3)]:
        attempts.append(
            ("POST", f"/tasks/{task.id}/edit", fields(db_session, task, parent=under.id))
        )
        attempts.append(("POST", f"/tasks/{task.id}/move", {"parent": under.id}))
    assert refusals(alice_client, app, attempts, 400, htmx) == []
    tree = [(t.id, t.parent_id) for t in (get_task(db_session, x.id) for x in (w.a1, w.a2, w.a3))]
    assert tree == [(w.a1.id, None), (w.a2.id, w.a1.id), (w.a3.id, w.a2.id)]


def test_a_cycle_says_why(alice_client: Client, world: World) -> None:
    response = alice_client.submit(f"/tasks/{world.a1.id}/move", {"parent": world.a3.id})
    assert response.status_code == 400
    assert "A task cannot become a subtask of itself or of its own subtasks." in text_of(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_before_must_be_a_sibling_at_the_new_spot(
    alice_client: Client, app: Flask, world: World, htmx: bool
) -> None:
    w = world
    attempts = [
        ("POST", f"/tasks/{w.a4.id}/move", {"before": w.a2.id}),  # a subtask, a4 is not
        ("POST", f"/tasks/{w.a4.id}/move", {"before": w.h1.id}),  # another list
        ("POST", f"/tasks/{w.a4.id}/move", {"before": w.a4.id}),  # itself
        ("POST", f"/tasks/{w.a4.id}/move", {"before": w.a5.id}),  # deleted
        ("POST", f"/tasks/{w.a3.id}/move", {"parent": "", "before": w.a2.id}),
        ("POST", f"/tasks/{w.a4.id}/move", {"parent": w.a1.id, "before": w.a1.id}),
        ("POST", f"/tasks/{w.a4.id}/move", {"parent": w.a1.id, "before": w.a3.id}),
    ]
    refused = refusals(alice_client, app, attempts, 400, htmx)
    # A deleted `before` is missing to the user: 404 is the right answer for it too.
    assert [r for r in refused if not (r[2] == {"before": w.a5.id} and r[3] == 404)] == []


def test_a_move_to_a_sibling_spot_works(
    alice_client: Client, db_session: Session, world: World
) -> None:
    w = world
    response = alice_client.submit(f"/tasks/{w.a4.id}/move", {"parent": w.a1.id, "before": w.a2.id})
    assert response.status_code == 302
    a4, a2 = get_task(db_session, w.a4.id), get_task(db_session, w.a2.id)
    assert a4.parent_id == w.a1.id and a4.position < a2.position
    out = alice_client.submit(f"/tasks/{w.a4.id}/move", {"parent": "", "before": w.a1.id})
    assert out.status_code == 302
    a4, a1 = get_task(db_session, w.a4.id), get_task(db_session, w.a1.id)
    assert a4.parent_id is None and a4.position < a1.position


# -- a role that may look but not change: 403 -----------------------------------------------------


@pytest.fixture
def work_viewed(db_session: Session, alice: User, bob: User, world: World) -> World:
    """Alice keeps owning Inbox and Home but is only a viewer of Work, which Bob owns."""
    work = db_session.get(TaskList, world.work.id)
    assert work is not None
    share(db_session, work, bob, Role.OWNER)
    share(db_session, work, alice, Role.VIEWER)
    return world


def test_check_decides_from_the_role(
    db_session: Session, alice: User, bob: User, work_viewed: World
) -> None:
    access.check(Role.VIEWER, Need.VIEW)
    with pytest.raises(Forbidden) as edit:
        access.check(Role.VIEWER, Need.EDIT)
    assert edit.value.description == VIEW_ONLY
    with pytest.raises(Forbidden) as manage:
        access.check(Role.EDITOR, Need.MANAGE)
    assert manage.value.description == OWNER_ONLY
    for need in Need:
        access.check(Role.OWNER, need)
        with pytest.raises(NotFound):
            access.check(None, need)
    assert access.task_for(db_session, alice, work_viewed.a4.id, Need.VIEW).id == work_viewed.a4.id
    with pytest.raises(Forbidden):
        access.task_for(db_session, alice, work_viewed.a4.id, Need.EDIT)
    with pytest.raises(Forbidden):
        access.list_for(db_session, alice, work_viewed.work.id, Need.EDIT)
    work = access.list_for(db_session, bob, work_viewed.work.id, Need.MANAGE)
    assert work.id == work_viewed.work.id


def test_the_owner_may_do_everything_and_others_nothing(
    db_session: Session, alice: User, bob: User, world: World
) -> None:
    for need in Need:
        assert access.list_for(db_session, alice, world.work.id, need).id == world.work.id
        with pytest.raises(NotFound):
            access.list_for(db_session, bob, world.work.id, need)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_viewer_sees_the_list_and_its_tasks(
    alice_client: Client, app: Flask, work_viewed: World, htmx: bool
) -> None:
    w = work_viewed
    attempts = [
        ("GET", f"/tasks?list={w.work.id}", None),
        ("GET", f"/tasks/{w.a4.id}", None),
        ("GET", f"/tasks/{w.a4.id}/edit", None),
        ("GET", "/tasks", None),
        ("GET", "/lists", None),
    ]
    assert refusals(alice_client, app, attempts, 200, htmx) == []


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_viewer_changing_a_task_gets_403_with_the_reason(
    alice_client: Client, app: Flask, db_session: Session, work_viewed: World, htmx: bool
) -> None:
    w = work_viewed
    a1, a4, h1 = w.a1.id, w.a4.id, w.h1.id
    attempts = [
        ("POST", f"/tasks/{a4}/edit", fields(db_session, w.a4, title="Changed")),
        ("POST", f"/tasks/{a4}/toggle", {}),
        ("POST", f"/tasks/{a4}/toggle", {"state": "completed"}),
        ("POST", f"/tasks/{a4}/delete", {}),
        ("POST", f"/tasks/{w.a5.id}/restore", {}),
        ("POST", f"/tasks/{a4}/move", {"before": a1}),
        ("POST", f"/tasks/{a4}/move", {"parent": a1}),
        ("POST", "/tasks", {"title": "Planted", "list": w.work.id}),
        ("POST", "/tasks", {"title": "Planted", "parent": a1}),
        ("POST", f"/tasks/{h1}/edit", fields(db_session, w.h1, list=w.work.id)),
        ("POST", f"/tasks/{h1}/move", {"parent": a1}),
        ("POST", "/tasks/bulk", [("action", "move_to_list"), ("ids", h1), ("value", w.work.id)]),
    ]
    for _method, url, data in attempts:
        before = everything(app)
        response = alice_client.submit(url, data, htmx=htmx)
        assert (response.status_code, everything(app) == before) == (403, True), (url, data)
        assert VIEW_ONLY in unescape(text_of(response)), (url, data)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_viewer_managing_the_list_gets_403_with_the_reason(
    alice_client: Client, app: Flask, work_viewed: World, htmx: bool
) -> None:
    work = work_viewed.work.id
    attempts = [
        ("GET", f"/lists/{work}/edit", None),
        ("POST", f"/lists/{work}/edit", {"name": "Mine"}),
        ("POST", f"/lists/{work}/delete", {}),
        ("POST", f"/lists/{work}/restore", {}),
    ]
    for method, url, data in attempts:
        before = everything(app)
        if method == "GET":
            response = alice_client.get(url, headers={"HX-Request": "true"} if htmx else {})
        else:
            response = alice_client.submit(url, data, htmx=htmx)
        assert (response.status_code, everything(app) == before) == (403, True), url
        assert OWNER_ONLY in unescape(text_of(response)), url


def test_quick_add_does_not_put_a_task_in_a_list_the_user_only_views(
    alice_client: Client, app: Flask, work_viewed: World
) -> None:
    before = everything(app)
    response = alice_client.submit("/tasks/quick", {"text": "Sneak in +Work"})
    assert response.status_code in (400, 403)
    assert everything(app) == before


@pytest.mark.parametrize(
    "action", [("complete", None), ("delete", None), ("add_tag", "x"), ("set_priority", "high")]
)
def test_a_viewers_bulk_action_is_403(
    alice_client: Client, app: Flask, work_viewed: World, action: tuple[str, str | None]
) -> None:
    name, value = action
    data: list[tuple[str, Any]] = [("action", name), ("ids", work_viewed.a4.id)]
    if value:
        data.append(("value", value))
    assert refusals(alice_client, app, [("POST", "/tasks/bulk", data)], 403, False) == []
