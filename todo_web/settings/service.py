"""Changes to the logged-in user's account. Each takes the session; the view commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..auth.queries import set_password
from ..models import User
from ..passwords import check_password


def update_profile(session: Session, user: User, *, name: str, timezone: str) -> None:
    user.name = name
    user.timezone = timezone
    session.flush()


def update_notifications(
    session: Session,
    user: User,
    *,
    task_changes: bool,
    daily_digest: bool,
    reminder_hour: int | None = None,
) -> None:
    """Save the mail settings; a new reminder hour reschedules the user's reminders of
    tasks with a date only (todo_web.reminders follows the change)."""
    user.notify_task_changes = task_changes
    user.notify_daily_digest = daily_digest
    if reminder_hour is not None:
        user.reminder_hour = reminder_hour
    session.flush()


def change_password(session: Session, user: User, *, current: str, new: str) -> bool:
    """Set `new` if `current` is right (False otherwise, nothing changed).

    Every session of the user ends, this one included; the view logs this one in again.
    """
    if not check_password(current, user.password_hash):
        return False
    set_password(session, user, new)
    return True


def delete_account(session: Session, user: User, *, password: str) -> bool:
    """Delete the user and, through ON DELETE CASCADE, their tasks, tags and queued mails."""
    if not check_password(password, user.password_hash):
        return False
    session.delete(user)
    session.flush()
    return True
