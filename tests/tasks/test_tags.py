"""Tags: typed as a comma-separated list, one row per name per user whatever the case."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from todo_web.tasks.tags import parse_tag_names

from .support import (
    create_task,
    create_via_form,
    form_post,
    list_ids,
    load_task,
    snapshot,
    tag_rows,
)


def tag_names(app: Flask, task_id: int) -> list[str]:
    task = load_task(app, task_id)
    assert task is not None
    return [tag.name for tag in task.tags]


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


def test_tags_are_trimmed_and_blanks_dropped(user_client: FlaskClient, app: Flask) -> None:
    task_id = create_task(user_client, title="x", tags=" work ,, home , ,  ")
    assert tag_names(app, task_id) == ["home", "work"]
    assert sorted(name for _, name in tag_rows(app)) == ["home", "work"]


def test_same_name_in_another_case_reuses_the_tag(user_client: FlaskClient, app: Flask) -> None:
    first = create_task(user_client, title="first", tags="Work")
    second = create_task(user_client, title="second", tags="work")
    third = create_task(user_client, title="third", tags="WORK, work")
    assert len(tag_rows(app)) == 1
    for task_id in (first, second, third):
        assert tag_names(app, task_id) == ["Work"]
    assert set(list_ids(user_client, "?tag=work")) == {first, second, third}


def test_editing_to_another_case_reuses_the_tag(user_client: FlaskClient, app: Flask) -> None:
    task_id = create_task(user_client, title="x", tags="Errands")
    task = load_task(app, task_id)
    assert task is not None
    form_post(
        user_client,
        f"/tasks/{task_id}/edit",
        {"title": "x", "priority": "medium", "status": "pending", "tags": "errands, Shop"},
    )
    assert tag_names(app, task_id) == ["Errands", "Shop"]
    assert len(tag_rows(app)) == 2


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
    user_client: FlaskClient, app: Flask, existing: str, typed: str
) -> None:
    first = create_task(user_client, title="first", tags=existing)
    response = create_via_form(user_client, title="second", tags=typed)
    assert response.status_code == 302
    second = max(list_ids(user_client))
    names = {tag_names(app, first)[0], tag_names(app, second)[0]}
    # Either the tag is reused, or (where the database sees two different names) two tags:
    # never a failure, and a chip always finds its own task.
    assert len(tag_rows(app)) == len(names)
    for task_id in (first, second):
        [name] = tag_names(app, task_id)
        assert task_id in list_ids(user_client, f"?tag={quote(name)}")


def test_tag_of_fifty_characters_is_fine(user_client: FlaskClient, app: Flask) -> None:
    task_id = create_task(user_client, title="x", tags="t" * 50)
    assert tag_names(app, task_id) == ["t" * 50]


def test_tag_of_fifty_one_characters_is_refused(user_client: FlaskClient, app: Flask) -> None:
    before = snapshot(app)
    response = create_via_form(user_client, title="x", tags="ok, " + "t" * 51)
    assert response.status_code == 400
    assert "Tags can be at most 50 characters long." in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_too_long_tag_refused_on_edit_too(user_client: FlaskClient, app: Flask) -> None:
    task_id = create_task(user_client, title="x", tags="ok")
    before = snapshot(app)
    response = form_post(
        user_client,
        f"/tasks/{task_id}/edit",
        {"title": "x", "priority": "medium", "status": "pending", "tags": "é" * 51},
    )
    assert response.status_code == 400
    assert "Tags can be at most 50 characters long." in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_too_many_tags_refused(user_client: FlaskClient, app: Flask) -> None:
    before = snapshot(app)
    response = create_via_form(user_client, title="x", tags=",".join(f"t{n}" for n in range(21)))
    assert response.status_code == 400
    assert "at most 20 tags" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_tags_show_as_chips_linking_to_the_filter(user_client: FlaskClient) -> None:
    task_id = create_task(user_client, title="x", tags="home, deep work, C&A")
    for page in (
        user_client.get("/tasks").get_data(as_text=True),
        user_client.get(f"/tasks/{task_id}").get_data(as_text=True),
    ):
        assert 'class="chip chip-tag" href="/tasks?tag=home">#home</a>' in page
        assert 'href="/tasks?tag=deep+work">#deep work</a>' in page
        assert 'href="/tasks?tag=C%26A">#C&amp;A</a>' in page
    assert list_ids(user_client, "?tag=C%26A") == [task_id]
    assert list_ids(user_client, "?tag=deep+work") == [task_id]


def test_tags_of_one_user_are_not_shared(
    user_client: FlaskClient, bob_client: FlaskClient, app: Flask
) -> None:
    create_task(user_client, title="x", tags="work")
    create_task(bob_client, title="y", tags="Work")
    rows = tag_rows(app)
    assert len(rows) == 2 and rows[0][0] != rows[1][0]
