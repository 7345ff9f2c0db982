"""Where the CPU of one `GET /tasks` goes, in this process (no gunicorn, no wrk).

Builds the app on a seeded PostgreSQL database, logs in through the test client, warms up,
then measures the CPU time (`time.thread_time`) per request over `--requests` requests,
with the part spent rendering templates and in the before/after-request hooks, and
profiles `--profile` more with cProfile: the top functions by cumulative and by own time,
and the own time summed by area (templates, SQLAlchemy, the driver, Flask, ...).

    .venv/bin/python tests/benchmark/profile_page.py                 # todo_bench, user1
    .venv/bin/python tests/benchmark/profile_page.py --db-url URL --save before.html

The database is `todo_bench` (run.sh seeds it) unless `--db-url` names another that
`flask --app wsgi seed` filled (e.g. `--users 20 --tasks-per-user 1000 --heavy-tasks 0`).
Seeded accounts log in with the password `seed password`.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT = BENCH_DIR.parent.parent
sys.path.insert(0, str(PROJECT))

import flask.templating  # noqa: E402

from todo_web import create_app  # noqa: E402
from todo_web.config import normalize_database_url  # noqa: E402
from todo_web.seed import SEED_PASSWORD  # noqa: E402

DEFAULT_DB = "postgresql+psycopg2://postgres@127.0.0.1:5432/todo_bench"
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

#: Where a function's own time is counted: the first area whose marker is in its file name.
AREAS = (
    ("templates", ("/templates/",)),
    ("jinja2", ("/jinja2/", "/markupsafe/")),
    ("sqlalchemy", ("/sqlalchemy/",)),
    ("psycopg2", ("/psycopg2/",)),
    ("wtforms", ("/wtforms/", "/flask_wtf/")),
    ("flask_login", ("/flask_login/",)),
    ("flask_compress", ("/flask_compress/",)),
    ("werkzeug", ("/werkzeug/",)),
    ("flask", ("/flask/",)),
    ("todo_web", ("/todo_web/",)),
    ("stdlib", ("/lib/python3",)),
)


def area_of(filename: str) -> str:
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    for name, markers in AREAS:
        if any(marker in filename for marker in markers):
            return name
    return "other"


class Stopwatch:
    """CPU time spent inside some functions, wrapped in place (outermost calls only)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._depth = 0

    def wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            if self._depth:
                return original(*args, **kwargs)
            self._depth += 1
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.thread_time() - start
                self._depth -= 1

        setattr(owner, name, timed)

    def reset(self) -> None:
        self.seconds.clear()


def log_in(client, email: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/auth/login").get_data(as_text=True)
    token = _META_TOKEN.search(page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/auth/login", data={"csrf_token": token, "email": email, "password": SEED_PASSWORD}
    )
    assert response.status_code == 302, response.status_code


def render_alone(app, get) -> float:  # type: ignore[no-untyped-def]
    """CPU per render of the page's template, rendered again and again inside one real
    request (so every request-bound helper works, and whatever they read is cached): the
    templates' own cost, without the noise of the database."""
    original = flask.templating._render
    best = []

    def rerender(app, template, context):  # type: ignore[no-untyped-def]
        if not best:
            app.update_template_context(context)
            for _ in range(5):
                start = time.thread_time()
                for _ in range(200):
                    template.render(context)
                best.append((time.thread_time() - start) / 200 * 1000)
        return original(app, template, context)

    flask.templating._render = rerender
    try:
        get()
    finally:
        flask.templating._render = original
    return min(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db-url", default=DEFAULT_DB)
    parser.add_argument("--email", default="user1@seed.example")
    parser.add_argument("--path", default="/tasks")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", type=int, default=200, help="0: no profile")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the best is kept")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--save", help="write the page's HTML to this file")
    args = parser.parse_args()

    app = create_app(
        {
            "DATABASE_URL": normalize_database_url(args.db_url),
            "SECRET_KEY": "profile",
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    watch = Stopwatch()
    watch.wrap(flask.templating, "_render", "rendering")
    watch.wrap(app, "preprocess_request", "before-request hooks (login check)")
    watch.wrap(app, "process_response", "after-request hooks")
    print(f"jinja auto_reload={app.jinja_env.auto_reload} debug={app.debug}")
    client = app.test_client()
    log_in(client, args.email)

    def get() -> bytes:
        response = client.get(args.path)
        assert response.status_code == 200, response.status_code
        return response.get_data()

    for _ in range(30):
        html = get()
    if args.save:
        Path(args.save).write_bytes(html)
    print(f"page: {len(html)} bytes")

    rounds = []
    for _ in range(args.rounds):
        watch.reset()
        wall, cpu = time.perf_counter(), time.thread_time()
        for _ in range(args.requests):
            get()
        cpu = (time.thread_time() - cpu) / args.requests * 1000
        wall = (time.perf_counter() - wall) / args.requests * 1000
        parts = ", ".join(
            f"{label} {seconds / args.requests * 1000:.2f}"
            for label, seconds in watch.seconds.items()
        )
        rounds.append((cpu, wall))
        print(f"  CPU {cpu:.2f} ms/request (wall {wall:.2f} ms); of which {parts}")
    best = min(rounds)
    print(
        f"CPU per GET {args.path}: best {best[0]:.2f} ms, "
        f"median {statistics.median(r[0] for r in rounds):.2f} ms "
        f"({args.rounds} rounds of {args.requests})"
    )
    print(f"rendering alone: {render_alone(app, get):.3f} ms (best of 5 x 200 renders)")
    if not args.profile:
        return

    # Wall time (a CPU clock costs a system call at every function entry and exit and
    # would swamp the figures): the driver's `execute` includes waiting for PostgreSQL.
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.profile):
        get()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(entry[2] for entry in stats.stats.values())  # type: ignore[attr-defined]
    calls = sum(entry[1] for entry in stats.stats.values())  # type: ignore[attr-defined]
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _, _), entry in stats.stats.items():  # type: ignore[attr-defined]
        by_area[area_of(filename)] += entry[2]
    print(f"\nprofiled {args.profile} requests: {calls / args.profile:.0f} calls a request")
    print("own time by area (under the profiler):")
    for name, seconds in sorted(by_area.items(), key=lambda item: -item[1]):
        print(f"  {name:15} {seconds / total:6.1%}  {seconds / args.profile * 1000:6.2f} ms")
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
