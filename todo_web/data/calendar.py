"""The private calendar feed: open tasks with a due date as an RFC 5545 calendar (icalendar).

- A task with a date and no time is an all-day event (``DTSTART;VALUE=DATE``, ending the
  next day). A timed task starts at its due time on the user's wall clock
  (``DTSTART;TZID=<the user's zone>``, with the zone's VTIMEZONE in the calendar), so a
  09:00 task stays at 09:00 across daylight-saving changes, as in the app. A due time is a
  moment, not a block of time: timed events have no DTEND (RFC 5545 reads that as ending
  when they start). A user whose zone is UTC gets plain UTC times.
- A recurring task carries its rule as RRULE with the due date as DTSTART, which is how
  the app anchors a series too (see ``todo_web.recurrence``). Only UNTIL is rewritten,
  because RFC 5545 wants it in the type of DTSTART: a date for all-day events, a UTC time
  for timed ones (a date-only UNTIL then means the end of that local day).
- Nothing in the output depends on when it is built (DTSTAMP is the task's last change),
  so the same tasks always give the same bytes and the view can answer If-None-Match with
  a 304 from a hash of them.
- Events are transparent (tasks do not make the user look busy) and link back to the task.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vDuration, vRecur

from ..models import Priority, Task
from ..timezones import zone

PRODUCT_ID = "-//todo-web//Tasks//EN"
#: RFC 5545 PRIORITY: 1 is the highest, 9 the lowest, 5 the middle.
ICAL_PRIORITY = {Priority.HIGH: 1, Priority.MEDIUM: 5, Priority.LOW: 9}
REFRESH_INTERVAL = timedelta(hours=1)


def build_feed(tasks: Sequence[Task], *, calendar_name: str, tz: str, base_url: str) -> bytes:
    """The calendar for these tasks (the view picks them: open, dated, not deleted)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", calendar_name)
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", zone(tz).key)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    host = urlsplit(base_url).hostname or "todo-web"
    for task in tasks:
        calendar.add_component(task_event(task, tz=tz, base_url=base_url, host=host))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def task_event(task: Task, *, tz: str, base_url: str, host: str) -> Event:
    assert task.due_date is not None
    event = Event()
    event.add("uid", f"task-{task.id}@{host}")
    event.add("dtstamp", task.updated_at)
    event.add("created", task.created_at)
    event.add("last-modified", task.updated_at)
    event.add("summary", task.title)
    if task.description:
        event.add("description", task.description)
    if task.due_time is None:
        event.add("dtstart", task.due_date)
        event.add("dtend", task.due_date + timedelta(days=1))
    else:
        event.add("dtstart", datetime.combine(task.due_date, task.due_time, tzinfo=zone(tz)))
    if task.recurrence:
        rule = feed_rule(task.recurrence, timed=task.due_time is not None, tz=tz)
        if rule is not None:
            event.add("rrule", rule)
    if task.tags:
        event.add("categories", [tag.name for tag in task.tags])
    event.add("priority", ICAL_PRIORITY[task.priority])
    event.add("transp", "TRANSPARENT")
    event.add("url", f"{base_url}/tasks/{task.id}")
    return event


def feed_rule(rule: str, *, timed: bool, tz: str) -> vRecur | None:
    """The stored rule as an RRULE value, UNTIL in the type RFC 5545 asks for; None for a
    rule that does not parse (the event is then shown once)."""
    try:
        parsed = vRecur.from_ical(rule)
    except ValueError:
        return None
    until = parsed.get("UNTIL")
    if until:
        parsed["UNTIL"] = [_until(until[0], timed=timed, tz=tz)]
    return parsed


def _until(value: date | datetime, *, timed: bool, tz: str) -> date | datetime:
    local_zone = zone(tz)
    if isinstance(value, datetime):
        instant = value if value.tzinfo else value.replace(tzinfo=local_zone)
        if not timed:
            return instant.astimezone(local_zone).date()
        return instant.astimezone(UTC)
    if not timed:
        return value
    # A date means the whole of that local day.
    return datetime.combine(value, time(23, 59, 59), tzinfo=local_zone).astimezone(UTC)
