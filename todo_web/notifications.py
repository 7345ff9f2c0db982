"""Mails about a user's own tasks, for users who asked for them in their settings."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from .mail import absolute_url, enqueue, render_mail
from .models import Task, User

TaskEvent = Literal["created", "updated", "deleted"]

SUBJECTS: dict[str, str] = {
    "created": "Task created: {title}",
    "updated": "Task updated: {title}",
    "deleted": "Task deleted: {title}",
}


def task_changed(session: Session, user: User, task: Task, event: TaskEvent) -> None:
    """Queue a mail about `task` if `user` opted in; call it before the caller's commit.

    The mail is written in the caller's transaction, so it is sent exactly when the change
    is committed, and never for a change that was rolled back. A task not yet flushed is
    flushed here to get its id for the link.
    """
    if event not in SUBJECTS:
        raise ValueError(f"unknown task event {event!r}")
    if not user.notify_task_changes:
        return
    if task.id is None:
        session.flush()
    link = absolute_url("/tasks" if event == "deleted" else f"/tasks/{task.id}")
    text, html = render_mail(
        "task_changed",
        user=user,
        task=task,
        event=event,
        link=link,
        settings_url=absolute_url("/settings"),
    )
    enqueue(
        session,
        kind=f"task_{event}",
        recipient=user.email,
        user_id=user.id,
        subject=SUBJECTS[event].format(title=_short(task.title)),
        text=text,
        html=html,
    )


def _short(title: str, limit: int = 80) -> str:
    title = " ".join(title.split())  # no line breaks in a header
    return title if len(title) <= limit else title[: limit - 1] + "…"
