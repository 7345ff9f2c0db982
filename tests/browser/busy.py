"""A busy account for looking at density: about 25 open tasks spread over the Inbox and a
list, some due (overdue, today, this week), some tagged, some repeating, some with
subtasks. The screenshots of the list page (tests/browser/screenshots.py --density) and
the density test (test_density.py) both use it, so what is measured is what is shown."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from todo_web.models import Priority, TaskList, User

from ..factories import make_list, make_task
from .support import seed_list, seed_tasks

#: Open tasks seed_busy leaves on the default list (/tasks, open tasks of every list).
OPEN_TASKS = 25


def seed_busy(session: Session, user: User, today: date) -> TaskList:
    """`user`'s tasks: support.seed_tasks and seed_list, ten more across the Inbox and a
    "Work" list. Returns the Work list."""
    seed_tasks(session, user, today)  # 7 open, 1 done
    seed_list(session, user, today)  # 8 open (4 of them subtasks), 1 done
    work = make_list(session, user, "Work", commit=False)
    day = timedelta(days=1)
    for title, fields in [
        ("Prepare the slides for Monday", {"due_date": today + 2 * day, "tags": ["work"]}),
        ("Review Priya's pull request", {"due_date": today, "priority": Priority.HIGH}),
        ("Book the team offsite venue", {"tags": ["work", "travel"]}),
        ("Update the onboarding guide", {"priority": Priority.LOW}),
        ("Reply to the landlord", {"due_date": today - day, "tags": ["home"]}),
    ]:
        make_task(session, user, title, task_list=work, commit=False, **fields)
    for title, fields in [
        ("Buy a birthday present for Leo", {"due_date": today + 4 * day, "tags": ["errands"]}),
        ("Cancel the gym membership", {}),
        ("Back up the laptop", {"due_date": today + 6 * day}),
        ("Return the library books", {"due_date": today + day, "tags": ["errands"]}),
        ("Plan the summer holiday", {"priority": Priority.LOW, "tags": ["travel"]}),
    ]:
        make_task(session, user, title, commit=False, **fields)
    session.commit()
    return work
