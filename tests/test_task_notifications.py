"""Task changes queue a mail in the same transaction, only for users who opted in."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from todo_web.models import Outbox, User

from .helpers import post


def kinds(db_session: Session) -> list[str]:
    db_session.expire_all()
    return list(db_session.scalars(select(Outbox.kind).order_by(Outbox.id)))


def test_no_mail_unless_opted_in(user_client: FlaskClient, db_session: Session) -> None:
    post(user_client, "/tasks", {"title": "Quiet"}, token_page="/tasks")
    assert kinds(db_session) == []


def test_created_updated_completed_deleted_each_queue_a_mail(
    user_client: FlaskClient, db_session: Session
) -> None:
    db_session.execute(update(User).values(notify_task_changes=True))
    db_session.commit()
    post(user_client, "/tasks", {"title": "Loud"}, token_page="/tasks")
    post(user_client, "/tasks/quick", {"text": "Louder tomorrow"}, token_page="/tasks")
    post(
        user_client,
        "/tasks/1/edit",
        {"title": "Loud, edited", "priority": "high", "status": "pending", "repeat": "none"},
        token_page="/tasks",
    )
    post(user_client, "/tasks/1/toggle", {"state": "completed"}, token_page="/tasks")
    post(user_client, "/tasks/1/delete", token_page="/tasks")
    assert kinds(db_session) == [
        "task_created",
        "task_created",
        "task_updated",
        "task_updated",
        "task_deleted",
    ]


def test_refused_change_queues_nothing(user_client: FlaskClient, db_session: Session) -> None:
    db_session.execute(update(User).values(notify_task_changes=True))
    db_session.commit()
    response = post(user_client, "/tasks", {"title": ""}, token_page="/tasks")
    assert response.status_code == 400
    assert kinds(db_session) == []
