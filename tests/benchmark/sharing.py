"""What sharing costs the task counts: the sidebar's read and a completion's write, for a
list of one member and for a list shared by 20, in one run on the seeded benchmark
database (run.py seeds it).

task_counts is kept per member (triggers on tasks fan a change out to every member who
counts the task), so a read stays one indexed sum whoever shares what, and a write to a
shared list costs one count update per member. This measures both, in process, as
medians over many repetitions, and prints the ratios. Everything it changes is rolled
back.

    .venv/bin/python tests/benchmark/sharing.py --database bench_new
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from todo_web.config import normalize_database_url
from todo_web.lists.members import add_member
from todo_web.models import Role, Task, TaskList, TaskStatus, User
from todo_web.seed import HEAVY_EMAIL
from todo_web.tasks import lifecycle
from todo_web.tasks.counts import read_sidebar

MEMBERS = 20


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def a_task(session: Session, task_list: TaskList) -> Task:
    task = session.scalar(
        select(Task)
        .where(
            Task.list_id == task_list.id,
            Task.deleted_at.is_(None),
            Task.status == TaskStatus.PENDING.value,
            Task.recurrence.is_(None),
            Task.parent_id.is_(None),
        )
        .limit(1)
    )
    assert task is not None, f"no open task in {task_list.name}"
    return task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="todo_bench")
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    url = normalize_database_url(f"{args.server_url.rstrip('/')}/{args.database}")
    engine = create_engine(url)
    with Session(engine) as session:
        heavy = session.scalar(select(User).where(User.email == HEAVY_EMAIL))
        owner = session.scalar(select(User).where(User.email == "user1@seed.example"))
        assert heavy is not None and owner is not None, "seed the database first (run.py)"
        lists = session.scalars(
            select(TaskList)
            .where(TaskList.owner_id == owner.id, TaskList.is_inbox.is_(False))
            .order_by(TaskList.open_count.desc())
        ).all()
        shared, alone = lists[0], lists[1]
        others = session.scalars(
            select(User)
            .where(User.id != owner.id, User.email.like("user%@seed.example"))
            .order_by(User.id)
            .limit(MEMBERS - 1)
        ).all()
        for member in others:
            add_member(session, shared, member, Role.EDITOR)
        session.flush()
        member = others[0]

        def toggle(task_list: TaskList) -> Callable[[], None]:
            task = a_task(session, task_list)

            def run() -> None:
                lifecycle.complete_task(session, owner, task)
                session.flush()
                lifecycle.reopen_task(task)
                session.flush()

            return run

        rows = [
            (
                "sidebar read, heavy user (50,000 tasks, own lists)",
                lambda: read_sidebar(session, heavy),
            ),
            (
                "sidebar read, light user (owner of the shared list)",
                lambda: read_sidebar(session, owner),
            ),
            ("sidebar read, a member of the 20-member list", lambda: read_sidebar(session, member)),
            ("complete + reopen, list of 1 member", toggle(alone)),
            (f"complete + reopen, list of {MEMBERS} members", toggle(shared)),
        ]
        for _ in range(2):  # warm the caches and the statement cache once
            for _, action in rows:
                action()
        results = [(name, median_ms(action, args.repeat)) for name, action in rows]
        session.rollback()
    engine.dispose()
    base_read, base_write = results[0][1], results[3][1]
    print("| what | median ms | ratio |\n| --- | --- | --- |")
    for index, (name, ms) in enumerate(results):
        base = base_read if index < 3 else base_write
        print(f"| {name} | {ms:.3f} | {ms / base:.2f} |")


if __name__ == "__main__":
    main()
