"""The production tier: ``python -m tests.production.run [--json FILE]`` as root.

It runs todo-web as production does, all on 127.0.0.1, and stops by itself:

- a PostgreSQL 15 cluster of its own that takes TLS connections only, and PgBouncer in
  transaction mode (5 server connections) in front of it, TLS on both sides: the app's
  DATABASE_URL names PgBouncer with ``sslmode=require``, as Neon's pooled endpoint;
- a Redis of its own for the rate-limit counters;
- two gunicorn instances, each from the Procfile's ``web`` line, the ``worker`` line
  (mail and push), the ``release`` line first (migrations, through PgBouncer);
- an SMTP sink and a fake Web Push service (HTTPS, its own CA).

Then the main flows through the real forms, taking the two instances in turn
(flows.py); then the faults under load (faults.py): the database restarted, PgBouncer
restarted, Redis stopped and started, a gunicorn worker killed with -9, a whole
instance killed with -9 and started again. Last, every write the app acknowledged is
looked for in the database.

It fails (exit 1) when a flow fails, an acknowledged write is lost, any answer is a 5xx
other than the friendly 503 page, a request goes unanswered while no process was
killed, or a fault takes longer than faults.RECOVERY_BOUND to recover from. Without root
or PostgreSQL's Debian tools it skips (exit 0) with a message, unless CI is set: then
it fails. Everything it started is stopped, and its cluster dropped, on the way out.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import create_engine, text

from todo_web.config import normalize_database_url

from ..database import PROJECT_ROOT
from ..loadfault.client import Browser, Recorder, TaskUser
from ..loadfault.ledger import Ledger
from ..loadfault.run import wait_healthy
from ..ports import free_port
from ..processes import Gunicorn, Worker, wait_until
from ..push_service import FakePushService, make_certificates, vapid_test_key
from ..smtp import SmtpServer
from ..test_procfile import base_environment, procfile
from . import flows
from .faults import RECOVERY_BOUND, WRITES, Fault, Phase, run_phase, seen_as, summarize
from .services import PgBouncer, PostgresCluster, Redis, drop_stale_clusters, missing_tools

#: The whole run is stopped (and cleaned up) after this long.
TIME_LIMIT_SECONDS = 600
WRITERS = 4


class OutOfTime(Exception):
    pass


def _out_of_time(signum: int, frame: FrameType | None) -> None:
    raise OutOfTime(f"the production tier ran out of its {TIME_LIMIT_SECONDS} s")


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def app_environment(
    database_url: str, redis: Redis, smtp: SmtpServer, ca_file: Path, base_url: str
) -> dict[str, str]:
    env = base_environment(database_url)
    env.update(
        SECRET_KEY=secrets.token_urlsafe(32),
        # Plain HTTP on loopback; in production TLS ends at the platform's router.
        SESSION_COOKIE_SECURE="false",
        RATELIMIT_STORAGE_URI=redis.url,
        MAIL_URL=smtp.url,
        BASE_URL=base_url,
        VAPID_PRIVATE_KEY=vapid_test_key(),
        PUSH_CA_BUNDLE=str(ca_file),
        PUSH_SERVICE_HOSTS="127.0.0.1",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        # Below the pooler's query_wait_timeout (10 s), so that in the pooler-queue fault
        # it is the app's own deadline that ends the wait, as it must on Neon (120 s).
        REQUEST_DEADLINE_SECONDS="5",
    )
    for name in ("FLASK_DEBUG", "RATELIMIT_ENABLED", "BCRYPT_ROUNDS", "DATABASE_POOL_SIZE"):
        env.pop(name, None)
    return env


def tls_in_use(cluster: PostgresCluster) -> dict[str, int]:
    """The app's server connections (through PgBouncer) by whether they use TLS."""
    connection = cluster.connect(cluster.superuser)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.ssl, count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
                " WHERE a.datname = 'todo' GROUP BY s.ssl"
            )
            return {"tls" if ssl else "plain": n for ssl, n in cursor.fetchall()}
    finally:
        connection.close()


def make_faults(
    cluster: PostgresCluster,
    bouncer: PgBouncer,
    redis: Redis,
    instances: list[Gunicorn],
    ports: list[int],
) -> list[Fault]:
    def restart_database(phase: Phase) -> float:
        cluster.checkpoint()  # a short shutdown checkpoint: a short outage
        old_pid = cluster.postmaster_pid()
        command = cluster.restart()
        wait_until(lambda: cluster.back_after(old_pid), 60, "the database back", 0.05)
        back = phase.recorder.clock()
        if command.wait(timeout=60):
            raise RuntimeError(f"pg_ctlcluster restart failed: exit {command.returncode}")
        return back

    def restart_pgbouncer(phase: Phase) -> None:
        bouncer.restart()

    def pause_the_pooler(phase: Phase) -> None:
        bouncer.admin("PAUSE")
        paused = phase.recorder.clock()
        try:  # held long enough for the app's deadline to end three writes
            wait_until(
                lambda: (
                    sum(
                        1
                        for s in phase.samples()
                        if s.kind in WRITES and s.started >= paused and s.status == 503
                    )
                    >= 3
                ),
                30,
                "three writes answered 503 while the pooler held them",
            )
        finally:
            bouncer.admin("RESUME")

    def stop_and_start_redis(phase: Phase) -> None:
        redis.stop()
        down = phase.recorder.clock()
        try:  # down long enough for two logins to be made while it is
            wait_until(
                lambda: (
                    sum(
                        1
                        for s in phase.samples()
                        if s.kind == "login" and s.started >= down and s.status == 302
                    )
                    >= 2
                ),
                20,
                "two logins while Redis is down",
            )
        finally:
            redis.start()

    def kill_a_worker(phase: Phase) -> None:
        victim = instances[0]
        before = victim.worker_pids()
        os.kill(min(before), signal.SIGKILL)
        # The master starts a new worker in its place.
        wait_until(
            lambda: len(victim.worker_pids() - before) == 1 and len(victim.worker_pids()) == 2,
            30,
            "gunicorn replacing the killed worker",
        )

    def kill_an_instance(phase: Phase) -> None:
        victim = instances[1]
        victim.kill()
        killed = phase.recorder.clock()
        # The platform notices the crash (here: requests to it are refused) and starts it.
        try:
            wait_until(
                lambda: any(
                    s.port == ports[1] and s.status == 0 and s.started >= killed
                    for s in phase.samples()
                ),
                20,
                "a request refused by the killed instance",
            )
        finally:
            victim.start()

    return [
        Fault(
            "database restart",
            "pg_ctlcluster 15 <cluster> restart",
            restart_database,
            ports,
        ),
        Fault(
            "pgbouncer restart",
            "SIGTERM to PgBouncer, then started again",
            restart_pgbouncer,
            ports,
        ),
        Fault(
            "pooler queue (PAUSE)",
            "PgBouncer PAUSE: statements queue; RESUME once 3 writes were answered",
            pause_the_pooler,
            ports,
        ),
        Fault(
            "redis stop/start",
            "redis-server stopped; started again after 2 logins",
            stop_and_start_redis,
            ports,
        ),
        Fault(
            "gunicorn worker kill -9",
            "kill -9 one worker of instance A; its master starts another",
            kill_a_worker,
            ports[:1],
            drops_connections=True,
        ),
        Fault(
            "gunicorn instance kill -9",
            "kill -9 instance B's master and workers; started again once refused",
            kill_an_instance,
            ports[1:],
            drops_connections=True,
        ),
    ]


def log_findings(workdir: Path) -> dict[str, dict[str, int]]:
    """Per log of the app's processes: tracebacks, ERROR and WARNING lines."""
    findings = {}
    for log in sorted(workdir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        findings[log.stem] = {
            "tracebacks": sum(1 for line in lines if line.startswith("Traceback")),
            "errors": sum(1 for line in lines if " ERROR " in line or "[ERROR]" in line),
            "warnings": sum(1 for line in lines if " WARNING " in line or "[WARNING]" in line),
        }
    return findings


def keep_logs(target: Path, workdir: Path, cluster: PostgresCluster, bouncer: PgBouncer) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for log in [*workdir.glob("*.log"), bouncer.log, cluster.log]:
        with contextlib.suppress(OSError):
            shutil.copyfile(log, target / log.name)


def print_table(faults: list[dict[str, Any]]) -> None:
    header = (
        f"{'fault':26} {'requests':>8} {'failed':>6} {'fault s':>7} {'recovery s':>10} "
        f"{'acked writes':>12} {'lost':>4} {'failed, stored':>14}  users saw (failed requests)"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for row in faults:
        saw = ", ".join(f"{n} {what}" for what, n in row["users_saw"].items()) or "-"
        print(
            f"{row['fault']:26} {row['requests']:>8} {row['failed']:>6} "
            f"{row['fault_seconds']:>7} {row['recovery_seconds']!s:>10} "
            f"{row['writes_acknowledged']:>12} {row['acknowledged_writes_lost']:>4} "
            f"{row['failed_writes_stored']:>14}  {saw}"
        )


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    clock = lambda: time.monotonic() - started  # noqa: E731
    result: dict[str, Any] = {"failures": []}
    failures: list[str] = result["failures"]
    processes = procfile()
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="prodtier-")))
        workdir.chmod(0o711)  # PostgreSQL and PgBouncer (the postgres user) reach their dirs
        for name in drop_stale_clusters():
            print(f"dropped {name}, left behind by a run that is gone")
        ca_file, cert, key = make_certificates(workdir)

        print("== starting PostgreSQL (TLS only), PgBouncer, Redis, SMTP, push", flush=True)
        cluster = PostgresCluster(workdir, cert, key)
        stack.callback(cluster.drop)
        cluster.create()
        if cluster.accepts_without_tls():
            failures.append("the cluster accepted a connection without TLS")
        bouncer = PgBouncer(workdir, cluster, cert, key)
        stack.callback(bouncer.stop)
        bouncer.start()
        redis = Redis(workdir)
        stack.callback(redis.stop)
        redis.start()
        smtp = SmtpServer().start()
        stack.callback(smtp.stop)
        push = FakePushService(cert, key, ca_file).start()
        stack.callback(push.stop)

        ports = [free_port(), free_port()]
        env = app_environment(bouncer.url(), redis, smtp, ca_file, f"http://127.0.0.1:{ports[0]}")
        print("== release: " + processes["release"], flush=True)
        release = subprocess.run(
            ["bash", "-c", processes["release"]], cwd=PROJECT_ROOT, env=env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if release.returncode:
            raise RuntimeError(f"release failed:\n{release.stdout}{release.stderr}")
        instances = []
        for label, port in zip("AB", ports, strict=True):
            instance = Gunicorn(
                processes["web"], {**env, "PORT": str(port)}, workdir, name=f"web-{label}"
            ).start()
            stack.callback(instance.stop)
            instances.append(instance)
        for instance, port in zip(instances, ports, strict=True):
            wait_healthy(port, instance, seconds=60)
        worker = Worker(processes["worker"], env, workdir)
        stack.callback(worker.stop)
        result["setup_seconds"] = round(clock(), 1)

        print(f"== main flows through instances A ({ports[0]}) and B ({ports[1]})", flush=True)
        flow_recorder = Recorder(clock=clock)
        ctx = flows.Context(secrets.token_hex(3), ports, flow_recorder, smtp, push)
        flow_results = flows.run_flows(ctx)
        result["flows"] = [vars(r) for r in flow_results]
        result["flow_facts"] = ctx.facts
        failures.extend(f"flow {r.name}: {r.detail}" for r in flow_results if not r.passed)
        flow_failed = [s for s in flow_recorder.samples if not 200 <= s.status < 500]
        result["flow_requests"] = len(flow_recorder.samples)
        if flow_failed:
            failures.append(f"flows: {dict(Counter(seen_as(s) for s in flow_failed))}")
        result["redis_keys_after_flows"] = redis.keys()
        if not result["redis_keys_after_flows"]:
            failures.append("the rate limiter keeps no counters in Redis")
        result["server_connections"] = tls_in_use(cluster)
        if result["server_connections"].get("plain"):
            failures.append(f"server connections without TLS: {result['server_connections']}")

        print(f"== faults, {WRITERS} writers and one login every 3 s", flush=True)
        ledger = Ledger()
        ledger.phase = "sign-up"
        sign_ups = Recorder(clock=clock)
        rng = random.Random(args.seed)
        writers = [
            TaskUser(
                Browser(ports, sign_ups, timeout=30),
                f"writer{n}-{ctx.run}@example.com",
                ledger,
                random.Random(rng.random()),
                notify=False,
            )
            for n in range(WRITERS)
        ]
        for writer in writers:
            if not writer.sign_up():
                raise RuntimeError(f"{writer.email} could not sign up")
        prober = ctx.person("prober")
        prober.register()
        phases = []
        for fault in make_faults(cluster, bouncer, redis, instances, ports):
            phases.append(run_phase(fault, writers, ledger, (prober.email, prober.password), clock))

        print("== after the faults", flush=True)
        engine = create_engine(normalize_database_url(cluster.url(cluster.superuser, "todo")))
        stack.callback(engine.dispose)
        verdict = ledger.verify(engine)
        result["faults"] = [
            summarize(
                phase,
                verdict.lost_by_phase.get(phase.fault.name, 0),
                verdict.failed_but_stored_by_phase.get(phase.fault.name, 0),
            )
            for phase in phases
        ]
        for row in result["faults"]:
            failures.extend(f"{row['fault']}: {problem}" for problem in row["problems"])
        result["ledger"] = {
            "acknowledged": verdict.acknowledged,
            "not_acknowledged": verdict.unacknowledged,
            "tasks_checked": verdict.tasks_checked,
            "lost": (verdict.missing + verdict.wrong)[:20],
        }
        result["ledger"]["duplicated"] = verdict.duplicated[:20]
        if verdict.missing or verdict.wrong:
            failures.append(f"acknowledged writes lost: {(verdict.missing + verdict.wrong)[:5]}")
        if verdict.duplicated:
            failures.append(f"creates stored twice: {verdict.duplicated[:5]}")
        # Redis came back empty; the logins since then must have counted in it again.
        result["redis_keys_after_restart"] = redis.keys()
        if not result["redis_keys_after_restart"]:
            failures.append("the rate limiter did not go back to Redis after its restart")
        if not worker.running:
            failures.append("the worker process exited during the faults")
        # Mail still flows after all that: a reset mail for bob.
        try:
            flows.request_reset_mail(ctx, ctx.person("bob"))[0].close()
        except (AssertionError, TimeoutError) as error:
            failures.append(f"mail after the faults: {error}")
        with engine.connect() as connection:
            result["tasks_in_database"] = connection.execute(
                text("SELECT count(*) FROM tasks")
            ).scalar()
        for instance in instances:
            if not instance.running:
                failures.append(f"gunicorn {instance.name} is not running at the end")
        result["logged"] = log_findings(workdir)
        if args.keep_logs:
            keep_logs(args.keep_logs, workdir, cluster, bouncer)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["passed"] = not failures
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-logs", type=Path, help="copy every process's log here")
    args = parser.parse_args(argv)
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    missing = missing_tools()
    if missing:
        message = f"production tier: missing {', '.join(missing)}"
        if in_ci:
            print(f"{message} (CI is set: failing)", file=sys.stderr)
            return 1
        print(f"{message}: skipped")
        return 0
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(TIME_LIMIT_SECONDS)
    try:
        result = run(args)
    finally:
        signal.alarm(0)
    print_table(result.get("faults", []))
    print(f"\nrecovery bound {RECOVERY_BOUND:.0f} s; run took {result['seconds']} s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
        print(f"figures written to {args.json}")
    if result["passed"]:
        print("PASSED")
        return 0
    print("FAILED")
    for failure in result["failures"]:
        print(f"  - {failure}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
