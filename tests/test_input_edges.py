"""Inputs the route fuzzer (tests/test_fuzz_routes.py) found answering 500, kept as plain
regression tests: NUL characters, ids beyond the database's range, tags with non-ASCII
capitals on SQLite."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from todo_web.models import Tag, User

from .client import Client


def test_nul_characters_are_dropped_from_every_field(client: Client, db_session: Session) -> None:
    response = client.register("alice@example.com", name="Ali\x00ce")
    assert response.status_code == 302
    assert db_session.scalar(select(User.name)) == "Alice"

    response = client.submit("/settings", {"name": "Bo\x00b", "timezone": "UTC"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.scalar(select(User.name)) == "Bob"

    assert client.get("/tasks?q=mi%00lk&tag=a%00b").status_code == 200


def test_nul_in_a_login_email_is_an_ordinary_wrong_login(client: Client) -> None:
    response = client.submit("/auth/login", {"email": "nobody\x00@example.com", "password": "x"})
    assert response.status_code == 400


def test_ids_beyond_the_database_range_are_not_found(alice_client: Client) -> None:
    for task_id in ("2147483648", "99999999999999999999", "١٢"):
        assert alice_client.get(f"/tasks/{task_id}").status_code == 404
        assert alice_client.submit(f"/tasks/{task_id}/toggle").status_code == 404


def test_a_tag_with_non_ascii_capitals_is_reused(alice_client: Client, db_session: Session) -> None:
    for title in ("First", "Second"):
        response = alice_client.submit("/tasks", {"title": title, "tags": "Über, ẞtraße"})
        assert response.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Tag)) == 2
    page = alice_client.get("/tasks?tag=Über").get_data(as_text=True)
    assert "First" in page and "Second" in page
