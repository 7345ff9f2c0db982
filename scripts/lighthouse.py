"""Lighthouse on the logged-in task list, desktop and mobile presets.

    .venv/bin/python scripts/lighthouse.py                 # print the scores
    .venv/bin/python scripts/lighthouse.py --gate          # exit 1 below the gates
    .venv/bin/python scripts/lighthouse.py --keep reports  # also keep the HTML reports

Builds a throwaway SQLite database (migrations, then `flask seed` with one user of 30
tasks in a few lists), serves the app with gunicorn on a free port of 127.0.0.1 as
production would (no debug), logs in over HTTP and hands the session cookie to Lighthouse
(`npx lighthouse@LIGHTHOUSE_VERSION`, Debian's Chromium through CHROME_PATH). Everything
stops by itself.

The gates are the ones that do not depend on the machine: accessibility and best
practices must be 100. The performance score depends on the machine's speed, so it is
printed and never gated.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Lighthouse 12 runs on the Node.js 20 of Debian 12 (13 wants Node.js 22).
LIGHTHOUSE_VERSION = "12.8.2"
GATED = ("accessibility", "best-practices")
CATEGORIES = ("performance", "accessibility", "best-practices")
EMAIL = "user1@seed.example"
PASSWORD = "seed password"  # what `flask seed` gives every account
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": os.urandom(24).hex(),
        "SESSION_COOKIE_SECURE": "false",  # plain HTTP on the loopback
        "RATELIMIT_ENABLED": "false",
    }


def prepare_database(env: dict[str, str]) -> None:
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [
            bin_dir / "flask",
            "--app",
            "wsgi",
            "seed",
            "--users",
            "1",
            "--tasks-per-user",
            "30",
            "--heavy-tasks",
            "0",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_for(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"the app did not answer at {url}") from None
            time.sleep(0.2)


def session_cookie(base: str) -> str:
    """Log in as the seeded user; the Cookie header a browser would then send."""
    jar = CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )
    with opener.open(base + "/auth/login", timeout=10) as response:
        match = _CSRF_META.search(response.read().decode())
    if match is None:
        raise SystemExit("no CSRF token on the login page")
    form = {"csrf_token": match.group(1), "email": EMAIL, "password": PASSWORD}
    with opener.open(base + "/auth/login", data=urllib.parse.urlencode(form).encode()) as answer:
        if not urllib.parse.urlsplit(answer.url).path.startswith("/tasks"):
            raise SystemExit("could not log in as the seeded user")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def run_lighthouse(url: str, cookie: str, preset: str, keep: Path | None) -> dict[str, float]:
    """One Lighthouse run; the category scores from 0 to 100."""
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report"
        command = [
            "npx", "--yes", f"lighthouse@{LIGHTHOUSE_VERSION}", url,
            "--quiet",
            "--only-categories=" + ",".join(CATEGORIES),
            "--output=json", "--output=html", f"--output-path={report}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
            "--extra-headers=" + json.dumps({"Cookie": cookie}),
        ]  # fmt: skip
        if preset == "desktop":
            command.append("--preset=desktop")
        # Lighthouse sometimes loses the page load's trace on a busy machine (NO_NAVSTART)
        # and asks to be run again: up to three tries.
        for attempt in range(3):
            done = subprocess.run(command, env={**os.environ, "CHROME_PATH": chrome})
            if done.returncode == 0:
                break
            print(f"  {preset}: Lighthouse failed (exit {done.returncode}), try {attempt + 1} of 3")
        else:
            raise SystemExit(f"Lighthouse failed three times on the {preset} preset")
        result = json.loads(Path(f"{report}.report.json").read_text())
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(f"{report}.report.html", keep / f"lighthouse-{preset}.html")
            shutil.copy(f"{report}.report.json", keep / f"lighthouse-{preset}.json")
    failing = [
        f"{audit['id']} ({audit['title']})"
        for audit in result["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") == "binary"
    ]
    if failing:
        print(f"  {preset}: audits not passed: " + "; ".join(sorted(failing)))
    return {name: round(100 * (result["categories"][name]["score"] or 0)) for name in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gate", action="store_true", help="exit 1 when a gated score < 100")
    parser.add_argument("--keep", type=Path, help="a folder to keep the HTML and JSON reports in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = app_environment(Path(scratch) / "lighthouse.sqlite")
        prepare_database(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [Path(sys.executable).parent / "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "4", "--worker-class", "gthread"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(base + "/auth/login", time.monotonic() + 30)
            cookie = session_cookie(base)
            scores = {
                preset: run_lighthouse(base + "/tasks", cookie, preset, args.keep)
                for preset in ("desktop", "mobile")
            }
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    failed = False
    for preset, by_category in scores.items():
        print(f"{preset:8s} " + "  ".join(f"{name} {by_category[name]}" for name in CATEGORIES))
        failed |= any(by_category[name] < 100 for name in GATED)
    if args.gate and failed:
        print("Lighthouse: accessibility and best practices must both be 100.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
