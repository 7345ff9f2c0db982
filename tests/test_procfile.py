"""The Procfile works as a platform runs it: `release` migrates a new PostgreSQL database,
`web` serves the app with gunicorn, and a user can sign up through the real server."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from .database import PROJECT_ROOT, fresh_database, is_postgres

pytestmark = pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL: set TEST_DATABASE_URL")

STARTUP_SECONDS = 20
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def procfile() -> dict[str, str]:
    """The process types of the Procfile, ``{"web": "gunicorn ...", ...}``."""
    processes = {}
    for line in (PROJECT_ROOT / "Procfile").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, separator, command = line.partition(":")
        assert separator, f"not a Procfile line: {line!r}"
        processes[name.strip()] = command.strip()
    return processes


def base_environment(database_url: str) -> dict[str, str]:
    """The environment of a deployed process: our venv's tools first on PATH, no debug."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FLASK_DEBUG", "SESSION_COOKIE_SECURE", "TEST_DATABASE_URL"}
    }
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    env["DATABASE_URL"] = database_url
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # hand the 3xx back to the caller, like a test client does


class Browser:
    """Just enough of a browser: cookies, no proxies (everything stays on 127.0.0.1), and
    redirects shown rather than followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(self.cookies),
            _NoRedirects(),
        )

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, dict, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data)
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, empty: the release step builds it."""
    with fresh_database(tmp_path) as url:
        yield url


def run_release(command: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"release failed:\n{result.stdout}\n{result.stderr}"


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn and its workers: the whole process group it was started in."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_until_healthy(browser: Browser, process: subprocess.Popen[bytes], log: Path) -> dict:
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            status, _, body = browser.request("/healthz")
        except OSError as error:  # not listening yet
            last_error = repr(error)
        else:
            if status == 200:
                return json.loads(body)
            last_error = f"{status}: {body}"
        time.sleep(0.2)
    pytest.fail(f"no healthy answer in {STARTUP_SECONDS}s ({last_error}):\n{log.read_text()}")


def test_release_then_web_serve_the_app(empty_database: str, tmp_path: Path) -> None:
    processes = procfile()
    assert {"web", "release"} <= processes.keys()
    env = base_environment(empty_database)

    run_release(processes["release"], env)
    engine = create_engine(empty_database)
    try:
        assert {"alembic_version", "users", "tasks"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()

    port = free_port()
    env.update(
        PORT=str(port),
        SECRET_KEY="procfile-test-secret-key-" + "x" * 24,
        WEB_CONCURRENCY="1",
        # Plain HTTP here, so the cookies must not be HTTPS-only.
        SESSION_COOKIE_SECURE="false",
        BCRYPT_ROUNDS="4",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            ["bash", "-c", processes["web"]],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        assert wait_until_healthy(browser, server, log) == {"status": "ok", "database": "ok"}

        status, _, page = browser.request("/auth/register")
        assert status == 200
        token = _META_TOKEN.search(page)
        assert token, "no CSRF token on the sign-up page"
        status, headers, body = browser.request(
            "/auth/register",
            {
                "name": "Procfile Pat",
                "email": "pat@example.com",
                "password": "correct horse",
                "confirm": "correct horse",
                "csrf_token": token.group(1),
            },
        )
        assert status == 302, body
        assert headers["Location"] == "/tasks"

        status, _, page = browser.request("/tasks")
        assert status == 200
        assert "Procfile Pat" in page

        stranger = Browser(browser.base)
        status, headers, _ = stranger.request("/tasks")
        assert status == 302 and headers["Location"].startswith("/auth/login")
    finally:
        stop(server)
    assert server.returncode is not None
