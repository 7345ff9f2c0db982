"""Sending due reminders: the worker's share of each round.

`send_due(session, now)` claims the reminders whose time has come with one indexed query
(``fire_at <= now``, oldest first; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers
running together take different rows), checks each against its task as it is now, and in
the same transaction writes its mail to the outbox and its push messages to their queue,
marking the occurrence reminded. Mail and push are then delivered, with their retries, by
their own workers; the reminder itself is handed over once: the outbox's dedupe key
(one per task and due moment) and the row's `sent_due_at` both say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from .. import push
from ..dates import short_date
from ..mail.messages import absolute_url, render_mail
from ..mail.outbox import enqueue
from ..models import ListMember, Reminder, Task, TaskList, User
from ..timezones import local_today, zone
from .schedule import NO_ROW, Plan, Stored, is_late, plan
from .store import RECIPIENT, state_columns, state_of

BATCH = 100


@dataclass(frozen=True)
class DueReminder:
    """One claimed reminder, with what the messages say."""

    task_id: int
    title: str
    list_name: str
    due_at: datetime
    all_day: bool
    fire_at: datetime
    recipient_id: int
    email: str
    name: str
    timezone: str
    late: bool


def send_due(session: Session, now: datetime, *, limit: int = BATCH) -> int:
    """Hand the reminders due at `now` to mail and push; returns how many went. The
    caller commits."""
    rows = session.execute(
        select(
            Reminder.task_id,
            Reminder.due_at,
            Reminder.fire_at,
            Reminder.sent_due_at,
            Reminder.recipient_id,
            *state_columns(),
            Task.title,
            TaskList.name,
            User.email,
            User.name,
            ListMember.role,
        )
        .select_from(Reminder)
        .join(Task, Task.id == Reminder.task_id)
        .join(TaskList, TaskList.id == Task.list_id)
        .outerjoin(User, User.id == RECIPIENT)
        .outerjoin(
            ListMember, and_(ListMember.list_id == Task.list_id, ListMember.user_id == User.id)
        )
        .where(Reminder.fire_at <= now)
        .order_by(Reminder.fire_at)
        .limit(limit)
        .with_for_update(of=Reminder, skip_locked=True)  # rendered on PostgreSQL only
    ).all()
    sent = 0
    for row in rows:
        task_id, due_at, fire_at, sent_due_at, recipient_id = row[:5]
        state = state_of(row[5:13])
        title, list_name, email, name, role = row[13:]
        stored = Stored(due_at, fire_at, sent_due_at)
        now_plan = plan(state, stored, now)
        still_due = (
            now_plan.fire_at is not None
            and now_plan.fire_at <= now
            and now_plan.due_at == due_at
            and state.recipient_id == recipient_id
            and role is not None  # the recipient still belongs to the list
        )
        if not still_due:
            _replan(session, task_id, now_plan, state.recipient_id, role is not None)
            continue
        reminder = DueReminder(
            task_id=task_id,
            title=title,
            list_name=list_name,
            due_at=due_at,
            all_day=state.due_time is None,
            fire_at=fire_at,
            recipient_id=recipient_id,
            email=email,
            name=name,
            timezone=state.timezone,
            late=is_late(fire_at, now),
        )
        _hand_over(session, reminder)
        session.execute(
            update(Reminder)
            .where(Reminder.task_id == task_id)
            .values(fire_at=None, sent_due_at=due_at, sent_at=now)
        )
        sent += 1
    return sent


def _replan(
    session: Session, task_id: int, now_plan: Plan, recipient_id: int | None, member: bool
) -> None:
    """A claimed reminder its task no longer asks for now (done, moved to later,
    reassigned, or its recipient left the list): the row as the task says, not sent."""
    values: dict[str, object] = {"fire_at": None}
    if now_plan != NO_ROW and member:
        values = {"fire_at": now_plan.fire_at, "due_at": now_plan.due_at}
        values["recipient_id"] = recipient_id
    session.execute(update(Reminder).where(Reminder.task_id == task_id).values(**values))


def when_text(reminder: DueReminder) -> str:
    """When the task is due, on the recipient's clock: "today at 10:00", "Mon 3 Dec at
    10:00", "today" for a task with a date only."""
    local = reminder.due_at.astimezone(zone(reminder.timezone))
    today = local_today(reminder.timezone, reminder.fire_at)
    day = (
        "today"
        if local.date() == today
        else short_date(local.date(), year=local.year != today.year)
    )
    return day if reminder.all_day else f"{day} at {local:%H:%M}"


def _hand_over(session: Session, reminder: DueReminder) -> None:
    path = f"/tasks/{reminder.task_id}"
    when = when_text(reminder)
    subject = f"{'Late reminder' if reminder.late else 'Reminder'}: {reminder.title}"
    text, html = render_mail(
        "reminder",
        reminder=reminder,
        when=when,
        fire_time=f"{reminder.fire_at.astimezone(zone(reminder.timezone)):%H:%M}",
        link=absolute_url(path),
        settings_url=absolute_url("/settings"),
    )
    key = f"reminder:{reminder.task_id}:{reminder.due_at.isoformat()}"
    enqueue(
        session,
        kind="reminder",
        recipient=reminder.email,
        subject=subject,
        text=text,
        html=html,
        user_id=reminder.recipient_id,
        dedupe_key=key,
    )
    body = f"Due {when} · {reminder.list_name}"
    if reminder.late:
        body += " (late: reminders were held up)"
    push.enqueue(
        session,
        reminder.recipient_id,
        title=subject,
        body=body,
        url=path,
        tag=f"reminder-{reminder.task_id}",
        dedupe_key=key,
    )
