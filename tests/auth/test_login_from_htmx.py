"""A logged-out user's htmx request sends the whole page to the login form, and logging in
comes back to the page the user was on, never to the fragment the request asked for."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import Flask
from sqlalchemy.orm import Session

from todo_web.models import User

from ..client import Client, text_of
from ..factories import ALICE, make_task, snapshot

PAGE = "http://localhost/tasks?view=today"


def next_of(location: str) -> str:
    """The `next` of a login URL."""
    parts = urlsplit(location)
    assert parts.path == "/auth/login", location
    return parse_qs(parts.query)["next"][0]


def test_a_fragment_asked_for_after_logout_sends_the_page_to_login_and_back(
    alice_client: Client,
) -> None:
    alice_client.log_out()
    response = alice_client.htmx_get(
        "/tasks/quick/preview?text=milk+tomorrow", **{"HX-Current-URL": PAGE}
    )
    assert response.status_code == 401
    assert text_of(response) == ""  # nothing to swap into the row
    login_url = response.headers["HX-Redirect"]
    assert next_of(login_url) == "/tasks?view=today"

    login = alice_client.log_in(ALICE, query=login_url.removeprefix("/auth/login"))
    assert login.status_code == 302
    assert login.headers["Location"] == "/tasks?view=today"


def test_next_is_the_list_when_the_page_is_unknown_or_another_sites(client: Client) -> None:
    for headers in ({}, {"HX-Current-URL": "https://evil.example/tasks"}):
        response = client.htmx_get("/tasks/quick/preview?text=x", **headers)
        assert response.status_code == 401
        assert next_of(response.headers["HX-Redirect"]) == "/tasks"


def test_a_page_request_keeps_its_own_address_as_next(client: Client) -> None:
    response = client.get("/tasks?status=all")
    assert response.status_code == 302
    assert next_of(response.headers["Location"]) == "/tasks?status=all"


def test_a_plain_form_post_comes_back_to_the_form_s_page_not_the_action(
    app: Flask, db_session: Session, alice: User
) -> None:
    """Without JavaScript: after login a GET of /tasks/<id>/toggle would only say 405."""
    task = make_task(db_session, alice, "Water the plants")
    stranger: Client = app.test_client()  # type: ignore[assignment]
    response = stranger.submit(f"/tasks/{task.id}/toggle", {"next": "/tasks?status=all"})
    assert response.status_code == 302
    assert next_of(response.headers["Location"]) == "/tasks?status=all"


def test_an_htmx_post_after_logout_in_another_tab_goes_to_login(
    app: Flask, alice_client: Client, db_session: Session, alice: User
) -> None:
    """The other tab's logout took the session and its CSRF token: the page still holds the
    old token. It must be sent to log in, not told that its form expired."""
    task = make_task(db_session, alice, "Water the plants")
    old_token = alice_client.token()
    alice_client.log_out()
    before = snapshot(app)
    response = alice_client.post(
        f"/tasks/{task.id}/toggle",
        data={"state": "completed"},
        headers={"HX-Request": "true", "X-CSRFToken": old_token, "HX-Current-URL": PAGE},
    )
    assert response.status_code == 401
    assert next_of(response.headers["HX-Redirect"]) == "/tasks?view=today"
    assert "HX-Retarget" not in response.headers
    assert snapshot(app) == before


def test_a_logged_in_user_with_a_stale_token_is_still_told_to_retry(
    alice_client: Client, db_session: Session, alice: User
) -> None:
    task = make_task(db_session, alice, "Water the plants")
    response = alice_client.post(
        f"/tasks/{task.id}/toggle",
        headers={"HX-Request": "true", "X-CSRFToken": "stale", "HX-Current-URL": PAGE},
    )
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#toasts"
    assert "This form has expired" in text_of(response)
