"""The todo-web benchmark: the app under gunicorn (the Procfile's web line) on PostgreSQL
with a million tasks, loaded by wrk from 127.0.0.1, next to the ceiling app (ceiling.py).

    .venv/bin/python tests/benchmark/run.py            # or: bash tests/benchmark/run.sh

Steps: create the database (todo_bench) if missing, migrate it, seed it if it has no users,
capture the SQL each list page runs (for the ceiling, and for EXPLAIN ANALYZE), start both
servers, run the wrk scenarios for a 1k-task user and the 50k-task user (and one list of
the 50k-task user's, in manual order), measure what a browser downloads, stop everything
and write results/latest.md and results/latest.json.
Every wrk run is bounded (-d), and so is every step that waits.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import pickle
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import psycopg2
from sqlalchemy import event
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
PROJECT = BENCH_DIR.parent.parent
sys.path.insert(0, str(PROJECT))

from todo_web import create_app  # noqa: E402
from todo_web.config import normalize_database_url  # noqa: E402
from todo_web.db import get_database  # noqa: E402
from todo_web.seed import HEAVY_EMAIL, SEED_PASSWORD  # noqa: E402

LIGHT_EMAIL = "user1@seed.example"
SEARCH_TERM = "invoice"
#: The paced scenario: each of the 32 connections waits this long on average (0 to twice
#: that, at random) after every answer, as a
#: person reading the page would: about 120 requests/s offered, below what the app can serve.
PACE_MS = 250
BENCH_TITLE_PREFIX = "Benchmark task "
#: The neon scenarios: what the forwarder (delayproxy.py) adds in each direction, like a
#: database in the same region across the network.
NEON_DELAY_MS = 1.0
#: The first statement of a transaction carries BEGIN and the limits (pg_transactions.py).
_BEGIN_PREFIX = re.compile(r"^(?:BEGIN; )?(?:SET LOCAL [^;]+; )*")
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
#: The list page's poll (todo_web/tasks/live.py): its URL carries the version shown.
_POLL_URL = re.compile(r'id="live-poll"[^>]*?hx-get="([^"]+)"', re.S)
#: What htmx sends with a poll (bench.lua sends the same).
POLL_HEADERS = {"HX-Request": "true", "HX-Trigger": "live-poll", "HX-Target": "task-list"}


def poll_url(page: str) -> str:
    """The URL a list page polls (with the version it shows), read off the page."""
    found = _POLL_URL.search(page)
    if not found:
        raise SystemExit("the list page has no poll (#live-poll)")
    return html.unescape(found.group(1))


@dataclass
class Scenario:
    name: str
    user: str  # "light" | "heavy"
    mode: str  # get | poll | toggle | create | ceiling
    path: str = "/tasks"  # mode poll: the page whose poll is loaded
    pace_ms: int = 0  # > 0: paced connections (bench.lua's BENCH_PACE_MS), c=32 only
    neon: bool = False  # through the forwarder that adds NEON_DELAY_MS each way
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # by connections


# -- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_web() -> str:
    for line in (PROJECT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            return command.strip()
    raise SystemExit("Procfile has no web line")


class Server:
    """gunicorn started from a command line, stopped through its pid file."""

    def __init__(self, name: str, command: str, env: dict[str, str], cwd: Path, port: int):
        self.name, self.port = name, port
        self.pid_file = Path(tempfile.gettempdir()) / f"todo-bench-{name}-{port}.pid"
        self.log_path = BENCH_DIR / "results" / f"{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["bash", "-c", f"exec {command} --pid {self.pid_file}"],
            env={**env, "PORT": str(port)},
            cwd=cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited; see results/{self.name}.log")
            with suppress(OSError):
                urllib.request.urlopen(self.base + path, timeout=2).read()
                return
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer {path} within {seconds} s")

    def master_pid(self) -> int:
        return int(self.pid_file.read_text().strip())

    def worker_pids(self) -> list[int]:
        master = self.master_pid()
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with suppress(OSError, ValueError, IndexError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(stat.parent.name))
        return pids

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            with suppress(OSError, AttributeError):
                status = Path(f"/proc/{pid}/status").read_text()
                kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
                sizes.append(kb / 1024)
        return sorted(sizes)

    def stop(self) -> None:
        with suppress(OSError, ValueError):
            os.kill(self.master_pid(), signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each process so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    times = {}
    for pid in pids:
        with suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            times[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return times


def backend_pids(db_url: str) -> list[int]:
    """The database server processes serving connections to the benchmark database."""
    with psycopg2.connect(db_url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


@contextmanager
def servers(*started: Server | Neon) -> Iterator[None]:
    try:
        yield
    finally:
        for server in started:
            server.stop()


class RoundTrips:
    """The forwarder's running count of query messages (delayproxy.py writes
    ``<writes> <count>`` to its count file every 0.2 s and at once on SIGUSR1)."""

    def __init__(self, process: subprocess.Popen[bytes], path: Path) -> None:
        self.process, self.path = process, path

    def _read(self) -> tuple[int, int]:
        with suppress(OSError, ValueError):
            writes, counted = self.path.read_text().split()
            return int(writes), int(counted)
        return 0, 0

    def wait_ready(self, seconds: float = 15) -> None:
        """Until the forwarder listens (its first write comes after it does)."""
        deadline = time.monotonic() + seconds
        while self._read()[0] == 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the forwarder (delayproxy.py) did not start")
            time.sleep(0.05)

    def now(self, seconds: float = 5) -> int:
        """The count, including every query message sent before the call: the first one
        the forwarder writes after being asked."""
        asked = self._read()[0]
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            writes, counted = self._read()
            if writes > asked:
                return counted
            time.sleep(0.01)
        raise SystemExit("the forwarder (delayproxy.py) wrote no count")


class Neon:
    """The neon scenarios' stack: the forwarder (delayproxy.py, in a process of its own,
    adding NEON_DELAY_MS each way and counting query messages) and the app again (the same
    command) reaching PostgreSQL through it."""

    def __init__(self, db_url: str, env: dict[str, str], command: str) -> None:
        target = make_url(db_url)
        port = free_port()
        self.count_file = Path(tempfile.gettempdir()) / f"todo-bench-round-trips-{port}.txt"
        self.count_file.unlink(missing_ok=True)
        self.forwarder = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.benchmark.delayproxy",
                "--port",
                str(port),
                "--target",
                f"{target.host or '127.0.0.1'}:{target.port or 5432}",
                "--delay-ms",
                str(NEON_DELAY_MS),
                "--count-file",
                str(self.count_file),
            ],
            cwd=PROJECT,
        )
        self.round_trips = RoundTrips(self.forwarder, self.count_file)
        # Plaintext: the forwarder reads the protocol (TLS would change nothing on the
        # loopback anyway).
        self.url = (
            target.set(host="127.0.0.1", port=port)
            .update_query_dict({"sslmode": "disable"})
            .render_as_string(hide_password=False)
        )
        # Its mail and push rounds run elsewhere (as the Procfile's worker does in
        # production), so that the forwarder counts the requests' round trips only.
        neon_env = {**env, "DATABASE_URL": self.url, "MAIL_WORKER": "external"}
        self.server = Server("neon", command, neon_env, PROJECT, free_port())

    def wait_ready(self) -> None:
        self.server.wait_ready("/healthz")
        self.round_trips.wait_ready()

    def stop(self) -> None:
        self.server.stop()
        self.forwarder.terminate()
        try:
            self.forwarder.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.forwarder.kill()
            self.forwarder.wait(timeout=10)
        self.count_file.unlink(missing_ok=True)


def served(log: Path) -> int:
    """Requests the server has answered so far: lines of its access log."""
    with log.open() as lines:
        return sum('HTTP/1.1" ' in line for line in lines)


def wait_served(log: Path, seconds: float = 10) -> int:
    """Requests answered once the server is idle (those wrk left in flight have finished)."""
    deadline = time.monotonic() + seconds
    count = served(log)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = served(log)
        if now == count:
            break
        count = now
    return count


def round_trip_ms(url: str, times: int = 200) -> float:
    """The median time of a `SELECT 1` through `url`."""
    url = url.replace("postgresql+psycopg2://", "postgresql://")
    with psycopg2.connect(url) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            took = []
            for _ in range(times):
                started = time.perf_counter()
                cursor.execute("SELECT 1")
                cursor.fetchall()
                took.append(time.perf_counter() - started)
    return round(statistics.median(took) * 1000, 2)


# -- database ------------------------------------------------------------------------------


def ensure_database(server_url: str, name: str, recreate: bool) -> str:
    url = make_url(server_url)
    admin = psycopg2.connect(url.set(drivername="postgresql").render_as_string(False))
    admin.autocommit = True
    with admin.cursor() as cursor:
        if recreate:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return url.set(drivername="postgresql", database=name).render_as_string(False)


def run_step(args: list[str], env: dict[str, str], timeout: int) -> str:
    print("$", " ".join(args), flush=True)
    done = subprocess.run(
        args, env=env, cwd=PROJECT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode:
        raise SystemExit(f"{args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare_database(db_url: str, env: dict[str, str], seed_args: list[str]) -> dict[str, Any]:
    bin_dir = Path(sys.executable).parent
    run_step([str(bin_dir / "alembic"), "upgrade", "head"], env, 600)
    with psycopg2.connect(db_url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM users")
        users = cursor.fetchone()[0]
    seeded: dict[str, Any] = {"seeded_now": False}
    if users == 0:
        started = time.monotonic()
        out = run_step([str(bin_dir / "flask"), "--app", "wsgi", "seed", *seed_args], env, 900)
        seeded = {"seeded_now": True, "seconds": round(time.monotonic() - started, 1)}
        print(out, flush=True)
    with psycopg2.connect(db_url) as conn, conn.cursor() as cursor:
        # Tasks a previous run created, and toggles it left, make no difference to the data.
        cursor.execute("DELETE FROM tasks WHERE title LIKE %s", (BENCH_TITLE_PREFIX + "%",))
        cursor.execute("SELECT count(*) FROM users")
        seeded["users"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tasks")
        seeded["tasks"] = cursor.fetchone()[0]
    return seeded


def user_facts(db_url: str, email: str) -> dict[str, Any]:
    """What the scenarios need: a tag the user has, tasks to toggle (not recurring, so a
    completion creates nothing), and counts for the report."""
    with psycopg2.connect(db_url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT id FROM users WHERE email = %s", (email,))
        row = cursor.fetchone()
        if row is None:
            raise SystemExit(f"no user {email}: seed the database (--reseed)")
        user_id = row[0]
        cursor.execute(
            "SELECT t.name FROM tags t JOIN task_tags tt ON tt.tag_id = t.id "
            "WHERE t.user_id = %s GROUP BY t.name ORDER BY count(*) DESC, t.name LIMIT 1",
            (user_id,),
        )
        tag = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id FROM tasks WHERE user_id = %s AND deleted_at IS NULL "
            "AND recurrence IS NULL ORDER BY id LIMIT 400",
            (user_id,),
        )
        toggle_ids = [r[0] for r in cursor.fetchall()]
        cursor.execute(
            "SELECT count(*) FROM tasks WHERE user_id = %s AND deleted_at IS NULL", (user_id,)
        )
        tasks = cursor.fetchone()[0]
        # The list scenario's list: the user's fullest (most open tasks), whose manual
        # order costs the most to put together.
        cursor.execute(
            "SELECT id, name, open_count FROM lists WHERE owner_id = %s AND deleted_at IS NULL "
            "ORDER BY open_count DESC, id LIMIT 1",
            (user_id,),
        )
        list_id, list_name, list_open = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM tasks WHERE list_id = %s AND deleted_at IS NULL", (list_id,)
        )
        list_tasks = cursor.fetchone()[0]
    return {
        "email": email,
        "id": user_id,
        "tag": tag,
        "toggle_ids": toggle_ids,
        "tasks": tasks,
        "list": {"id": list_id, "name": list_name, "open": list_open, "tasks": list_tasks},
    }


# -- SQL capture (for the ceiling and for EXPLAIN) -----------------------------------------


def classify(statement: str) -> str:
    sql = " ".join(statement.split()).lower()
    if "from users join login_sessions" in sql:
        return "user"
    if sql.startswith("select lists.") and "from lists where lists.id in" in sql:
        return "list_counts"  # the sidebar: every list with its open_count
    if sql.startswith("select lists.") and "where lists.id =" in sql:
        return "list"  # the list being shown (?list=<id>)
    if sql.startswith("select tasks.id, (select count(*)"):
        return "row_infos"  # each row's subtask progress and parent title
    if "filter (where" in sql:
        return "counts"
    if sql.startswith("select count(*)"):
        return "total"
    if ("from tasks" in sql and " limit " in sql) or sql.startswith("with found"):
        return "page_manual" if "left outer join tasks as up1" in sql else "page"
    if "from tags" in sql and "exists" in sql:
        return "tag_names"
    if "task_tags" in sql and "tags.name" in sql:
        return "tags"
    return "other"


def capture_sql(
    db_url: str,
    email: str,
    paths: list[str],
    polls: Sequence[str] = (),
) -> dict[str, list[tuple]]:
    """The statements (with parameters) the app runs for each path, from an app in this
    process, logged in as `email`; for each page of `polls`, those of its poll when nothing
    changed (a 204), as "poll <page>"."""
    app = create_app(
        {
            "DATABASE_URL": normalize_database_url(db_url),
            "SECRET_KEY": "capture",
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    captured: list[tuple[str, str, Any]] = []

    @event.listens_for(get_database(app).engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statement = _BEGIN_PREFIX.sub("", statement)
        captured.append((classify(statement), statement, parameters))

    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = _META_TOKEN.search(page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/auth/login", data={"csrf_token": token, "email": email, "password": SEED_PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    result = {}
    for path in paths:
        client.get(path)  # warm: the first request of a session may write last_seen_at
        captured.clear()
        assert client.get(path).status_code == 200
        result[path] = [c for c in captured if c[1].lstrip().upper().startswith(("SELECT", "WITH"))]
    for page in polls:
        url = poll_url(client.get(page).get_data(as_text=True))
        captured.clear()
        assert client.get(url, headers=POLL_HEADERS).status_code == 204
        result[f"poll {page}"] = [
            c
            for c in captured
            if c[0] != "user" and c[1].lstrip().upper().startswith(("SELECT", "WITH"))
        ]
    get_database(app).engine.dispose()
    return result


def explain(db_url: str, statements: list[tuple]) -> list[dict[str, Any]]:
    plans = []
    with psycopg2.connect(db_url) as conn, conn.cursor() as cursor:
        for role, statement, parameters in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append(
                {
                    "role": role,
                    "sql": cursor.mogrify(statement, parameters).decode(),
                    "plan": plan,
                    "seq_scan_on_tasks": bool(re.search(r"Seq Scan on tasks\b", plan)),
                }
            )
        conn.rollback()
    return plans


# -- load ----------------------------------------------------------------------------------


class Browser:
    """Log in over HTTP and fetch, to check a scenario answers 200 before loading it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.cookies)
        )

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    def log_in(self, email: str) -> None:
        token = _META_TOKEN.search(self.get("/auth/login")[1]).group(1)  # type: ignore[union-attr]
        data = urllib.parse.urlencode(
            {"csrf_token": token, "email": email, "password": SEED_PASSWORD}
        ).encode()
        with self.opener.open(self.base + "/auth/login", data=data, timeout=30) as response:
            if "/tasks" not in response.url:
                raise SystemExit(f"cannot log in as {email}")


def run_wrk(
    base: str,
    scenario: Scenario,
    user: dict[str, Any],
    connections: int,
    threads: int,
    duration: int,
    ids_file: Path,
    path: str | None = None,
    session: tuple[str, str] = ("", ""),
) -> dict[str, Any]:
    threads = min(threads, connections)
    env = {
        **os.environ,
        "BENCH_BASE": base,
        "BENCH_MODE": "get" if scenario.mode == "ceiling" else scenario.mode,
        "BENCH_PATH": path or scenario.path,
        "BENCH_EMAIL": "" if scenario.mode == "ceiling" else user["email"],
        "BENCH_PASSWORD": SEED_PASSWORD,
        "BENCH_IDS": str(ids_file),
        "BENCH_THREADS": str(threads),
        "BENCH_PACE_MS": str(scenario.pace_ms),
        "BENCH_COOKIE": session[0],
        "BENCH_CSRF": session[1],
    }
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(BENCH_DIR / "bench.lua"),
        base,
    ]
    load = os.getloadavg()[0]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    match = re.search(r"^BENCH_JSON (.*)$", done.stdout, re.MULTILINE)
    if done.returncode or not match:
        raise SystemExit(f"wrk failed for {scenario.name}:\n{done.stdout}\n{done.stderr}")
    result = json.loads(match.group(1))
    result["load_before"] = round(load, 2)
    result["rps"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    result["errors"] = sum(
        result[k]
        for k in ("connect_errors", "read_errors", "write_errors", "timeouts", "status_errors")
    )
    return result


# -- what a browser downloads --------------------------------------------------------------


def curl_fetch(url: str, cookie: str, extra: list[str] | None = None) -> dict[str, Any]:
    """One request as a browser sends it (compression accepted), with the bytes on the wire."""
    out = subprocess.run(
        [
            "curl",
            "-s",
            "--compressed",
            "-o",
            "/dev/null",
            "-D",
            "-",
            "-H",
            f"Cookie: {cookie}",
            *(extra or []),
            "-w",
            "\nBENCH %{http_code} %{size_download} %{size_header}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    headers = {}
    for line in out.splitlines():
        if ":" in line and not line.startswith("BENCH"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    code, body, header = re.search(r"BENCH (\d+) (\d+) (\d+)", out).groups()  # type: ignore[union-attr]
    return {"status": int(code), "body": int(body), "headers": int(header), "h": headers}


def page_weight(base: str, email: str) -> dict[str, Any]:
    """Bytes transferred by a first load of /tasks (the page and every asset it links) and by
    a repeat load (the page again; assets only when the cache may not reuse them)."""
    browser = Browser(base)
    browser.log_in(email)
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    page_status, html = browser.get("/tasks")
    assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)))
    first = curl_fetch(base + "/tasks", cookie)
    rows = [("/tasks", first)]
    total_first = first["body"] + first["headers"]
    total_repeat = total_first
    for asset in assets:
        fetched = curl_fetch(base + asset, cookie)
        rows.append((asset, fetched))
        total_first += fetched["body"] + fetched["headers"]
        cache = fetched["h"].get("cache-control", "")
        age = re.search(r"max-age=(\d+)", cache)
        if age and int(age.group(1)) > 86400:
            continue  # fresh in the cache: a repeat load does not ask for it at all
        conditional = []
        if "etag" in fetched["h"]:
            conditional = ["-H", f"If-None-Match: {fetched['h']['etag']}"]
        elif "last-modified" in fetched["h"]:
            conditional = ["-H", f"If-Modified-Since: {fetched['h']['last-modified']}"]
        again = curl_fetch(base + asset, cookie, conditional)
        total_repeat += again["body"] + again["headers"]
    return {
        "first_load_bytes": total_first,
        "repeat_load_bytes": total_repeat,
        "resources": [
            {
                "url": url,
                "status": r["status"],
                "body_bytes": r["body"],
                "header_bytes": r["headers"],
                "encoding": r["h"].get("content-encoding", ""),
                "cache_control": r["h"].get("cache-control", ""),
            }
            for url, r in rows
        ],
        "page_status": page_status,
    }


# -- report --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text()
    kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
    model = ""
    with suppress(OSError, AttributeError):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.*)", cpuinfo).group(1)  # type: ignore[union-attr]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(kb / 1024 / 1024, 1),
        "cpu": model,
        "os": platform.platform(),
        "python": platform.python_version(),
        "wrk": wrk_version.split("[")[0].strip(),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Benchmark results ({report['when']})",
        "",
        "Machine: {nproc} cores ({cpu}), {memory_gb} GB, {os}, Python {python}, {wrk}.".format(
            **report["machine"]
        ),
        f"Database: {report['data']['users']} users, {report['data']['tasks']} tasks. "
        f"PostgreSQL {report['postgres']}.",
        "The onelist scenario's list (the heavy user's fullest): "
        "{name!r}, {tasks} live tasks, {open} open.".format(**report["data"]["list"]),
        f"Server: `{report['web_command']}`",
        *(
            [
                "The neon rows: the same app reaching PostgreSQL through a forwarder that adds "
                f"{NEON_DELAY_MS:g} ms each way (a round trip measured "
                f"{report['neon_round_trip_ms']} ms; its own CPU is not counted); their round "
                "trips/req: the query messages it saw ÷ the requests the app answered."
            ]
            if "neon_round_trip_ms" in report
            else []
        ),
        f"Load: wrk, {report['duration']} s per run, threads {report['threads']}. The load "
        "column is the 1-minute load average just before each run: above ~1, other processes "
        "were competing for the 2 cores and the figures are low.",
        "",
        "| scenario | user | conns | req/s | p50 ms | p99 ms | errors | app/ceiling "
        "| CPU ms/req web + db | load | round trips/req |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    ceiling_cpu = {
        (s["user"], c): r["web_cpu_ms"] + r["db_cpu_ms"]
        for s in report["scenarios"]
        if s["mode"] == "ceiling"
        for c, r in s["results"].items()
    }
    ceiling = {
        (s["user"], c): r["rps"]
        for s in report["scenarios"]
        if s["mode"] == "ceiling"
        for c, r in s["results"].items()
    }
    for s in report["scenarios"]:
        for conns, r in s["results"].items():
            ratio = ""
            if s["name"] == "list" and (s["user"], conns) in ceiling:
                cpu = r["web_cpu_ms"] + r["db_cpu_ms"]
                ratio = f"{r['rps'] / ceiling[(s['user'], conns)]:.0%}"
                if cpu:
                    ratio += f" (CPU {ceiling_cpu[(s['user'], conns)] / cpu:.0%})"
            name = f"{s['name']} ({s['pace_ms']} ms pauses)" if s.get("pace_ms") else s["name"]
            trips = r.get("round_trips_served", "")
            lines.append(
                f"| {name} | {s['user']} | {conns} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
                f"{r['p99_ms']:.1f} | {r['errors']} | {ratio} | "
                f"{r['web_cpu_ms']:.1f} + {r['db_cpu_ms']:.1f} | {r['load_before']} | {trips} |"
            )
    rss = report["rss_mb"]
    lines += [
        "",
        f"Worker RSS (MB) after the runs: app {rss['app']}, ceiling {rss['ceiling']}; "
        f"highest seen during the app runs: {rss['app_max']}.",
        "",
        "Page weight of /tasks (light user), bytes on the wire with compression accepted: "
        f"first load {report['weight']['first_load_bytes']}, "
        f"repeat load {report['weight']['repeat_load_bytes']}.",
        "",
        "| resource | status | body bytes | header bytes | encoding | cache-control |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for r in report["weight"]["resources"]:
        lines.append(
            f"| {r['url']} | {r['status']} | {r['body_bytes']} | {r['header_bytes']} | "
            f"{r['encoding']} | {r['cache_control']} |"
        )
    lines += ["", "## EXPLAIN ANALYZE of the list queries", ""]
    for key, plans in report["explain"].items():
        lines += [f"### {key}", ""]
        for plan in plans:
            flag = " **(sequential scan of tasks)**" if plan["seq_scan_on_tasks"] else ""
            lines += [
                f"{plan['role']}{flag}:",
                "",
                "```sql",
                plan["sql"],
                "```",
                "```",
                plan["plan"],
                "```",
                "",
            ]
    return "\n".join(lines) + "\n"


# -- main ----------------------------------------------------------------------------------


def list_path(user: dict[str, Any]) -> str:
    """One list of the user's (their fullest), in its default manual order."""
    return f"/tasks?list={user['list']['id']}"


def scenarios(light: dict[str, Any], heavy: dict[str, Any]) -> list[Scenario]:
    result = []
    for label, user in (("light", light), ("heavy", heavy)):
        filtered = "/tasks?" + urllib.parse.urlencode(
            {"status": "all", "priority": "high", "tag": user["tag"], "sort": "due", "order": "asc"}
        )
        result += [
            Scenario("list", label, "get", "/tasks"),
            Scenario("paced", label, "get", "/tasks", pace_ms=PACE_MS),
            Scenario("ceiling", label, "ceiling", f"/tasks/{label}"),
            Scenario("search", label, "get", f"/tasks?q={SEARCH_TERM}"),
            Scenario("filtered", label, "get", filtered),
            Scenario("toggle", label, "toggle"),
            Scenario("create", label, "create"),
            Scenario("neon list", label, "get", "/tasks", neon=True),
            Scenario("neon search", label, "get", f"/tasks?q={SEARCH_TERM}", neon=True),
            Scenario("neon toggle", label, "toggle", neon=True),
            Scenario("neon create", label, "create", neon=True),
        ]
    # One list's page (manual order, subtasks nested, the list sidebar): the 50k-task
    # user's fullest list. Named onelist: "list" is the default /tasks page.
    result.append(Scenario("onelist", "heavy", "get", list_path(heavy)))
    # An open page asking whether anything changed, when nothing did (a 204): all open
    # tasks of the light user (its version spans their lists), the heavy user's list.
    result.append(Scenario("poll", "light", "poll", "/tasks"))
    result.append(Scenario("polllist", "heavy", "poll", list_path(heavy)))
    return result


#: Pages only explained (EXPLAIN ANALYZE), not loaded: a list with every status, whose
#: total is counted (the open-status default reads it off lists.open_count).
def explain_only_paths(user: dict[str, Any], plan: list[Scenario]) -> list[str]:
    if any(s.name == "onelist" and s.path == list_path(user) for s in plan):
        return [list_path(user) + "&status=all"]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server-url",
        default=os.environ.get("BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database", default="todo_bench")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", default="32,1", help="wrk -c values, comma-separated")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--seed-args", default="", help="passed to flask seed, e.g. '--users 10 --heavy-tasks 500'"
    )
    parser.add_argument("--only", default="", help="scenario names to run, comma-separated")
    args = parser.parse_args()

    (BENCH_DIR / "results").mkdir(exist_ok=True)
    db_url = ensure_database(args.server_url, args.database, args.reseed)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        # Plain HTTP on the loopback: cookies without the Secure flag (TLS ends at a proxy
        # in production, which changes nothing here).
        "SESSION_COOKIE_SECURE": "false",
        # The Procfile's two workers with memory:// counters: gunicorn.conf.py refuses that
        # unless told it is accepted. The benchmark logs in once per scenario and is not
        # about throttling; a Redis round trip per login would only blur the numbers.
        "RATELIMIT_PER_PROCESS_OK": "1",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    env.pop("FLASK_DEBUG", None)
    data = prepare_database(db_url, env, args.seed_args.split())
    light, heavy = user_facts(db_url, LIGHT_EMAIL), user_facts(db_url, HEAVY_EMAIL)
    users = {"light": light, "heavy": heavy}
    plan = scenarios(light, heavy)
    if args.only:
        wanted = set(args.only.split(","))
        plan = [s for s in plan if s.name in wanted or (s.neon and "neon" in wanted)]

    explained: dict[str, Any] = {}
    ceiling_queries: dict[str, list[tuple]] = {}
    for label, user in users.items():
        paths = {s.path for s in plan if s.mode == "get" and s.user == label} | {"/tasks"}
        paths |= set(explain_only_paths(user, plan))
        polls = sorted({s.path for s in plan if s.mode == "poll" and s.user == label})
        captured = capture_sql(db_url, user["email"], sorted(paths), polls)
        ceiling_queries[label] = captured["/tasks"]
        for path, statements in captured.items():
            key = f"{label} user ({user['tasks']} tasks): GET {path}"
            if path.startswith("poll "):
                key = f"{label} user ({user['tasks']} tasks): the poll of {path[5:]}, unchanged"
            if path.startswith(list_path(user)):
                facts = user["list"]
                key += (
                    f" (list {facts['name']!r}: {facts['tasks']} live tasks, {facts['open']} open)"
                )
            explained[key] = explain(db_url, [s for s in statements if s[0] != "user"])
    queries_file = BENCH_DIR / "results" / "ceiling-queries.pickle"
    queries_file.write_bytes(pickle.dumps(ceiling_queries))

    # The Procfile binds every interface; here only the loopback is wanted.
    web = procfile_web().replace("--bind 0.0.0.0:", "--bind 127.0.0.1:")
    app_server = Server("app", web, env, PROJECT, free_port())
    ceiling_env = {**env, "CEILING_DATABASE_URL": db_url, "CEILING_QUERIES": str(queries_file)}
    ceiling_command = web.replace("wsgi:app", "ceiling:app")
    ceiling_server = Server("ceiling", ceiling_command, ceiling_env, BENCH_DIR, free_port())
    # The neon scenarios: the same app, reaching the database through the forwarder.
    neon = Neon(db_url, env, web) if any(s.neon for s in plan) else None
    report: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "data": {**data, "light": light["tasks"], "heavy": heavy["tasks"], "list": heavy["list"]},
        "web_command": web,
        "duration": args.duration,
        "threads": args.threads,
        "explain": explained,
    }
    with psycopg2.connect(db_url) as conn, conn.cursor() as cursor:
        cursor.execute("SHOW server_version")
        report["postgres"] = cursor.fetchone()[0]
    app_rss_max = 0.0
    with servers(app_server, ceiling_server, *([neon] if neon else [])):
        app_server.wait_ready("/healthz")
        ceiling_server.wait_ready("/healthz")
        if neon:
            neon.wait_ready()
            report["neon_round_trip_ms"] = round_trip_ms(neon.url)
            print(
                f"round trip through the forwarder: {report['neon_round_trip_ms']} ms", flush=True
            )
        for scenario in plan:
            user = users[scenario.user]
            server = app_server
            if scenario.mode == "ceiling":
                server = ceiling_server
            elif scenario.neon:
                assert neon is not None
                server = neon.server
            base = server.base
            target = None
            session = ("", "")
            if scenario.mode != "ceiling":
                # wrk goes on with this session (bench.lua's BENCH_COOKIE): no login among
                # the requests it times, nor among the round trips a neon row counts.
                browser = Browser(base)
                browser.log_in(user["email"])
                checked = scenario.path if scenario.mode in {"get", "poll"} else "/tasks"
                status, page = browser.get(checked)
                if status != 200:
                    raise SystemExit(f"{scenario.name}: GET {checked} answered {status}")
                token = _META_TOKEN.search(page)
                if token is None:
                    raise SystemExit(f"{scenario.name}: no CSRF token on {checked}")
                session = (browser.cookie_header(), token.group(1))
            if scenario.mode == "poll":
                # The version as the page shows it now (the writing scenarios change it).
                target = poll_url(page)
                status, _ = browser.get(target, POLL_HEADERS)
                if status != 204:
                    raise SystemExit(f"{scenario.name}: the poll {target} answered {status}")
            ids_file = BENCH_DIR / "results" / f"toggle-ids-{scenario.user}.txt"
            ids_file.write_text("\n".join(map(str, user["toggle_ids"])) + "\n")
            counts = [int(c) for c in args.connections.split(",")]
            if scenario.pace_ms:
                counts = [max(counts)]
            for connections in counts:
                workers_before = cpu_seconds(server.worker_pids())
                database_before = cpu_seconds(backend_pids(db_url))
                if scenario.neon:
                    served_before = wait_served(server.log_path)
                    trips_before = neon.round_trips.now()
                result = run_wrk(
                    base,
                    scenario,
                    user,
                    connections,
                    args.threads,
                    args.duration,
                    ids_file,
                    target,
                    session,
                )
                workers = cpu_used(workers_before, cpu_seconds(server.worker_pids()))
                database = cpu_used(database_before, cpu_seconds(backend_pids(db_url)))
                requests = max(result["requests"], 1)
                if scenario.neon:
                    # Counted once the app is idle: wrk's requests and those it left in
                    # flight when it stopped (up to one a connection, not among its
                    # completed requests, hence the count per request the app answered,
                    # the one reported).
                    app_served = wait_served(server.log_path) - served_before
                    trips = neon.round_trips.now() - trips_before
                    result["round_trips"] = round(trips / requests, 2)
                    result["app_requests"] = app_served
                    result["round_trips_served"] = round(trips / max(app_served, 1), 2)
                result["web_cpu_ms"] = round(workers / requests * 1000, 2)
                result["db_cpu_ms"] = round(database / requests * 1000, 2)
                scenario.results[str(connections)] = result
                if scenario.mode != "ceiling" and not scenario.neon:
                    app_rss_max = max([app_rss_max, *app_server.worker_rss_mb()])
                print(
                    f"{scenario.name:9} {scenario.user:6} c={connections:<3} "
                    f"{result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                    f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}  "
                    f"cpu/req web {result['web_cpu_ms']} db {result['db_cpu_ms']} ms"
                    + (
                        f"  round trips/req {result['round_trips_served']}" if scenario.neon else ""
                    ),
                    flush=True,
                )
        report["rss_mb"] = {
            "app": [round(x, 1) for x in app_server.worker_rss_mb()],
            "ceiling": [round(x, 1) for x in ceiling_server.worker_rss_mb()],
            "app_max": round(app_rss_max, 1),
        }
        report["weight"] = page_weight(app_server.base, light["email"])
    report["scenarios"] = [
        {
            "name": s.name,
            "user": s.user,
            "mode": s.mode,
            "path": s.path,
            "pace_ms": s.pace_ms,
            "neon": s.neon,
            "results": s.results,
        }
        for s in plan
    ]
    with psycopg2.connect(db_url) as conn, conn.cursor() as cursor:
        cursor.execute("DELETE FROM tasks WHERE title LIKE %s", (BENCH_TITLE_PREFIX + "%",))
    (BENCH_DIR / "results" / "latest.json").write_text(json.dumps(report, indent=2, default=str))
    text = markdown(report)
    (BENCH_DIR / "results" / "latest.md").write_text(text)
    print(text.split("## EXPLAIN")[0])


if __name__ == "__main__":
    main()
