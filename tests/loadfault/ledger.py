"""What every simulated user was told, and the check that the database agrees.

Each task carries a token in its title (its first word), so a task is found by token
whether or not its creator learned its id. Per task, the operations are in the order the
user sent them (a user waits for each answer). A write is *acknowledged* when it was
answered with 2xx/3xx; any other outcome (503, no answer) may or may not have been applied.

The database must therefore hold, for each field of each task, the value of the last
acknowledged write to that field or of a write sent after it; and every task whose
creation was acknowledged must exist. Anything else is a lost (or invented) write.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from todo_web.models import Task, User

FIELDS = ("title", "status")


@dataclass(frozen=True)
class Op:
    user: str
    kind: str  # create, edit, toggle
    token: str
    http_status: int
    values: dict[str, str]
    #: The part of the run it was sent in (`Ledger.phase` at the time), for the figures.
    phase: str = ""

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.http_status < 400


@dataclass
class Verdict:
    acknowledged: dict[str, int] = field(default_factory=dict)
    unacknowledged: dict[str, int] = field(default_factory=dict)
    tasks_checked: int = 0
    missing: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    #: Missing and wrong writes by the phase of the acknowledged write that was lost.
    lost_by_phase: dict[str, int] = field(default_factory=dict)
    #: Creates answered with an error page (the person saw them fail) that were stored
    #: all the same and never acknowledged, by phase: what a retry would duplicate.
    failed_but_stored_by_phase: dict[str, int] = field(default_factory=dict)
    #: Tasks stored more than once for one create (its form sent again).
    duplicated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.wrong and not self.duplicated


class Ledger:
    def __init__(self) -> None:
        self._ops: list[Op] = []
        self._lock = threading.Lock()
        #: Recorded with each op: set it between the parts of a run (faults, say).
        self.phase = ""

    def record(self, user: str, kind: str, token: str, http_status: int, **values: str) -> None:
        with self._lock:
            self._ops.append(Op(user, kind, token, http_status, values, self.phase))

    @property
    def ops(self) -> list[Op]:
        with self._lock:
            return list(self._ops)

    def verify(self, engine: Engine) -> Verdict:
        ops = self.ops
        verdict = Verdict()
        for op in ops:
            counts = verdict.acknowledged if op.acknowledged else verdict.unacknowledged
            counts[op.kind] = counts.get(op.kind, 0) + 1

        by_task: dict[tuple[str, str], list[Op]] = defaultdict(list)
        for op in ops:
            by_task[(op.user, op.token)].append(op)
        users = {op.user for op in ops}
        stored: dict[tuple[str, str], dict[str, str]] = {}
        with engine.connect() as connection:
            rows = connection.execute(
                select(User.email, Task.title, Task.status)
                .join(Task, Task.user_id == User.id)
                .where(User.email.in_(users))
            )
            for email, title, status in rows:
                key = (email, title.split()[0])
                if key in stored:
                    verdict.duplicated.append(f"{key[0]} {key[1]}: stored twice")
                stored[key] = {"title": title, "status": status}

        for key, task_ops in by_task.items():
            row = stored.get(key)
            if row is None:
                created = [op for op in task_ops if op.kind == "create" and op.acknowledged]
                if created:
                    verdict.missing.append(f"{key[0]} {key[1]}: acknowledged, not stored")
                    _count(verdict.lost_by_phase, created[0].phase)
                continue
            verdict.tasks_checked += 1
            creates = [op for op in task_ops if op.kind == "create"]
            if creates and not any(op.acknowledged for op in creates):
                seen_failing = [op for op in creates if op.http_status >= 400]
                if seen_failing:
                    _count(verdict.failed_but_stored_by_phase, seen_failing[0].phase)
            for name in FIELDS:
                allowed = _allowed_values(task_ops, name)
                if row[name] not in allowed:
                    verdict.wrong.append(
                        f"{key[0]} {key[1]}: {name} is {row[name]!r}, expected one of "
                        f"{sorted(allowed)!r}"
                    )
                    acknowledged = [op for op in task_ops if name in op.values and op.acknowledged]
                    _count(verdict.lost_by_phase, acknowledged[-1].phase if acknowledged else "")
        return verdict


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _allowed_values(ops: list[Op], name: str) -> set[str]:
    """The value of the last acknowledged write to `name`, or of any write after it."""
    writes = [op for op in ops if name in op.values]
    last_acknowledged = max(
        (index for index, op in enumerate(writes) if op.acknowledged), default=0
    )
    return {op.values[name] for op in writes[last_acknowledged:]}
