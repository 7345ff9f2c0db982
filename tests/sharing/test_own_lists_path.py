"""A user nobody shares a list with (most users) reads their pages as before sharing: the
login says so (one EXISTS on the members index), and the sidebar then reads their lists
by owner and skips the lists shared with them. The moment someone shares a list with
them, the next request takes the other path."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from todo_web.models import Role, User

from ..client import Client, task_ids
from ..factories import make_list, make_task, share
from ..tasks.test_list import count_statements


def sidebar_statement(statements: list[str]) -> str:
    (found,) = [statement for statement in statements if "task_counts" in statement]
    return found


def test_the_sidebar_reads_own_lists_by_owner_until_one_is_shared_with_the_user(
    app: Flask, db_session: Session, alice: User, bob: User, bob_client: Client
) -> None:
    garden = make_list(db_session, alice, "Garden")
    weeds = make_task(db_session, alice, "Pull the weeds", task_list=garden)
    with count_statements(app) as statements:
        page = bob_client.get("/tasks")
    assert weeds.id not in task_ids(page)
    assert "list_members" not in sidebar_statement(statements)
    assert f'data-list-id="{garden.id}"' not in page.get_data(as_text=True)

    share(db_session, garden, bob, Role.VIEWER)
    with count_statements(app) as statements:
        page = bob_client.get("/tasks")
    assert "list_members" in sidebar_statement(statements)
    assert weeds.id in task_ids(page)
    assert f'data-list-id="{garden.id}"' in page.get_data(as_text=True)
