"""Task changes queue a mail in the same transaction, only for users who opted in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.models import Outbox, User

from ..client import Client
from ..factories import task_titled


def kinds(db_session: Session) -> list[str]:
    db_session.expire_all()
    return list(db_session.scalars(select(Outbox.kind).order_by(Outbox.id)))


def opt_in(db_session: Session, user: User) -> None:
    user.notify_task_changes = True
    db_session.commit()


def test_no_mail_unless_opted_in(alice_client: Client, db_session: Session) -> None:
    alice_client.submit("/tasks", {"title": "Quiet"})
    assert kinds(db_session) == []


def test_created_updated_completed_deleted_each_queue_a_mail(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    opt_in(db_session, alice)
    alice_client.submit("/tasks", {"title": "Loud"})
    alice_client.submit("/tasks/quick", {"text": "Louder tomorrow"})
    loud = task_titled(db_session, "Loud").id
    alice_client.submit(
        f"/tasks/{loud}/edit",
        {"title": "Loud, edited", "priority": "high", "status": "pending", "repeat": "none"},
    )
    alice_client.submit(f"/tasks/{loud}/toggle", {"state": "completed"})
    alice_client.submit(f"/tasks/{loud}/delete")
    assert kinds(db_session) == [
        "task_created",
        "task_created",
        "task_updated",
        "task_updated",
        "task_deleted",
    ]


def test_refused_change_queues_nothing(
    alice: User, alice_client: Client, db_session: Session
) -> None:
    opt_in(db_session, alice)
    response = alice_client.submit("/tasks", {"title": ""})
    assert response.status_code == 400
    assert kinds(db_session) == []
