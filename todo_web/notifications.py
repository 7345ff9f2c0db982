"""Mails about tasks, for users who asked for them in their settings: changes to their own
tasks, and tasks someone else assigned to them."""

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


def task_assigned(session: Session, by: User, task: Task) -> None:
    """Queue a mail to the task's assignee when someone else (`by`) assigned it to them and
    they opted in to task mails; call it before the caller's commit, after the assignee
    changed."""
    if task.assignee_id is None or task.assignee_id == by.id:
        return
    assignee = session.get(User, task.assignee_id)
    if assignee is None or not assignee.notify_task_changes:
        return
    if task.id is None:
        session.flush()
    text, html = render_mail(
        "task_assigned",
        user=assignee,
        by=by,
        task=task,
        link=absolute_url(f"/tasks/{task.id}"),
        settings_url=absolute_url("/settings"),
    )
    enqueue(
        session,
        kind="task_assigned",
        recipient=assignee.email,
        user_id=assignee.id,
        subject=f"{_short(by.name, 40)} assigned you: {_short(task.title)}",
        text=text,
        html=html,
    )


def _short(title: str, limit: int = 80) -> str:
    title = " ".join(title.split())  # no line breaks in a header
    return title if len(title) <= limit else title[: limit - 1] + "…"
