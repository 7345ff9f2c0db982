"""The list routes (DESIGN.md, "Lists, subtasks and order"): create, rename, delete with its
Undo, the lists page and the sidebar with their open counts, and GET /tasks?list=<id>.

Each test checks what the database holds afterwards, not just the status code; refusals
compare every row before and after."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from todo_web.db import utcnow
from todo_web.lists.queries import inbox_of
from todo_web.models import INBOX_NAME, LIST_NAME_MAX, TaskList, User

from ..client import Client, edit_fields, list_ids, submit_task, task_ids, text_of, total_count
from ..conftest import NOW
from ..factories import count_rows, get_task, make_list, make_task, task_titled
from . import (
    everything,
    get_list,
    list_page_ids,
    lists_of,
    real_open_counts,
    sidebar_counts,
    stored_open_counts,
)

TODAY = NOW.date()


def names(session: Session, user: User) -> list[str]:
    return [item.name for item in lists_of(session, user)]


def new_list_id(response_location: str) -> int:
    match = re.fullmatch(r"/tasks\?list=(\d+)", response_location)
    assert match, response_location
    return int(match.group(1))


# -- create ---------------------------------------------------------------------------------


def test_create_redirects_to_the_new_lists_tasks(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    response = alice_client.submit("/lists", {"name": "  Groceries  "})
    assert response.status_code == 302
    list_id = new_list_id(response.headers["Location"])
    made = get_list(db_session, list_id)
    assert made.name == "Groceries" and made.owner_id == alice.id and not made.is_inbox
    assert names(db_session, alice) == [INBOX_NAME, "Groceries"]

    page = alice_client.get(response.headers["Location"])
    assert page.status_code == 200
    assert f'data-list-id="{list_id}"' in text_of(page)
    assert "Groceries" in text_of(page)


def test_create_makes_runs_of_whitespace_one_space(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    response = alice_client.submit("/lists", {"name": "\tHome \n  repairs "})
    assert response.status_code == 302
    assert names(db_session, alice) == [INBOX_NAME, "Home repairs"]


@pytest.mark.parametrize(
    "name",
    ["a" * LIST_NAME_MAX, "é" * LIST_NAME_MAX, "  " + "b" * LIST_NAME_MAX + "  ", "x"],
    ids=["100-ascii", "100-accented", "100-after-strip", "1"],
)
def test_create_takes_1_to_100_characters(
    alice_client: Client, alice: User, db_session: Session, name: str
) -> None:
    response = alice_client.submit("/lists", {"name": name})
    assert response.status_code == 302, text_of(response)
    assert names(db_session, alice) == [INBOX_NAME, name.strip()]


@pytest.mark.parametrize(
    "name",
    ["", "   ", "\t\n", "a" * (LIST_NAME_MAX + 1), "é" * (LIST_NAME_MAX + 1), None],
    ids=["empty", "spaces", "control", "101", "101-accented", "missing"],
)
def test_create_refuses_an_empty_or_too_long_name(
    alice_client: Client, app: Flask, name: str | None
) -> None:
    before = everything(app)
    data = {} if name is None else {"name": name}
    response = alice_client.submit("/lists", data)
    assert response.status_code == 400
    page = unescape(text_of(response))
    assert "A list needs a name." in page or "Keep the name under 101 characters." in page
    assert everything(app) == before


@pytest.mark.parametrize(
    ("existing", "typed"),
    [("Work", "work"), ("Work", "  WORK "), ("Café", "CAFÉ"), (INBOX_NAME, "inbox")],
    ids=["lower", "upper-padded", "accented", "inbox"],
)
def test_create_refuses_a_name_taken_ignoring_case(
    alice_client: Client, alice: User, db_session: Session, app: Flask, existing: str, typed: str
) -> None:
    if existing != INBOX_NAME:
        make_list(db_session, alice, existing)
    before = everything(app)
    response = alice_client.submit("/lists", {"name": typed})
    assert response.status_code == 400
    assert f"You already have a list called “{typed.strip()}”." in unescape(text_of(response))
    assert everything(app) == before


def test_create_with_htmx_refuses_a_taken_name_too(
    alice_client: Client, alice: User, db_session: Session, app: Flask
) -> None:
    make_list(db_session, alice, "Work")
    before = everything(app)
    response = alice_client.submit("/lists", {"name": "WORK"}, htmx=True)
    assert response.status_code == 400
    assert "You already have a list called" in text_of(response)
    assert everything(app) == before


def test_names_are_per_owner_and_a_deleted_lists_name_is_free(
    alice_client: Client, alice: User, bob: User, db_session: Session
) -> None:
    make_list(db_session, bob, "Work")
    assert alice_client.submit("/lists", {"name": "Work"}).status_code == 302
    work = lists_of(db_session, alice)[-1]
    assert alice_client.submit(f"/lists/{work.id}/delete").status_code == 302
    again = alice_client.submit("/lists", {"name": "work"})
    assert again.status_code == 302
    assert new_list_id(again.headers["Location"]) != work.id
    assert names(db_session, alice) == [INBOX_NAME, "work"]
    assert [item.name for item in lists_of(db_session, bob)] == [INBOX_NAME, "Work"]


def test_create_without_the_csrf_token_makes_nothing(alice_client: Client, app: Flask) -> None:
    before = everything(app)
    response = alice_client.post("/lists", data={"name": "Sneaky"})
    assert response.status_code == 400
    assert everything(app) == before


def test_a_logged_out_visitor_is_sent_to_log_in(client: Client, app: Flask) -> None:
    before = everything(app)
    for url in ("/lists", "/lists/1/edit"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert everything(app) == before


# -- rename ---------------------------------------------------------------------------------


def test_rename_form_shows_the_name_and_renaming_saves_it(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    work = make_list(db_session, alice, "Work")
    form = alice_client.get(f"/lists/{work.id}/edit")
    assert form.status_code == 200
    assert 'value="Work"' in text_of(form)
    assert f'action="/lists/{work.id}/edit"' in text_of(form)

    response = alice_client.submit(f"/lists/{work.id}/edit", {"name": "  Projects "})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tasks?list={work.id}"
    assert get_list(db_session, work.id).name == "Projects"


def test_rename_may_change_only_the_case_of_its_own_name(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    work = make_list(db_session, alice, "work")
    response = alice_client.submit(f"/lists/{work.id}/edit", {"name": "WORK"})
    assert response.status_code == 302
    assert get_list(db_session, work.id).name == "WORK"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("home", "You already have a list called “home”."),
        ("INBOX", "You already have a list called “INBOX”."),
        ("", "A list needs a name."),
        ("x" * (LIST_NAME_MAX + 1), "Keep the name under 101 characters."),
    ],
    ids=["other-list", "inbox", "empty", "too-long"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_rename_refuses_a_bad_name(
    alice_client: Client,
    alice: User,
    db_session: Session,
    app: Flask,
    typed: str,
    message: str,
    htmx: bool,
) -> None:
    work = make_list(db_session, alice, "Work")
    make_list(db_session, alice, "Home")
    before = everything(app)
    response = alice_client.submit(f"/lists/{work.id}/edit", {"name": typed}, htmx=htmx)
    assert response.status_code == 400
    assert message in unescape(text_of(response))
    assert everything(app) == before


def test_the_inbox_cannot_be_renamed(
    alice_client: Client, alice: User, db_session: Session, app: Flask
) -> None:
    inbox = inbox_of(db_session, alice)
    before = everything(app)
    response = alice_client.submit(f"/lists/{inbox.id}/edit", {"name": "Everything"})
    assert response.status_code == 400
    assert "The Inbox cannot be renamed or deleted." in text_of(response)
    assert everything(app) == before
    assert get_list(db_session, inbox.id).name == INBOX_NAME


# -- delete and Undo ----------------------------------------------------------------------------


@pytest.fixture
def work(db_session: Session, alice: User) -> TaskList:
    """Alice's Work list: an open task with a subtask, a completed one, and one deleted an
    hour before the test (which the list's Undo must leave deleted)."""
    work = make_list(db_session, alice, "Work")
    parent = make_task(db_session, alice, "Plan", task_list=work)
    make_task(db_session, alice, "Plan step", parent=parent)
    make_task(db_session, alice, "Shipped", task_list=work, status="completed")
    gone = make_task(db_session, alice, "Dropped earlier", task_list=work)
    gone.deleted_at = utcnow() - timedelta(hours=1)
    db_session.commit()
    make_task(db_session, alice, "Elsewhere")  # in the Inbox: untouched by all of this
    return work


def test_delete_takes_the_lists_live_tasks_and_undo_brings_back_exactly_those(
    alice_client: Client, alice: User, db_session: Session, work: TaskList
) -> None:
    dropped = task_titled(db_session, "Dropped earlier")
    dropped_at = dropped.deleted_at

    response = alice_client.submit(f"/lists/{work.id}/delete")
    assert response.status_code == 302
    after_delete = alice_client.get(response.headers["Location"])
    page = text_of(after_delete)
    # The page it lands on offers the Undo, as a form posting to the list's restore.
    assert re.search(
        rf'<form method="post" action="/lists/{work.id}/restore"[^>]*>\s*'
        r'<input type="hidden" name="csrf_token"',
        page,
    ), page
    assert "Deleted the list “Work” and its tasks." in unescape(page)
    assert f'data-list-id="{work.id}"' not in page  # gone from the sidebar

    deleted = get_list(db_session, work.id)
    assert deleted.deleted_at is not None
    for title in ("Plan", "Plan step", "Shipped"):
        assert task_titled(db_session, title).deleted_at == deleted.deleted_at, title
    assert task_titled(db_session, "Dropped earlier").deleted_at == dropped_at
    assert task_titled(db_session, "Elsewhere").deleted_at is None
    assert alice_client.get(f"/tasks?list={work.id}").status_code == 404
    assert set(list_ids(alice_client, "?status=all")) == {task_titled(db_session, "Elsewhere").id}

    undo = alice_client.submit(f"/lists/{work.id}/restore")
    assert undo.status_code == 302
    assert undo.headers["Location"] == f"/tasks?list={work.id}"
    assert get_list(db_session, work.id).deleted_at is None
    for title in ("Plan", "Plan step", "Shipped"):
        assert task_titled(db_session, title).deleted_at is None, title
    assert task_titled(db_session, "Dropped earlier").deleted_at == dropped_at
    shown = list_ids(alice_client, f"?list={work.id}&status=all")
    assert set(shown) == {task_titled(db_session, t).id for t in ("Plan", "Plan step", "Shipped")}
    assert sidebar_counts(alice_client.get("/tasks"))[work.id] == 2
    assert stored_open_counts(db_session) == real_open_counts(db_session)


def test_undo_is_blocked_while_a_new_list_has_the_name(
    alice_client: Client, alice: User, db_session: Session, app: Flask, work: TaskList
) -> None:
    assert alice_client.submit(f"/lists/{work.id}/delete").status_code == 302
    assert alice_client.submit("/lists", {"name": "WORK"}).status_code == 302
    before = everything(app)
    response = alice_client.submit(f"/lists/{work.id}/restore")
    assert 400 <= response.status_code < 500
    page = unescape(text_of(response))
    assert "You already have a list called “Work”." in page
    assert "Rename that one, then undo again." in page
    assert everything(app) == before

    # Renaming the new one clears the way.
    new = next(item for item in lists_of(db_session, alice) if item.name == "WORK")
    assert alice_client.submit(f"/lists/{new.id}/edit", {"name": "Work 2"}).status_code == 302
    assert alice_client.submit(f"/lists/{work.id}/restore").status_code == 302
    assert names(db_session, alice) == [INBOX_NAME, "Work", "Work 2"]
    assert task_titled(db_session, "Plan").deleted_at is None


def test_restoring_a_live_list_changes_nothing(
    alice_client: Client, app: Flask, work: TaskList
) -> None:
    before = everything(app)
    response = alice_client.submit(f"/lists/{work.id}/restore")
    assert response.status_code == 302
    assert everything(app) == before


def test_the_inbox_cannot_be_deleted(
    alice_client: Client, alice: User, db_session: Session, app: Flask
) -> None:
    inbox = inbox_of(db_session, alice)
    make_task(db_session, alice, "Stays")
    before = everything(app)
    for htmx in (False, True):
        response = alice_client.submit(f"/lists/{inbox.id}/delete", htmx=htmx)
        assert response.status_code == 400
        assert "The Inbox cannot be renamed or deleted." in text_of(response)
    assert everything(app) == before


def test_a_deleted_list_cannot_be_renamed_or_deleted_again(
    alice_client: Client, app: Flask, work: TaskList
) -> None:
    assert alice_client.submit(f"/lists/{work.id}/delete").status_code == 302
    before = everything(app)
    assert alice_client.get(f"/lists/{work.id}/edit").status_code == 404
    assert alice_client.submit(f"/lists/{work.id}/edit", {"name": "Zombie"}).status_code == 404
    assert alice_client.submit(f"/lists/{work.id}/delete").status_code == 404
    assert everything(app) == before


# -- the lists page and the sidebar --------------------------------------------------------


def test_lists_page_shows_each_of_the_users_lists_with_its_open_count(
    alice_client: Client, alice: User, bob: User, db_session: Session
) -> None:
    work = make_list(db_session, alice, "Work")
    home = make_list(db_session, alice, "Home")
    make_list(db_session, bob, "Bob's secret plans")
    make_task(db_session, alice, "One", task_list=work)
    make_task(db_session, alice, "Two", task_list=work, status="in_progress")
    make_task(db_session, alice, "Done", task_list=work, status="completed")
    inbox = inbox_of(db_session, alice)

    response = alice_client.get("/lists")
    assert response.status_code == 200
    page = text_of(response)
    assert list_page_ids(response) == [inbox.id, work.id, home.id]
    assert "Bob&#39;s secret plans" not in page and "Bob's secret plans" not in page
    row = re.search(rf'data-list-id="{work.id}">(.*?)</li>', page, re.S)
    assert row and re.search(r'<span class="count"[^>]*>2</span>', row.group(1))
    # A create form that posts to /lists.
    assert 'action="/lists"' in page and 'name="name"' in page


def test_sidebar_shows_every_list_with_its_open_count(
    alice_client: Client, alice: User, bob: User, db_session: Session
) -> None:
    work = make_list(db_session, alice, "Work")
    make_task(db_session, alice, "In the inbox")
    make_task(db_session, alice, "Work 1", task_list=work)
    make_task(db_session, alice, "Work 2", task_list=work)
    make_task(db_session, alice, "Cancelled", task_list=work, status="cancelled")
    bobs = make_list(db_session, bob, "Bob's")
    make_task(db_session, bob, "Bob's task", task_list=bobs)
    inbox = inbox_of(db_session, alice)
    for url in ("/tasks", f"/tasks?list={work.id}", "/tasks?view=today", "/lists"):
        assert sidebar_counts(alice_client.get(url)) == {inbox.id: 1, work.id: 2}, url


def test_counts_follow_creates_completes_deletes_and_moves(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    """lists.open_count is kept by triggers: after each change the sidebar shows what a
    COUNT over the tasks says, for every list (deleted ones too)."""
    work = make_list(db_session, alice, "Work")
    home = make_list(db_session, alice, "Home")
    inbox = inbox_of(db_session, alice)

    def expect(counts: dict[int, int]) -> None:
        assert stored_open_counts(db_session) == real_open_counts(db_session)
        live = {k: v for k, v in real_open_counts(db_session).items() if k in counts}
        assert live == counts
        assert sidebar_counts(alice_client.get("/tasks")) == counts

    expect({inbox.id: 0, work.id: 0, home.id: 0})
    assert submit_task(alice_client, title="Report", list=work.id).status_code == 302
    assert submit_task(alice_client, title="Memo", list=work.id).status_code == 302
    assert submit_task(alice_client, title="Loose end").status_code == 302
    report, memo = task_titled(db_session, "Report"), task_titled(db_session, "Memo")
    assert submit_task(alice_client, title="Draft", parent=report.id).status_code == 302
    expect({inbox.id: 1, work.id: 3, home.id: 0})

    assert alice_client.submit("/tasks/quick", {"text": "Paint fence +Home"}).status_code == 302
    expect({inbox.id: 1, work.id: 3, home.id: 1})

    # Completing a parent completes its subtask too.
    toggled = alice_client.submit(f"/tasks/{report.id}/toggle", {"state": "completed"})
    assert toggled.status_code == 302
    expect({inbox.id: 1, work.id: 1, home.id: 1})
    reopened = alice_client.submit(f"/tasks/{report.id}/toggle", {"state": "pending"})
    assert reopened.status_code == 302
    expect({inbox.id: 1, work.id: 2, home.id: 1})  # its subtask stays completed
    assert submit_task(alice_client, title="Review", parent=report.id).status_code == 302
    expect({inbox.id: 1, work.id: 3, home.id: 1})

    # Edit: in progress stays open, cancelled does not; moving to another list by edit.
    fields = edit_fields(get_task(db_session, memo.id), status="in_progress")
    assert alice_client.submit(f"/tasks/{memo.id}/edit", fields).status_code == 302
    expect({inbox.id: 1, work.id: 3, home.id: 1})
    fields = edit_fields(get_task(db_session, memo.id), status="cancelled")
    assert alice_client.submit(f"/tasks/{memo.id}/edit", fields).status_code == 302
    expect({inbox.id: 1, work.id: 2, home.id: 1})
    fields = edit_fields(get_task(db_session, memo.id), status="pending", list=home.id)
    assert alice_client.submit(f"/tasks/{memo.id}/edit", fields).status_code == 302
    assert get_task(db_session, memo.id).list_id == home.id
    expect({inbox.id: 1, work.id: 2, home.id: 2})

    # A parent moved by bulk takes its subtasks along (one open, one completed).
    moved = alice_client.submit(
        "/tasks/bulk", {"action": "move_to_list", "ids": report.id, "value": home.id}
    )
    assert moved.status_code == 302
    expect({inbox.id: 1, work.id: 0, home.id: 4})

    # Delete one task, then Undo it.
    assert alice_client.submit(f"/tasks/{memo.id}/delete").status_code == 302
    expect({inbox.id: 1, work.id: 0, home.id: 3})
    assert alice_client.submit(f"/tasks/{memo.id}/restore").status_code == 302
    expect({inbox.id: 1, work.id: 0, home.id: 4})

    # Delete the whole list, then Undo.
    assert alice_client.submit(f"/lists/{home.id}/delete").status_code == 302
    expect({inbox.id: 1, work.id: 0})
    assert get_list(db_session, home.id).open_count == 0
    assert alice_client.submit(f"/lists/{home.id}/restore").status_code == 302
    expect({inbox.id: 1, work.id: 0, home.id: 4})


# -- /tasks?list=<id> --------------------------------------------------------------------------


@pytest.fixture
def spread(db_session: Session, alice: User, bob: User) -> dict[str, int]:
    """Tasks over Alice's Inbox and Work list (and one of Bob's), sharing titles, tags,
    priorities and due dates, so that only `list` tells them apart. Ids by title."""
    work = make_list(db_session, alice, "Work")
    bob_work = make_list(db_session, bob, "Work")
    today, later = TODAY, TODAY + timedelta(days=30)
    rows = [
        ("Report work high today", work, "high", today, ["office"], "pending"),
        ("Report work low later", work, "low", later, [], "pending"),
        ("Report work done", work, "medium", None, ["office"], "completed"),
        ("Report inbox high today", None, "high", today, ["office"], "pending"),
        ("Report inbox low", None, "low", None, [], "pending"),
    ]
    ids = {}
    for title, task_list, priority, due, tags, status in rows:
        task = make_task(
            db_session,
            alice,
            title,
            task_list=task_list,
            priority=priority,
            due_date=due,
            tags=tags,
            status=status,
        )
        ids[title] = task.id
    ids["bob"] = make_task(
        db_session, bob, "Report bob high today", task_list=bob_work, due_date=today
    ).id
    ids["work"] = work.id
    ids["inbox"] = inbox_of(db_session, alice).id
    return ids


def ids_of(spread: dict[str, int], *titles: str) -> set[int]:
    return {spread[title] for title in titles}


@pytest.mark.usefixtures("clock")
def test_list_shows_only_that_lists_tasks(alice_client: Client, spread: dict[str, int]) -> None:
    response = alice_client.get(f"/tasks?list={spread['work']}")
    assert response.status_code == 200
    assert set(task_ids(response)) == ids_of(
        spread, "Report work high today", "Report work low later"
    )
    assert total_count(response) == 2
    inbox = alice_client.get(f"/tasks?list={spread['inbox']}")
    assert set(task_ids(inbox)) == ids_of(spread, "Report inbox high today", "Report inbox low")
    # The htmx fragment agrees.
    fragment = alice_client.htmx_get(f"/tasks?list={spread['work']}")
    assert fragment.status_code == 200
    assert set(task_ids(fragment)) == ids_of(
        spread, "Report work high today", "Report work low later"
    )


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            [
                "Report work high today",
                "Report work low later",
                "Report inbox high today",
                "Report inbox low",
            ],
        ),
        ("?view=today", ["Report work high today", "Report inbox high today"]),
        ("?view=upcoming", ["Report work high today", "Report inbox high today"]),
        ("?view=completed", ["Report work done"]),
        ("?view=nodate", ["Report inbox low"]),
        ("?priority=high", ["Report work high today", "Report inbox high today"]),
    ],
    ids=["all", "today", "upcoming", "completed", "nodate", "priority"],
)
def test_views_without_list_span_every_list(
    alice_client: Client, spread: dict[str, int], query: str, expected: list[str]
) -> None:
    assert set(list_ids(alice_client, query)) == ids_of(spread, *expected)


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("q=Report", ["Report work high today", "Report work low later"]),
        ("q=later", ["Report work low later"]),
        ("status=completed", ["Report work done"]),
        ("status=all", ["Report work high today", "Report work low later", "Report work done"]),
        ("priority=high", ["Report work high today"]),
        ("priority=low", ["Report work low later"]),
        ("tag=office", ["Report work high today"]),
        ("tag=office&status=all", ["Report work high today", "Report work done"]),
        ("due=today", ["Report work high today"]),
        ("due=none&status=all", ["Report work done"]),
        ("view=today", ["Report work high today"]),
        ("q=Report&priority=high&tag=office&due=today", ["Report work high today"]),
        ("sort=title&order=desc", ["Report work low later", "Report work high today"]),
    ],
)
def test_list_combines_with_every_filter(
    alice_client: Client, spread: dict[str, int], params: str, expected: list[str]
) -> None:
    shown = list_ids(alice_client, f"?list={spread['work']}&{params}")
    assert set(shown) == ids_of(spread, *expected)
    if params.startswith("sort="):
        assert shown == [spread[title] for title in expected]


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "0x1", "\uff11", "1 2", "9" * 13], ids=repr)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_malformed_list_value_is_400(
    alice_client: Client, alice: User, app: Flask, value: str, htmx: bool
) -> None:
    before = everything(app)
    headers = {"HX-Request": "true"} if htmx else {}
    response = alice_client.get("/tasks", query_string={"list": value}, headers=headers)
    assert response.status_code == 400
    assert "list must be a list" in unescape(text_of(response))
    assert everything(app) == before


@pytest.mark.usefixtures("clock")
def test_the_list_page_is_in_manual_order_by_default(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    work = make_list(db_session, alice, "Work")
    first = make_task(db_session, alice, "B first", task_list=work)
    second = make_task(db_session, alice, "A second", task_list=work)
    third = make_task(db_session, alice, "C third", task_list=work)
    assert list_ids(alice_client, f"?list={work.id}") == [first.id, second.id, third.id]
    moved = alice_client.submit(f"/tasks/{third.id}/move", {"before": first.id})
    assert moved.status_code == 302
    assert list_ids(alice_client, f"?list={work.id}") == [third.id, first.id, second.id]


def test_a_new_task_goes_to_the_inbox_or_the_list_asked_for(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    work = make_list(db_session, alice, "Work")
    assert submit_task(alice_client, title="Nowhere in particular").status_code == 302
    assert submit_task(alice_client, title="For work", list=work.id).status_code == 302
    assert (
        task_titled(db_session, "Nowhere in particular").list_id == inbox_of(db_session, alice).id
    )
    assert task_titled(db_session, "For work").list_id == work.id
    # Viewing the list (htmx says which page it came from) makes it the default.
    viewed = alice_client.submit(
        "/tasks",
        {"title": "While viewing"},
        htmx=True,
        headers={"HX-Current-URL": f"http://localhost/tasks?list={work.id}"},
    )
    assert viewed.status_code == 200
    assert task_titled(db_session, "While viewing").list_id == work.id
    assert count_rows(db_session, TaskList) == 2
