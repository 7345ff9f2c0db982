"""Every task and list route, by every role of a shared list (issue point 7).

Alice owns Shared (s1 > s2 > s3 subtasks, s4 due, s5 deleted, s6 done), keeps Home to herself;
Bob edits Shared, Carol views it, Dave is no member. Each of Bob, Carol and Dave has a list
and a task of his or her own to move things to and from.

- Dave: every route and every field naming an id of Shared answers 404, as if it did not
  exist (quick add, which takes a name, answers 400 naming only his lists); nothing changes.
- Carol: reads answer 200; every change of a task answers 403 saying she can only look;
  managing the list answers 403 saying only the owner can; nothing changes.
- Bob: every task route works; managing the list answers 403 like Carol's.

Ids in bulk and move requests are checked one by one: one allowed id beside a forbidden
one is refused whole. A member removed from the list loses it on their next request, from
a plain browser, from an htmx request of a page still open on it, and through a
remember-me cookie alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from todo_web.access import DENIED_MESSAGES, Need
from todo_web.lists.members import remove_member
from todo_web.models import Role, Task, TaskList, User
from todo_web.tasks import lifecycle

from ..client import Client, task_ids, text_of
from ..factories import get_task, make_list, make_task, make_user, share, task_titled
from ..lists import everything, get_list
from ..lists import test_list_access as red_team
from ..lists.test_list_access import MISSING, fields

VIEW_ONLY = DENIED_MESSAGES[Need.EDIT]
OWNER_ONLY = DENIED_MESSAGES[Need.MANAGE]

pytestmark = pytest.mark.usefixtures("clock")


@dataclass
class World:
    alice: User
    bob: User
    carol: User
    dave: User
    shared: TaskList
    home: TaskList
    s1: Task
    s2: Task
    s3: Task
    s4: Task
    s5: Task
    s6: Task
    h1: Task
    #: Each of Bob, Carol and Dave: (their list, their task in it).
    own: dict[str, tuple[TaskList, Task]]


@pytest.fixture
def world(db_session: Session, alice: User, bob: User) -> World:
    carol = make_user(db_session, "carol@example.com")
    dave = make_user(db_session, "dave@example.com")
    shared = make_list(db_session, alice, "Shared")
    home = make_list(db_session, alice, "Home")
    s1 = make_task(db_session, alice, "s1", task_list=shared)
    s2 = make_task(db_session, alice, "s2", parent=s1)
    s3 = make_task(db_session, alice, "s3", parent=s2)
    s4 = make_task(
        db_session, alice, "s4", task_list=shared, tags=["work"], due_date=date(2026, 11, 25)
    )
    s5 = make_task(db_session, alice, "s5", task_list=shared)
    s6 = make_task(db_session, alice, "s6", task_list=shared, status="completed")
    h1 = make_task(db_session, alice, "h1", task_list=home)
    lifecycle.soft_delete(db_session, s5)
    db_session.commit()
    own = {}
    for user, name in ((bob, "Bobs"), (carol, "Carols"), (dave, "Daves")):
        own_list = make_list(db_session, user, name)
        own[user.name.lower()] = (
            own_list,
            make_task(db_session, user, f"{name} task", task_list=own_list),
        )
    share(db_session, shared, bob, Role.EDITOR)
    share(db_session, shared, carol, Role.VIEWER)
    return World(alice, bob, carol, dave, shared, home, s1, s2, s3, s4, s5, s6, h1, own)


# -- the attempts ---------------------------------------------------------------------------

READ, EDIT, MANAGE, QUICK = "read", "edit", "manage", "quick"

Attempt = tuple[str, str, Any]
#: name -> (kind, build(session, world, who) -> (method, url, data))
ATTEMPTS: dict[str, tuple[str, Callable[[Session, World, str], Attempt]]] = {}


def attempt(name: str, kind: str) -> Callable[[Callable[[Session, World, str], Attempt]], None]:
    def register(build: Callable[[Session, World, str], Attempt]) -> None:
        ATTEMPTS[name] = (kind, build)

    return register


def mine(w: World, who: str) -> tuple[int, int]:
    own_list, own_task = w.own[who]
    return own_list.id, own_task.id


# Reads.
attempt("list page", READ)(lambda s, w, who: ("GET", f"/tasks?list={w.shared.id}", None))
attempt("list page, all", READ)(
    lambda s, w, who: ("GET", f"/tasks?list={w.shared.id}&status=all&sort=title", None)
)
attempt("list page, search", READ)(
    lambda s, w, who: ("GET", f"/tasks?list={w.shared.id}&q=s4&status=all", None)
)
attempt("task page", READ)(lambda s, w, who: ("GET", f"/tasks/{w.s4.id}", None))
attempt("subtask page", READ)(lambda s, w, who: ("GET", f"/tasks/{w.s3.id}", None))
attempt("edit form", READ)(lambda s, w, who: ("GET", f"/tasks/{w.s4.id}/edit", None))

# Forms for adding to the list are about changing it.
attempt("new form in list", EDIT)(lambda s, w, who: ("GET", f"/tasks/new?list={w.shared.id}", None))
attempt("new form under parent", EDIT)(
    lambda s, w, who: ("GET", f"/tasks/new?parent={w.s1.id}", None)
)

# Changing tasks of the list.
attempt("edit", EDIT)(
    lambda s, w, who: ("POST", f"/tasks/{w.s4.id}/edit", fields(s, w.s4, title="Changed"))
)
attempt("edit subtask", EDIT)(
    lambda s, w, who: ("POST", f"/tasks/{w.s3.id}/edit", fields(s, w.s3, priority="high"))
)
attempt("edit, out to own list", EDIT)(
    lambda s, w, who: (
        "POST",
        f"/tasks/{w.s4.id}/edit",
        fields(s, w.s4, list=mine(w, who)[0], parent=""),
    )
)
attempt("toggle", EDIT)(lambda s, w, who: ("POST", f"/tasks/{w.s4.id}/toggle", {}))
attempt("toggle to completed", EDIT)(
    lambda s, w, who: ("POST", f"/tasks/{w.s1.id}/toggle", {"state": "completed"})
)
attempt("delete", EDIT)(lambda s, w, who: ("POST", f"/tasks/{w.s4.id}/delete", {}))
attempt("delete subtask", EDIT)(lambda s, w, who: ("POST", f"/tasks/{w.s2.id}/delete", {}))
attempt("restore", EDIT)(lambda s, w, who: ("POST", f"/tasks/{w.s5.id}/restore", {}))
attempt("move last", EDIT)(lambda s, w, who: ("POST", f"/tasks/{w.s1.id}/move", {"before": ""}))
attempt("move before", EDIT)(
    lambda s, w, who: ("POST", f"/tasks/{w.s4.id}/move", {"before": w.s1.id})
)
attempt("move under parent", EDIT)(
    lambda s, w, who: ("POST", f"/tasks/{w.s4.id}/move", {"parent": w.s1.id})
)
attempt("move under parent before", EDIT)(
    lambda s, w, who: ("POST", f"/tasks/{w.s4.id}/move", {"parent": w.s1.id, "before": w.s2.id})
)
attempt("create in list", EDIT)(
    lambda s, w, who: ("POST", "/tasks", {"title": "Planted", "list": w.shared.id})
)
attempt("create under parent", EDIT)(
    lambda s, w, who: ("POST", "/tasks", {"title": "Planted", "parent": w.s1.id})
)
attempt("create in list under parent", EDIT)(
    lambda s, w, who: (
        "POST",
        "/tasks",
        {"title": "Planted", "list": w.shared.id, "parent": w.s3.id},
    )
)
attempt("edit own, into list", EDIT)(
    lambda s, w, who: (
        "POST",
        f"/tasks/{mine(w, who)[1]}/edit",
        fields(s, w.own[who][1], list=w.shared.id),
    )
)
attempt("edit own, under parent", EDIT)(
    lambda s, w, who: (
        "POST",
        f"/tasks/{mine(w, who)[1]}/edit",
        fields(s, w.own[who][1], list=w.shared.id, parent=w.s1.id),
    )
)
attempt("bulk complete", EDIT)(
    lambda s, w, who: ("POST", "/tasks/bulk", [("action", "complete"), ("ids", w.s4.id)])
)
attempt("bulk reopen", EDIT)(
    lambda s, w, who: ("POST", "/tasks/bulk", [("action", "reopen"), ("ids", w.s6.id)])
)
attempt("bulk delete", EDIT)(
    lambda s, w, who: ("POST", "/tasks/bulk", [("action", "delete"), ("ids", w.s4.id)])
)
attempt("bulk restore", EDIT)(
    lambda s, w, who: ("POST", "/tasks/bulk", [("action", "restore"), ("ids", w.s5.id)])
)
attempt("bulk priority", EDIT)(
    lambda s, w, who: (
        "POST",
        "/tasks/bulk",
        [("action", "set_priority"), ("ids", w.s4.id), ("value", "high")],
    )
)
attempt("bulk add tag", EDIT)(
    lambda s, w, who: (
        "POST",
        "/tasks/bulk",
        [("action", "add_tag"), ("ids", w.s4.id), ("value", "extra")],
    )
)
attempt("bulk remove tag", EDIT)(
    lambda s, w, who: (
        "POST",
        "/tasks/bulk",
        [("action", "remove_tag"), ("ids", w.s4.id), ("value", "work")],
    )
)
attempt("bulk move out", EDIT)(
    lambda s, w, who: (
        "POST",
        "/tasks/bulk",
        [("action", "move_to_list"), ("ids", w.s4.id), ("value", mine(w, who)[0])],
    )
)
attempt("bulk move in", EDIT)(
    lambda s, w, who: (
        "POST",
        "/tasks/bulk",
        [("action", "move_to_list"), ("ids", mine(w, who)[1]), ("value", w.shared.id)],
    )
)

# Quick add names the list.
attempt("quick add +Shared", QUICK)(
    lambda s, w, who: ("POST", "/tasks/quick", {"text": "Sneak in +Shared"})
)

# The list itself.
attempt("rename form", MANAGE)(lambda s, w, who: ("GET", f"/lists/{w.shared.id}/edit", None))
attempt("rename", MANAGE)(
    lambda s, w, who: ("POST", f"/lists/{w.shared.id}/edit", {"name": "Taken"})
)
attempt("delete list", MANAGE)(lambda s, w, who: ("POST", f"/lists/{w.shared.id}/delete", {}))
attempt("restore list", MANAGE)(lambda s, w, who: ("POST", f"/lists/{w.shared.id}/restore", {}))

HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])


def send(client: Client, method: str, url: str, data: Any, htmx: bool, **headers: str) -> Any:
    if method == "GET":
        if htmx:
            headers = {"HX-Request": "true", **headers}
        return client.get(url, headers=headers)
    return client.submit(url, data, htmx=htmx, headers=headers)


# -- Dave, no member: 404 -------------------------------------------------------------------


@HTMX
@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_a_non_member_gets_404_and_changes_nothing(
    app: Flask,
    db_session: Session,
    world: World,
    log_in: Callable[[User], Client],
    name: str,
    htmx: bool,
) -> None:
    kind, build = ATTEMPTS[name]
    method, url, data = build(db_session, world, "dave")
    client = log_in(world.dave)
    before = everything(app)
    # From a page left open on Shared (what htmx reports as the page it came from) too.
    headers = {"HX-Current-URL": f"http://localhost/tasks?list={world.shared.id}"} if htmx else {}
    response = send(client, method, url, data, htmx, **headers)
    expected = 400 if kind == QUICK else 404
    assert response.status_code == expected, text_of(response)[:500]
    assert everything(app) == before
    page = text_of(response)
    for secret in ("s1", "s2", "s3", "s4", "Shared"):
        if kind == QUICK and secret == "Shared":
            continue  # it repeats what Dave typed
        assert f">{secret}<" not in page


@HTMX
def test_a_non_members_quick_add_names_only_his_lists(
    app: Flask, world: World, log_in: Callable[[User], Client], htmx: bool
) -> None:
    response = log_in(world.dave).submit("/tasks/quick", {"text": "x +Shared"}, htmx=htmx)
    assert response.status_code == 400
    assert "There is no list called “Shared”. Your lists: +Inbox, +Daves." in unescape(
        text_of(response)
    )


# -- Carol, viewer: 200 on reads, 403 on changes ----------------------------------------------


@HTMX
@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_a_viewer_reads_but_changes_nothing(
    app: Flask,
    db_session: Session,
    world: World,
    log_in: Callable[[User], Client],
    name: str,
    htmx: bool,
) -> None:
    kind, build = ATTEMPTS[name]
    method, url, data = build(db_session, world, "carol")
    client = log_in(world.carol)
    before = everything(app)
    response = send(client, method, url, data, htmx)
    page = unescape(text_of(response))
    assert everything(app) == before
    if kind == READ:
        assert response.status_code == 200, page[:500]
    elif kind == QUICK:
        # Quick add offers the lists she may add to: Shared is not one of them.
        assert response.status_code == 400, page[:500]
        assert "There is no list called “Shared”. Your lists: +Inbox, +Carols." in page
    else:
        assert response.status_code == 403, page[:500]
        assert (VIEW_ONLY if kind == EDIT else OWNER_ONLY) in page


def test_a_viewer_sees_the_whole_list(world: World, log_in: Callable[[User], Client]) -> None:
    client = log_in(world.carol)
    ids = task_ids(client.get(f"/tasks?list={world.shared.id}&status=all"))
    assert set(ids) == {world.s1.id, world.s2.id, world.s3.id, world.s4.id, world.s6.id}


# -- Bob, editor: task routes work, the list's management does not -----------------------------


@HTMX
@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_an_editor_changes_tasks_but_not_the_list(
    app: Flask,
    db_session: Session,
    world: World,
    log_in: Callable[[User], Client],
    name: str,
    htmx: bool,
) -> None:
    kind, build = ATTEMPTS[name]
    method, url, data = build(db_session, world, "bob")
    client = log_in(world.bob)
    before = everything(app)
    response = send(client, method, url, data, htmx)
    page = unescape(text_of(response))
    if kind == MANAGE:
        assert response.status_code == 403, page[:500]
        assert OWNER_ONLY in page
        assert everything(app) == before
        return
    assert response.status_code in (200, 302), page[:500]
    if method == "POST":
        assert everything(app) != before, "the change was not made"
    assert get_list(db_session, world.shared.id).name == "Shared"


def test_an_editors_quick_add_lands_in_the_shared_list(
    db_session: Session, world: World, log_in: Callable[[User], Client]
) -> None:
    response = log_in(world.bob).submit("/tasks/quick", {"text": "Bring cake +Shared"})
    assert response.status_code == 302
    task = task_titled(db_session, "Bring cake")
    assert (task.list_id, task.user_id, task.created_by_id) == (
        world.shared.id,
        world.alice.id,
        world.bob.id,
    )


# -- ids checked one by one --------------------------------------------------------------------


def mixed_attempts(w: World, who: str, forbidden_task: int, forbidden_list: int) -> list[Attempt]:
    own_list, own_task = mine(w, who)
    allowed = w.s4.id if who == "bob" else own_task
    return [
        ("POST", "/tasks/bulk", [("action", action), ("ids", allowed), ("ids", forbidden_task)])
        for action in ("complete", "delete")
    ] + [
        ("POST", "/tasks/bulk", [("action", "reopen"), ("ids", forbidden_task), ("ids", allowed)]),
        (
            "POST",
            "/tasks/bulk",
            [
                ("action", "set_priority"),
                ("ids", allowed),
                ("ids", forbidden_task),
                ("value", "high"),
            ],
        ),
        (
            "POST",
            "/tasks/bulk",
            [("action", "add_tag"), ("ids", allowed), ("ids", forbidden_task), ("value", "x")],
        ),
        (
            "POST",
            "/tasks/bulk",
            [
                ("action", "move_to_list"),
                ("ids", allowed),
                ("ids", forbidden_task),
                ("value", own_list),
            ],
        ),
        (
            "POST",
            "/tasks/bulk",
            [("action", "move_to_list"), ("ids", allowed), ("value", forbidden_list)],
        ),
        ("POST", f"/tasks/{allowed}/move", {"before": forbidden_task}),
        ("POST", f"/tasks/{allowed}/move", {"parent": forbidden_task}),
        ("POST", f"/tasks/{allowed}/move", {"parent": forbidden_task, "before": ""}),
    ]


@HTMX
@pytest.mark.parametrize(
    ("who", "forbidden", "expected"),
    [
        ("bob", "daves", 404),  # Bob's Shared task beside Dave's
        ("bob", "home", 404),  # beside Alice's unshared Home
        ("bob", "missing", 404),
        ("carol", "shared", 403),  # Carol's own task beside Shared's
        ("dave", "shared", 404),
    ],
)
def test_one_forbidden_id_refuses_the_whole_request(
    app: Flask,
    db_session: Session,
    world: World,
    log_in: Callable[[User], Client],
    who: str,
    forbidden: str,
    expected: int,
    htmx: bool,
) -> None:
    task_id, list_id = {
        "daves": (world.own["dave"][1].id, world.own["dave"][0].id),
        "home": (world.h1.id, world.home.id),
        "missing": (MISSING, MISSING),
        "shared": (world.s4.id, world.shared.id),
    }[forbidden]
    if who == "carol":
        task_id = world.s1.id
    client = log_in(getattr(world, who))
    wrong = []
    for method, url, data in mixed_attempts(world, who, task_id, list_id):
        before = everything(app)
        response = send(client, method, url, data, htmx)
        status = response.status_code
        # A move's `before` elsewhere is a 400 (not a sibling) when the user sees it.
        ok = status == expected or (status == 400 and "before" in str(data) and expected == 403)
        if not ok or everything(app) != before:
            wrong.append((url, data, status))
    assert wrong == []


# -- export and the calendar feed ------------------------------------------------------------


@pytest.mark.parametrize("who", ["bob", "carol", "dave"])
def test_the_export_holds_only_the_users_own_lists(
    world: World, log_in: Callable[[User], Client], who: str
) -> None:
    client = log_in(getattr(world, who))
    for url in ("/settings/export.json", "/settings/export.csv"):
        response = client.get(url)
        assert response.status_code == 200
        body = text_of(response)
        assert world.own[who][1].title in body
        for title in ("s1", "s2", "s3", "s4", "h1"):
            assert f'"{title}"' not in body and f",{title}," not in body, (url, title)
        assert "Shared" not in body


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 200), ("bob", 200), ("carol", 200), ("dave", 404)]
)
def test_the_calendar_feed_of_the_shared_list(
    app: Flask, db_session: Session, world: World, who: str, status: int
) -> None:
    user = getattr(world, who)
    db_session.refresh(user)
    client: Client = app.test_client()  # type: ignore[assignment]
    before = everything(app)
    response = client.get(f"/calendar/{user.calendar_secret}.ics?list={world.shared.id}")
    assert response.status_code == status
    assert ("SUMMARY:s4" in text_of(response)) == (status == 200)
    whole = text_of(client.get(f"/calendar/{user.calendar_secret}.ics"))
    assert ("SUMMARY:s4" in whole) == (status == 200)
    assert everything(app) == before


# -- a removed member loses access on the next request --------------------------------------------


def get_user(db_session: Session, user_id: int) -> User:
    db_session.expire_all()
    user = db_session.get(User, user_id)
    assert user is not None
    return user


def remove(db_session: Session, world: World, user: User) -> None:
    shared = db_session.get(TaskList, world.shared.id)
    assert shared is not None
    remove_member(db_session, shared, user.id)
    db_session.commit()


def sees_shared(client: Client, world: World) -> list[int]:
    """The statuses of Shared's pages and a change of one of its tasks, for a client."""
    return [
        client.get(f"/tasks?list={world.shared.id}").status_code,
        client.get(f"/tasks/{world.s4.id}").status_code,
        client.htmx_get(f"/tasks/{world.s4.id}/edit").status_code,
    ]


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_a_removed_member_loses_the_list_on_the_next_request(
    app: Flask, db_session: Session, world: World, log_in: Callable[[User], Client], who: str
) -> None:
    user = getattr(world, who)
    client = log_in(user)
    assert sees_shared(client, world) == [200, 200, 200]
    assert world.s4.id in task_ids(client.get("/tasks?status=all"))
    assert world.s4.id in task_ids(client.get("/tasks?q=s4"))
    remove(db_session, world, user)
    assert sees_shared(client, world) == [404, 404, 404]
    everything_page = client.get("/tasks?status=all")
    assert not {world.s1.id, world.s4.id} & set(task_ids(everything_page))
    assert not {world.s1.id, world.s4.id} & set(task_ids(client.get("/tasks?q=s4")))
    feed = f"/calendar/{get_user(db_session, user.id).calendar_secret}.ics"
    assert "SUMMARY:s4" not in text_of(client.get(feed))
    assert client.get(f"{feed}?list={world.shared.id}").status_code == 404
    assert f"?list={world.shared.id}" not in text_of(everything_page)
    before = everything(app)
    for method, url, data in [
        ("POST", f"/tasks/{world.s4.id}/toggle", {}),
        ("POST", "/tasks", {"title": "Late", "list": world.shared.id}),
        ("POST", "/tasks/bulk", [("action", "delete"), ("ids", world.s4.id)]),
    ]:
        assert send(client, method, url, data, False).status_code == 404
    assert everything(app) == before


def test_an_open_page_of_a_removed_editor_gets_404_from_htmx(
    app: Flask, db_session: Session, world: World, log_in: Callable[[User], Client]
) -> None:
    client = log_in(world.bob)
    page = client.get(f"/tasks?list={world.shared.id}")
    assert page.status_code == 200 and world.s4.id in task_ids(page)
    remove(db_session, world, world.bob)
    before = everything(app)
    from_page = {"HX-Current-URL": f"http://localhost/tasks?list={world.shared.id}"}
    attempts = [
        ("POST", f"/tasks/{world.s4.id}/toggle", {"state": "completed"}),
        ("POST", f"/tasks/{world.s4.id}/edit", fields(db_session, world.s4, title="Late")),
        ("POST", f"/tasks/{world.s4.id}/delete", {}),
        ("POST", f"/tasks/{world.s4.id}/move", {"before": world.s1.id}),
        ("POST", "/tasks/quick", {"text": "Late"}),
        ("POST", "/tasks", {"title": "Late", "list": world.shared.id}),
        ("POST", "/tasks/bulk", [("action", "complete"), ("ids", world.s4.id)]),
        ("GET", f"/tasks?list={world.shared.id}", None),
        ("GET", f"/tasks/{world.s4.id}/edit", None),
    ]
    wrong = []
    for method, url, data in attempts:
        response = send(client, method, url, data, True, **from_page)
        page = text_of(response)
        # Quick add from a page of a list gone from reach goes to the Inbox, like a list
        # deleted since (todo_web.tasks.placing.spot_for_new); nothing reaches Shared.
        expected = 200 if url == "/tasks/quick" else 404
        if response.status_code != expected or ">s4<" in page or ">s1<" in page:
            wrong.append((method, url, response.status_code))
        if expected == 200:  # and the page leaves the list it can no longer show
            assert response.headers.get("HX-Push-Url") == "/tasks"
    assert wrong == []
    after = everything(app)
    # Only the quick add's task was written, in Bob's Inbox.
    new_tasks = [row for row in after["tasks"] if row not in before["tasks"]]
    assert len(new_tasks) == 1
    late = get_task(db_session, new_tasks[0][0])
    assert late.title == "Late" and late.user_id == world.bob.id and late.list_id != world.shared.id
    assert get_task(db_session, world.s4.id).title == "s4"


def test_a_remember_me_cookie_alone_loses_the_list_too(
    app: Flask, db_session: Session, world: World
) -> None:
    browser: Client = app.test_client()  # type: ignore[assignment]
    assert browser.log_in(world.bob.email, remember="y").status_code == 302
    remember = browser.get_cookie("remember_token")
    assert remember is not None
    only_remembered: Client = app.test_client()  # type: ignore[assignment]
    only_remembered.set_cookie("remember_token", remember.value)
    assert sees_shared(only_remembered, world) == [200, 200, 200]
    remove(db_session, world, world.bob)
    again: Client = app.test_client()  # type: ignore[assignment]
    again.set_cookie("remember_token", remember.value)
    assert again.get("/tasks").status_code == 200  # still logged in...
    assert sees_shared(again, world) == [404, 404, 404]  # ...without the list
    before = everything(app)
    assert again.submit(f"/tasks/{world.s4.id}/toggle", {}).status_code == 404
    assert everything(app) == before


def test_a_change_from_a_page_of_a_list_deleted_since_answers_with_the_default_list(
    app: Flask, db_session: Session, world: World, log_in: Callable[[User], Client]
) -> None:
    """The same for the owner's own list deleted in another tab: the quick add goes to the
    Inbox (todo_web.tasks.placing.spot_for_new) and says so, instead of a 404."""
    client = log_in(world.alice)
    assert client.submit(f"/lists/{world.home.id}/delete").status_code == 302
    from_page = {"HX-Current-URL": f"http://localhost/tasks?list={world.home.id}"}
    response = client.submit("/tasks/quick", {"text": "Call mum"}, htmx=True, headers=from_page)
    assert response.status_code == 200
    assert response.headers.get("HX-Push-Url") == "/tasks"
    task = task_titled(db_session, "Call mum")
    assert task.id in task_ids(response)
    assert get_list(db_session, task.list_id).is_inbox
    # Reading the gone list is still a 404, from the page or not.
    for headers in ({}, from_page):
        gone = client.htmx_get(f"/tasks?list={world.home.id}", **headers)
        assert gone.status_code == 404


@HTMX
@pytest.mark.parametrize(("who", "status"), [("bob", 403), ("carol", 403), ("dave", 404)])
def test_only_the_owner_restores_a_deleted_shared_list(
    app: Flask,
    db_session: Session,
    world: World,
    log_in: Callable[[User], Client],
    who: str,
    status: int,
    htmx: bool,
) -> None:
    assert log_in(world.alice).submit(f"/lists/{world.shared.id}/delete").status_code == 302
    client = log_in(getattr(world, who))
    before = everything(app)
    for url in (f"/lists/{world.shared.id}/restore", f"/tasks/{world.s4.id}/restore"):
        response = client.submit(url, {}, htmx=htmx)
        expected = 404 if url.startswith("/tasks") else status
        assert response.status_code == expected, url
        if expected == 403:
            assert OWNER_ONLY in unescape(text_of(response))
    bulk = [("action", "restore"), ("ids", world.s4.id)]
    assert client.submit("/tasks/bulk", bulk, htmx=htmx).status_code == 404
    assert everything(app) == before
    # The members see none of it meanwhile.
    assert client.get(f"/tasks?list={world.shared.id}").status_code == 404
    assert world.s4.id not in task_ids(client.get("/tasks?status=all"))


# -- a task moved to a list of another owner takes its tags along --------------------------------


def tags_owners(db_session: Session, task_id: int) -> set[tuple[str, int]]:
    return {(tag.name, tag.user_id) for tag in get_task(db_session, task_id).tags}


@pytest.mark.parametrize("how", ["edit", "bulk"])
def test_a_task_moved_to_another_owners_list_carries_that_owners_tags(
    db_session: Session, world: World, log_in: Callable[[User], Client], how: str
) -> None:
    """A task's tags are its list owner's (todo_web.tasks.tags.resolve_tags): moved out of
    Shared by Bob, s4 and its subtask keep their tag names, now Bob's, so Bob's tag filter
    finds them; moved back in, they are Alice's again."""
    bob = log_in(world.bob)
    bobs_list = world.own["bob"][0].id
    child = make_task(db_session, world.alice, "s4 child", parent=world.s4, tags=["deep"])

    def move(task_id: int, list_id: int) -> None:
        if how == "edit":
            data = fields(db_session, get_task(db_session, task_id), list=list_id, parent="")
            response = bob.submit(f"/tasks/{task_id}/edit", data)
        else:
            pairs = [("action", "move_to_list"), ("ids", task_id), ("value", list_id)]
            response = bob.submit("/tasks/bulk", pairs)
        assert response.status_code == 302, text_of(response)[:300]

    move(world.s4.id, bobs_list)
    assert tags_owners(db_session, world.s4.id) == {("work", world.bob.id)}
    assert tags_owners(db_session, child.id) == {("deep", world.bob.id)}
    assert get_task(db_session, child.id).user_id == world.bob.id
    assert world.s4.id in task_ids(bob.get("/tasks?tag=work&status=all"))
    assert child.id in task_ids(bob.get("/tasks?tag=deep&status=all"))
    alice = log_in(world.alice)
    assert world.s4.id not in task_ids(alice.get("/tasks?tag=work&status=all"))

    move(world.s4.id, world.shared.id)
    assert tags_owners(db_session, world.s4.id) == {("work", world.alice.id)}
    assert tags_owners(db_session, child.id) == {("deep", world.alice.id)}
    assert world.s4.id in task_ids(alice.get("/tasks?tag=work&status=all"))
    assert child.id in task_ids(alice.get("/tasks?tag=deep&status=all"))


# -- the list red-team's attempts, by Dave with Shared's ids -------------------------------------


@HTMX
@pytest.mark.parametrize("target", ["s1", "s3", "s4", "s5"])
def test_the_list_red_teams_attempts_by_a_non_member_are_404(
    app: Flask,
    db_session: Session,
    world: World,
    log_in: Callable[[User], Client],
    target: str,
    htmx: bool,
) -> None:
    """tests/lists/test_list_access.foreign_id_attempts (every route and id field), with
    Dave's own lists and tasks standing in for Alice's there."""
    dave = world.dave
    work, home = world.own["dave"][0], make_list(db_session, dave, "Dave home")
    d1 = make_task(db_session, dave, "d1", task_list=work)
    d4 = make_task(db_session, dave, "d4", task_list=work)
    unused: Any = None  # foreign_id_attempts reads only work, home, a1 and a4
    red = red_team.World(
        inbox=unused, work=work, home=home, a1=d1, a2=unused, a3=unused, a4=d4, a5=unused,
        h1=unused, plans=unused, b1=unused, b2=unused, old=unused, b_old=unused,
    )  # fmt: skip
    attempts = red_team.foreign_id_attempts(
        db_session, red, world.shared.id, getattr(world, target).id
    )
    assert red_team.refusals(log_in(dave), app, attempts, 404, htmx) == []


@pytest.mark.parametrize(("who", "status"), [("bob", 200), ("carol", 403), ("dave", 200)])
def test_quick_add_from_the_shared_lists_page(
    app: Flask,
    db_session: Session,
    world: World,
    log_in: Callable[[User], Client],
    who: str,
    status: int,
) -> None:
    """Without a +list, quick add puts the task in the list the page shows: Bob's lands in
    Shared; Carol may not add there (403, nothing added); Dave's page cannot show Shared,
    so his goes to his Inbox."""
    user = getattr(world, who)
    client = log_in(user)
    from_page = {"HX-Current-URL": f"http://localhost/tasks?list={world.shared.id}"}
    before = everything(app)
    response = client.submit(
        "/tasks/quick", {"text": "From the page"}, htmx=True, headers=from_page
    )
    assert response.status_code == status, text_of(response)[:300]
    if status == 403:
        assert VIEW_ONLY in unescape(text_of(response))
        assert everything(app) == before
        return
    task = task_titled(db_session, "From the page")
    in_shared = task.list_id == world.shared.id
    assert in_shared == (who == "bob")
    assert task.user_id == (world.alice.id if in_shared else user.id)
    assert ">s4<" not in text_of(response) or who == "bob"
