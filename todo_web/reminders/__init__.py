"""Reminders: a message by mail and Web Push some minutes before a task is due.

- `schedule`: when a reminder fires (pure: the task, its recipient's clock, now).
- `store`: the reminders table kept in step with the tasks (`reschedule`).
- `tracking`: a session hook that reschedules, before each commit, what the transaction
  changed; `note_tasks` for changes made by UPDATE statements.
- `delivery`: the worker's round, turning due reminders into mail and push messages.
"""

from .store import reschedule, reschedule_for_recipient
from .tracking import install, note_tasks

__all__ = ["install", "note_tasks", "reschedule", "reschedule_for_recipient"]
