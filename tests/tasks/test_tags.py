"""Tags: typed as a comma-separated list, one row per name per user whatever the case."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.models import Tag
from todo_web.tasks.tags import parse_tag_names

from ..client import Client, create_task_via_form, list_ids, submit_task
from ..factories import get_task, snapshot


def names_on(db_session: Session, task_id: int) -> list[str]:
    return [tag.name for tag in get_task(db_session, task_id).tags]


def tag_rows(db_session: Session) -> list[tuple[int, str]]:
    """Every tag row of every user, oldest first: (user id, name)."""
    db_session.expire_all()
    return [(tag.user_id, tag.name) for tag in db_session.scalars(select(Tag).order_by(Tag.id))]


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("", ()),
        ("  ,, , ", ()),
        (" work ,, home , ,  ", ("work", "home")),
        ("deep   work,\tlate\nnight", ("deep work", "late night")),
        ("Work, work, WORK", ("Work",)),
        ("a,b,a", ("a", "b")),
    ],
)
def test_parse_tag_names(raw: str, names: tuple[str, ...]) -> None:
    assert parse_tag_names(raw) == names


def test_tags_are_trimmed_and_blanks_dropped(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(alice_client, title="x", tags=" work ,, home , ,  ")
    assert names_on(db_session, task_id) == ["home", "work"]
    assert sorted(name for _, name in tag_rows(db_session)) == ["home", "work"]


def test_same_name_in_another_case_reuses_the_tag(
    alice_client: Client, db_session: Session
) -> None:
    first = create_task_via_form(alice_client, title="first", tags="Work")
    second = create_task_via_form(alice_client, title="second", tags="work")
    third = create_task_via_form(alice_client, title="third", tags="WORK, work")
    assert len(tag_rows(db_session)) == 1
    for task_id in (first, second, third):
        assert names_on(db_session, task_id) == ["Work"]
    assert set(list_ids(alice_client, "?tag=work")) == {first, second, third}


def test_editing_to_another_case_reuses_the_tag(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(alice_client, title="x", tags="Errands")
    task = get_task(db_session, task_id)
    assert task is not None
    alice_client.submit(
        f"/tasks/{task_id}/edit",
        {"title": "x", "priority": "medium", "status": "pending", "tags": "errands, Shop"},
    )
    assert names_on(db_session, task_id) == ["Errands", "Shop"]
    assert len(tag_rows(db_session)) == 2


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Über", "über"),  # SQLite's lower() folds ASCII letters only
        # Python lowers a final capital sigma to a final small sigma, the database does not.
        ("\N{GREEK SMALL LETTER ALPHA}\N{GREEK SMALL LETTER SIGMA}", "ΑΣ"),
        ("i", "İ"),  # Python lowers a dotted capital I to two characters
        ("École", "école"),
    ],
)
def test_tag_names_match_whatever_the_alphabet(
    alice_client: Client, existing: str, typed: str, db_session: Session
) -> None:
    first = create_task_via_form(alice_client, title="first", tags=existing)
    response = submit_task(alice_client, title="second", tags=typed)
    assert response.status_code == 302
    second = max(list_ids(alice_client))
    names = {names_on(db_session, first)[0], names_on(db_session, second)[0]}
    # Either the tag is reused, or (where the database sees two different names) two tags:
    # never a failure, and a chip always finds its own task.
    assert len(tag_rows(db_session)) == len(names)
    for task_id in (first, second):
        [name] = names_on(db_session, task_id)
        assert task_id in list_ids(alice_client, f"?tag={quote(name)}")


def test_tag_of_fifty_characters_is_fine(alice_client: Client, db_session: Session) -> None:
    task_id = create_task_via_form(alice_client, title="x", tags="t" * 50)
    assert names_on(db_session, task_id) == ["t" * 50]


def test_tag_of_fifty_one_characters_is_refused(alice_client: Client, app: Flask) -> None:
    before = snapshot(app)
    response = submit_task(alice_client, title="x", tags="ok, " + "t" * 51)
    assert response.status_code == 400
    assert "Tags can be at most 50 characters long." in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_too_long_tag_refused_on_edit_too(alice_client: Client, app: Flask) -> None:
    task_id = create_task_via_form(alice_client, title="x", tags="ok")
    before = snapshot(app)
    response = alice_client.submit(
        f"/tasks/{task_id}/edit",
        {"title": "x", "priority": "medium", "status": "pending", "tags": "é" * 51},
    )
    assert response.status_code == 400
    assert "Tags can be at most 50 characters long." in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_too_many_tags_refused(alice_client: Client, app: Flask) -> None:
    before = snapshot(app)
    response = submit_task(alice_client, title="x", tags=",".join(f"t{n}" for n in range(21)))
    assert response.status_code == 400
    assert "at most 20 tags" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_tags_show_as_chips_linking_to_the_filter(alice_client: Client) -> None:
    task_id = create_task_via_form(alice_client, title="x", tags="home, deep work, C&A")
    for page in (
        alice_client.get("/tasks").get_data(as_text=True),
        alice_client.get(f"/tasks/{task_id}").get_data(as_text=True),
    ):
        assert 'class="chip chip-tag" href="/tasks?tag=home">#home</a>' in page
        assert 'href="/tasks?tag=deep+work">#deep work</a>' in page
        assert 'href="/tasks?tag=C%26A">#C&amp;A</a>' in page
    assert list_ids(alice_client, "?tag=C%26A") == [task_id]
    assert list_ids(alice_client, "?tag=deep+work") == [task_id]


def test_tags_of_one_user_are_not_shared(
    alice_client: Client, bob_client: Client, db_session: Session
) -> None:
    create_task_via_form(alice_client, title="x", tags="work")
    create_task_via_form(bob_client, title="y", tags="Work")
    rows = tag_rows(db_session)
    assert len(rows) == 2 and rows[0][0] != rows[1][0]
