"""The load-and-fault run: ``python -m tests.loadfault.run`` from the project root.

What it does, all on 127.0.0.1 and bounded in time:

1. creates a PostgreSQL database of its own and migrates it with the Procfile's
   ``release`` line;
2. starts an SMTP server (aiosmtpd) and gunicorn with the Procfile's ``web`` line (a pid
   file, the access log with each request's duration) and the ``worker`` line (mail);
3. signs up N users (a quarter ask for a mail on every task change);
4. runs them for D seconds, each creating, editing and toggling its tasks as fast as the
   server answers, logging every write and whether it was acknowledged;
5. meanwhile restarts PostgreSQL (``pg_ctlcluster ... restart``) and stops the SMTP server
   for a while, watching the database and /healthz;
6. waits for the outbox to empty, then checks that every acknowledged write is in the
   database, every queued mail arrived exactly once, gunicorn was never restarted, no
   answer was a 5xx other than the friendly 503 during the outage, and the app served
   again within 5 s of the database's return;
7. prints the figures (``--json FILE`` writes them too) and drops its database.

The PostgreSQL restart ends every connection of every database on the server, other
people's test runs included: run this by hand, never from the normal test run.
``--no-pg-restart`` leaves PostgreSQL alone.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from todo_web.config import normalize_database_url
from todo_web.models import Outbox

from ..database import PROJECT_ROOT
from ..ports import free_port
from ..processes import Gunicorn, Worker
from ..smtp import SmtpServer
from ..test_procfile import base_environment, procfile
from .client import Browser, Recorder, Sample, TaskUser
from .ledger import Ledger, Verdict

PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]
RECOVERY_LIMIT = 5.0  # seconds after the database is back
#: A 503 must be quick to give (server-side; the client's time includes the queue).
SLOW_503_LIMIT = 2.0
#: gunicorn's worker timeout: a request hanging this long would get its worker killed.
HANG_LIMIT = 30.0
ACCESS_LOG_FORMAT = "%(s)s %(M)s %(m)s %(U)s"  # status, milliseconds, method, path
_MESSAGE_ID = re.compile(r"<outbox\.(\d+)\.")


# -- watching ------------------------------------------------------------------------------


@dataclass
class Timeline:
    """When things happened, in seconds since the start of the load."""

    events: dict[str, float] = field(default_factory=dict)
    db_down: list[tuple[float, float]] = field(default_factory=list)  # (from, to)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mark(self, name: str, at: float) -> None:
        with self.lock:
            self.events[name] = round(at, 3)


def watch_database(dsn: str, clock: Any, timeline: Timeline, stop: threading.Event) -> None:
    """Try a fresh connection every 50 ms; note when the database stops and starts
    answering."""
    down_since: float | None = None
    while not stop.is_set():
        now = clock()
        try:
            connection = psycopg2.connect(dsn, connect_timeout=1)
            try:
                connection.cursor().execute("SELECT 1")
            finally:
                connection.close()
            if down_since is not None:
                timeline.db_down.append((down_since, now))
                down_since = None
        except psycopg2.Error:
            if down_since is None:
                down_since = now
        stop.wait(0.05)
    if down_since is not None:
        timeline.db_down.append((down_since, clock()))


def probe_health(port: int, recorder: Recorder, stop: threading.Event) -> None:
    browser = Browser(port, recorder, timeout=30)
    while not stop.is_set():
        browser.get("probe", "/healthz")
        stop.wait(0.2)
    browser.close()


def faults(
    args: argparse.Namespace,
    clock: Any,
    timeline: Timeline,
    smtp: SmtpServer,
    stop: threading.Event,
) -> None:
    """The fault schedule: restart PostgreSQL at one moment, stop SMTP at another."""
    admin_dsn = args.server_url.replace("+psycopg2", "")
    plan: list[tuple[float, str]] = [
        (args.smtp_stop_at, "smtp_stop"),
        (args.smtp_stop_at + args.smtp_down, "smtp_start"),
    ]
    if not args.no_pg_restart:
        plan.append((args.pg_restart_at, "pg_restart"))
    for at, action in sorted(plan):
        if stop.wait(max(0.0, at - clock())):
            return
        if action == "pg_restart":
            # With the dirty pages written out beforehand, the shutdown checkpoint is short
            # and so is the outage everyone on this server sees.
            checkpoint = psycopg2.connect(admin_dsn, connect_timeout=5)
            checkpoint.autocommit = True
            checkpoint.cursor().execute("CHECKPOINT")
            checkpoint.close()
        timeline.mark(f"{action}_begin", clock())
        if action == "pg_restart":
            result = subprocess.run(
                args.pg_restart_command.split(), capture_output=True, text=True, timeout=60
            )
            if result.returncode:
                print(f"restart failed: {result.stdout}{result.stderr}", file=sys.stderr)
        elif action == "smtp_stop":
            smtp.stop()
        else:
            smtp.start()
        timeline.mark(f"{action}_end", clock())


# -- the run -------------------------------------------------------------------------------


def sign_up_all(users: list[TaskUser]) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(TaskUser.sign_up, users))
    failed = results.count(False)
    if failed:
        raise RuntimeError(f"{failed} users could not sign up")


def wait_healthy(port: int, server: Gunicorn, seconds: float = 30) -> None:
    recorder = Recorder(clock=time.monotonic)
    browser = Browser(port, recorder, timeout=5)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not server.running:
            break
        if browser.get("probe", "/healthz").status == 200:
            browser.close()
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn is not healthy:\n{server.log.read_text()[-3000:]}")


def wait_for_outbox(engine: Any, seconds: float) -> float:
    """Seconds until no mail waits any more (sent or given up), at most `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with engine.connect() as connection:
            waiting = connection.execute(
                select(Outbox.id).where(Outbox.sent_at.is_(None), Outbox.failed_at.is_(None))
            ).first()
        if waiting is None:
            break
        time.sleep(1)
    return time.monotonic() - started


def check_mail(engine: Any, smtp: SmtpServer, ledger: Ledger, notify: set[str]) -> dict[str, Any]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Outbox.id, Outbox.sent_at, Outbox.failed_at, Outbox.attempts)
        ).all()
    received = Counter(
        int(match.group(1))
        for message in smtp.messages
        if (match := _MESSAGE_ID.search(message["Message-ID"] or ""))
    )
    queued = {row.id for row in rows}
    subjects = {message["Subject"] for message in smtp.messages}
    acknowledged_creates = [
        op for op in ledger.ops if op.kind == "create" and op.acknowledged and op.user in notify
    ]
    return {
        "queued": len(queued),
        "delivered": sum(1 for mail_id in queued if received[mail_id]),
        "not_delivered": sorted(queued - set(received))[:20],
        "not_delivered_count": len(queued - set(received)),
        "delivered_twice": sorted(i for i, n in received.items() if n > 1)[:20],
        "given_up": sum(1 for row in rows if row.failed_at is not None),
        "retried": sum(1 for row in rows if row.attempts > 1),
        "unsent": sum(1 for row in rows if row.sent_at is None),
        "acknowledged_creates_without_mail": sum(
            1
            for op in acknowledged_creates
            if f"Task created: {op.values['title']}" not in subjects
        ),
    }


def access_log_times(log: Path) -> dict[int, list[float]]:
    """Server-side durations (ms) per status, from gunicorn's access log."""
    times: dict[int, list[float]] = {}
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].isdigit() and parts[1].isdigit():
            times.setdefault(int(parts[0]), []).append(float(parts[1]))
    return times


def per_second(samples: list[Sample], first: int, last: int) -> dict[int, dict[str, int]]:
    """Answers per second of answering time: {second: {"ok": n, "503": n, ...}}."""
    table: dict[int, Counter[str]] = {second: Counter() for second in range(first, last + 1)}
    for sample in samples:
        second = int(sample.started + sample.elapsed)
        if second in table:
            status = sample.status
            table[second]["ok" if 200 <= status < 400 else str(status)] += 1
    return {second: dict(counts) for second, counts in table.items()}


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Figures:
    data: dict[str, Any]
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def figures(
    args: argparse.Namespace,
    samples: list[Sample],
    probes: list[Sample],
    timeline: Timeline,
    verdict: Verdict,
    mail: dict[str, Any],
    server_times: dict[int, list[float]],
    pids: tuple[set[int], set[int], int, int],
    drain_seconds: float,
    notes: Counter[str],
    load_average: tuple[float, float],
) -> Figures:
    failures: list[str] = []
    statuses = Counter(s.status for s in samples)
    load = [s for s in samples if s.kind != "setup"]
    outage = timeline.db_down[0] if timeline.db_down else None
    data: dict[str, Any] = {
        "clients": args.clients,
        "seconds": args.seconds,
        "gunicorn": f"{args.workers} workers x {args.threads} threads",
        "load_average_before_after": [round(x, 1) for x in load_average],
        "requests": len(load),
        "requests_per_second": round(len(load) / args.seconds, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "latency_ms": {
            "p50": round(percentile([s.elapsed for s in load], 0.5) * 1000),
            "p95": round(percentile([s.elapsed for s in load], 0.95) * 1000),
            "p99": round(percentile([s.elapsed for s in load], 0.99) * 1000),
            "max": round(max((s.elapsed for s in load), default=0) * 1000),
        },
        "timeline": timeline.events,
        "db_down": [(round(a, 3), round(b, 3)) for a, b in timeline.db_down],
    }
    connection_errors = statuses.get(0, 0)
    other_5xx = sum(n for status, n in statuses.items() if status >= 500 and status != 503)
    unfriendly = sum(1 for s in samples if not s.friendly)
    data["healthz_answers"] = dict(Counter(str(s.status) for s in probes))
    data["connection_errors"] = connection_errors
    data["client_notes"] = dict(notes)
    data["5xx_other_than_503"] = other_5xx
    data["unfriendly_5xx"] = unfriendly
    if connection_errors:
        failures.append(f"{connection_errors} requests got no answer")
    if other_5xx:
        failures.append(f"{other_5xx} answers were 5xx other than 503")
    if unfriendly:
        failures.append(f"{unfriendly} 5xx answers were not the friendly page")

    all_503 = [s for s in samples if s.status == 503]
    data["503_total"] = len(all_503)
    data["503_server_ms_p50"] = round(percentile(server_times.get(503, []), 0.5))
    data["503_server_ms_max"] = round(max(server_times.get(503, [0.0])))
    if outage is not None:
        down, up = outage
        data["db_outage_seconds"] = round(up - down, 2)
        # Requests in flight at any moment of the outage, queued ones included.
        during = [s for s in samples if s.started <= up and s.started + s.elapsed >= down]
        data["requests_in_flight_during_outage"] = len(during)
        data["their_statuses"] = dict(Counter(str(s.status) for s in during))
        data["max_latency_during_outage_ms"] = round(
            max((s.elapsed for s in during), default=0) * 1000
        )
        outside = [
            s for s in all_503 if s.started + s.elapsed < down or s.started > up + RECOVERY_LIMIT
        ]
        last_503_answered = max((s.started + s.elapsed for s in all_503), default=up)
        data["last_503_answered_after_db_back_s"] = round(max(0.0, last_503_answered - up), 2)
        first_write = min(
            (
                s.started + s.elapsed
                for s in samples
                if s.kind in {"create", "edit", "toggle"}
                and s.started + s.elapsed >= up
                and 200 <= s.status < 400
            ),
            default=None,
        )
        data["first_write_acknowledged_after_db_back_s"] = (
            round(first_write - up, 2) if first_write is not None else None
        )
        data["per_second_around_outage"] = per_second(samples, int(down) - 2, int(up) + 4)
        if outside:
            failures.append(f"{len(outside)} answers were 503 outside the outage")
        if last_503_answered - up > RECOVERY_LIMIT:
            failures.append("the app was not serving again within 5 s of the database")
        if first_write is None or first_write - up > RECOVERY_LIMIT:
            failures.append("no write was acknowledged within 5 s of the database's return")
        if data["503_server_ms_max"] > SLOW_503_LIMIT * 1000:
            failures.append("a 503 took the server longer than 2 s to give")
        if data["max_latency_during_outage_ms"] > HANG_LIMIT * 1000:
            failures.append("a request in flight during the outage hung for 30 s")
        if len(timeline.db_down) > 1:
            failures.append(f"the database was down {len(timeline.db_down)} times")
    elif not args.no_pg_restart:
        failures.append("the database restart was never seen")
    elif all_503:
        failures.append(f"{len(all_503)} answers were 503 with no outage")

    data["writes_acknowledged"] = verdict.acknowledged
    data["writes_not_acknowledged"] = verdict.unacknowledged
    data["tasks_checked"] = verdict.tasks_checked
    data["writes_lost"] = len(verdict.missing) + len(verdict.wrong)
    if not verdict.ok:
        failures.append(f"lost writes: {(verdict.missing + verdict.wrong)[:10]}")

    data["mail"] = {**mail, "drain_seconds": round(drain_seconds, 1)}
    if mail["not_delivered_count"] or mail["delivered_twice"] or mail["given_up"]:
        failures.append(f"mail: {mail}")
    if mail["acknowledged_creates_without_mail"]:
        failures.append("an acknowledged create of a user who asked for mail has no mail")

    workers_before, workers_after, master_before, master_after = pids
    data["gunicorn_restarted"] = master_before != master_after or workers_before != workers_after
    if data["gunicorn_restarted"]:
        failures.append("gunicorn or one of its workers was restarted")
    data["passed"] = not failures
    return Figures(data, failures)


def print_figures(result: Figures) -> None:
    print("\n== load and fault run")
    for key, value in result.data.items():
        print(f"{key:36} {value}")
    print("\nPASSED" if result.passed else "\nFAILED")
    for failure in result.failures:
        print(f"  - {failure}")


@contextlib.contextmanager
def own_database(server_url: str, keep: bool) -> Iterator[str]:
    """A new database on the server, dropped afterwards unless `keep`."""
    name = f"todo_loadfault_{uuid.uuid4().hex[:10]}"
    # Pre-pinged: the connection that created the database does not survive the restart.
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pg-restart-at", type=float, default=20)
    parser.add_argument("--pg-restart-command", default=" ".join(PG_RESTART))
    parser.add_argument("--no-pg-restart", action="store_true")
    parser.add_argument("--smtp-stop-at", type=float, default=35)
    parser.add_argument("--smtp-down", type=float, default=10)
    parser.add_argument("--notify-share", type=float, default=0.25)
    parser.add_argument("--drain-timeout", type=float, default=180)
    parser.add_argument("--workers", default="2", help="WEB_CONCURRENCY")
    parser.add_argument("--threads", default="4", help="GUNICORN_THREADS")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server URL the run may create a database on",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    url = make_url(normalize_database_url(args.server_url))
    if url.get_backend_name() != "postgresql" or url.host not in {"127.0.0.1", "localhost"}:
        parser.error("--server-url must be a PostgreSQL server on 127.0.0.1")
    args.server_url = url.render_as_string(hide_password=False)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    processes = procfile()
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="loadfault-")))
        database_url = stack.enter_context(own_database(args.server_url, args.keep_db))
        env = base_environment(database_url)
        print(f"database {make_url(database_url).database}; migrating", flush=True)
        subprocess.run(
            ["bash", "-c", processes["release"]], cwd=PROJECT_ROOT, env=env, check=True,
            capture_output=True, timeout=120,
        )  # fmt: skip
        smtp = SmtpServer().start()
        stack.callback(smtp.stop)
        port = free_port()
        env.update(
            PORT=str(port),
            WEB_CONCURRENCY=args.workers,
            GUNICORN_THREADS=args.threads,
            SECRET_KEY="load-and-fault-run-" + "k" * 32,
            SESSION_COOKIE_SECURE="false",  # plain HTTP on loopback
            BCRYPT_ROUNDS="4",  # 200 sign-ups at cost 12 would take a minute of CPU
            RATELIMIT_ENABLED="false",  # every client comes from 127.0.0.1
            MAIL_URL=smtp.url,
        )
        server = Gunicorn(
            processes["web"], env, workdir, extra_args=f"--access-logformat '{ACCESS_LOG_FORMAT}'"
        ).start()
        stack.callback(server.stop)
        wait_healthy(port, server)
        worker = Worker(processes["worker"], env, workdir, extra_args="--interval 0.5")
        stack.callback(worker.stop)
        engine = create_engine(normalize_database_url(database_url))
        stack.callback(engine.dispose)

        rng = random.Random(args.seed)
        started = time.monotonic()
        recorder = Recorder(clock=lambda: time.monotonic() - started)
        probes = Recorder(clock=recorder.clock)
        ledger = Ledger()
        notify_count = round(args.clients * args.notify_share)
        users = [
            TaskUser(
                Browser(port, recorder),
                f"load-{number}@example.com",
                ledger,
                random.Random(rng.random()),
                notify=number < notify_count,
            )
            for number in range(args.clients)
        ]
        print(f"signing up {len(users)} users", flush=True)
        sign_up_all(users)
        for user in users:  # idle since sign-up: gunicorn may be closing them right now
            user.browser.close()
        master_before, workers_before = server.master_pid(), server.worker_pids()

        print(f"load: {args.clients} clients for {args.seconds:.0f} s", flush=True)
        load_before = os.getloadavg()[0]
        started = time.monotonic()  # the clock now counts from the start of the load
        recorder.samples.clear()
        recorder.notes.clear()
        timeline = Timeline()
        stop = threading.Event()
        dsn = make_url(database_url).render_as_string(hide_password=False)
        helpers = [
            threading.Thread(
                target=watch_database,
                args=(dsn.replace("+psycopg2", ""), recorder.clock, timeline, stop),
            ),
            threading.Thread(target=probe_health, args=(port, probes, stop)),
            threading.Thread(target=faults, args=(args, recorder.clock, timeline, smtp, stop)),
        ]
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=u.run, args=(deadline, stop)) for u in users]
        for thread in helpers + threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic()) + 90)
        stop.set()
        for thread in helpers + threads:
            thread.join(timeout=70)
        if smtp._controller is None:  # the schedule was cut short: mail must get through
            smtp.start()

        print("load done; waiting for the outbox to empty", flush=True)
        drain_seconds = wait_for_outbox(engine, args.drain_timeout)
        master_after, workers_after = server.master_pid(), server.worker_pids()
        verdict = ledger.verify(engine)
        notify = {user.email for user in users if user.notify}
        mail = check_mail(engine, smtp, ledger, notify)
        server.stop()
        result = figures(
            args,
            list(recorder.samples),
            list(probes.samples),
            timeline,
            verdict,
            mail,
            access_log_times(server.log),
            (workers_before, workers_after, master_before, master_after),
            drain_seconds,
            recorder.notes,
            (load_before, os.getloadavg()[0]),
        )
        print_figures(result)
        if args.json:
            args.json.write_text(json.dumps({**result.data, "failures": result.failures}, indent=2))
        if recorder.errors:
            print("first connection errors:", *recorder.errors[:5], sep="\n  ")
        return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
