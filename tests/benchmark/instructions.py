"""Instructions one `GET /tasks` costs the app's Python, counted by valgrind: a figure that
does not move with the machine's load, for comparing two versions of the code.

On a virtual machine the CPU time of a request wanders by 10-25 % from one minute to the
next (tests/benchmark/profile_page.py shows it), more than most single changes gain. Run
under callgrind, with instrumentation switched on only around the measured requests, the
count repeats to within about 0.5 %:

    .venv/bin/python tests/benchmark/instructions.py                     # this tree
    .venv/bin/python tests/benchmark/instructions.py --tree /path/to/other/worktree
    .venv/bin/python tests/benchmark/instructions.py --email heavy@seed.example --path /tasks?q=tax

Each tree runs in its own valgrind process (both at once, one per core) with this venv's
Python, its `todo_web` imported from the tree. The database is `todo_bench` (run.sh seeds
it); the client is Flask's test client, in process, so gunicorn's own work is not counted.
Needs valgrind (`apt-get install valgrind`); about 30 s per tree for 20 requests.

The child mode (`--child`) is what valgrind runs: it builds the app, logs in, warms up,
then asks callgrind_control to count only while it sends the measured requests.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT = BENCH_DIR.parent.parent
DEFAULT_DB = "postgresql+psycopg2://postgres@127.0.0.1:5432/todo_bench"
WARM_UP = 10


def child(tree: Path, db_url: str, email: str, path: str, requests: int) -> None:
    """Inside valgrind: the measured requests, counted between callgrind_control calls."""
    sys.path.insert(0, str(tree))
    sys.path.insert(0, str(tree / "tests" / "benchmark"))
    from profile_page import log_in  # the tree's own, as its app expects

    from todo_web import create_app
    from todo_web.config import normalize_database_url

    app = create_app(
        {
            "DATABASE_URL": normalize_database_url(db_url),
            "SECRET_KEY": "instructions",
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    client = app.test_client()
    log_in(client, email)

    def get() -> None:
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    for _ in range(WARM_UP):
        get()
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
    for _ in range(requests):
        get()
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)


def start(tree: Path, args: argparse.Namespace, out_dir: str) -> subprocess.Popen[str]:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out_dir}/{tree.name}.%p.out",
        sys.executable,
        __file__,
        "--child",
        "--tree",
        str(tree),
        "--db-url",
        args.db_url,
        "--email",
        args.email,
        "--path",
        args.path,
        "--requests",
        str(args.requests),
    ]
    # Python's own allocator confuses valgrind; the system malloc does not.
    env = {**os.environ, "PYTHONMALLOC": "malloc"}
    return subprocess.Popen(command, cwd=tree, env=env, text=True, stderr=subprocess.PIPE)


def collected(process: subprocess.Popen[str]) -> int:
    _, stderr = process.communicate()
    if process.returncode != 0:
        raise SystemExit(stderr[-3000:])
    found = re.search(r"Collected\s*:\s*(\d+)", stderr)
    if found is None:
        raise SystemExit("valgrind printed no count:\n" + stderr[-3000:])
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", action="append", type=Path, help="a checkout (repeatable)")
    parser.add_argument("--db-url", default=DEFAULT_DB)
    parser.add_argument("--email", default="user1@seed.example")
    parser.add_argument("--path", default="/tasks")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    trees = [tree.resolve() for tree in args.tree or [PROJECT]]
    if args.child:
        child(trees[0], args.db_url, args.email, args.path, args.requests)
        return
    with tempfile.TemporaryDirectory() as out_dir:
        running = [(tree, start(tree, args, out_dir)) for tree in trees]
        for tree, process in running:
            per_request = collected(process) / args.requests / 1e6
            print(f"{tree}: {per_request:.2f} M instructions per GET {args.path} ({args.email})")


if __name__ == "__main__":
    main()
