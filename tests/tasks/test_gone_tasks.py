"""A task deleted in another tab (or no longer shared) while its row is still on screen:
a row action on it removes the row and says why, instead of answering "There is nothing
here" and leaving the row. The answer is still a 404, and nothing changes."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from todo_web.models import User

from ..client import Client, text_of, view_counts
from ..factories import make_task, snapshot

FROM_LIST = {"HX-Current-URL": "http://localhost/tasks"}

ROW_ACTIONS = [
    ("POST", "/tasks/{id}/toggle", {"state": "completed"}),
    ("POST", "/tasks/{id}/delete", {}),
    ("POST", "/tasks/{id}/move", {"before": ""}),
    ("POST", "/tasks/{id}/edit", {"title": "Renamed"}),
    ("GET", "/tasks/{id}/edit", {}),
    ("GET", "/tasks/{id}", {}),
]


@pytest.fixture
def gone_id(alice_client: Client, db_session: Session, alice: User) -> int:
    """Alice's task, deleted in "another tab" (the same browser, another request)."""
    make_task(db_session, alice, "Still here")
    task = make_task(db_session, alice, "Deleted elsewhere")
    assert alice_client.submit(f"/tasks/{task.id}/delete").status_code == 302
    return task.id


def act(client: Client, method: str, url: str, data: dict, **headers: str):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.htmx_get(url, **headers)
    return client.submit(url, data, htmx=True, headers=headers)


@pytest.mark.parametrize(("method", "url", "data"), ROW_ACTIONS)
def test_a_row_action_on_a_deleted_task_removes_its_row(
    app: Flask, alice_client: Client, gone_id: int, method: str, url: str, data: dict
) -> None:
    before = snapshot(app)
    response = act(alice_client, method, url.format(id=gone_id), data, **FROM_LIST)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == f"#task-{gone_id}"
    assert response.headers["HX-Reswap"] == "delete"
    html = text_of(response)
    assert "no longer exists" in html and 'hx-swap-oob="beforeend:#toasts"' in html
    assert view_counts(html)["open"] == 1  # the sidebar's counts, refreshed
    assert snapshot(app) == before


def test_someone_else_s_task_looks_the_same_as_a_missing_one(
    app: Flask, alice_client: Client, db_session: Session, bob: User
) -> None:
    task = make_task(db_session, bob, "Bob's")
    response = alice_client.submit(f"/tasks/{task.id}/toggle", htmx=True, headers=FROM_LIST)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == f"#task-{task.id}"
    assert "Bob" not in text_of(response)


def test_without_htmx_or_away_from_the_list_it_stays_a_plain_404(
    alice_client: Client, gone_id: int
) -> None:
    assert alice_client.submit(f"/tasks/{gone_id}/toggle").status_code == 404
    elsewhere = alice_client.submit(
        f"/tasks/{gone_id}/toggle",
        htmx=True,
        headers={"HX-Current-URL": f"http://localhost/tasks/{gone_id}"},
    )
    assert elsewhere.status_code == 404
    assert elsewhere.headers["HX-Retarget"] == "#toasts"


def test_a_bulk_action_naming_a_deleted_task_shows_the_list_as_it_is(
    app: Flask, alice_client: Client, db_session: Session, alice: User, gone_id: int
) -> None:
    here = make_task(db_session, alice, "Here")
    before = snapshot(app)
    response = alice_client.submit(
        "/tasks/bulk",
        {"action": "complete", "ids": [here.id, gone_id]},
        htmx=True,
        headers=FROM_LIST,
    )
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#task-list"
    html = text_of(response)
    assert f'data-task-id="{gone_id}"' not in html
    assert f'data-task-id="{here.id}"' in html
    assert "no longer exist" in html
    assert snapshot(app) == before
