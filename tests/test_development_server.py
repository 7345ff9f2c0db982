"""The README's first command runs the development server, which sends mail by itself:
`flask --app wsgi run --debug` starts the mail and push workers in the serving process,
so a reset link shows in its output. Anywhere else (tests, gunicorn, MAIL_WORKER=external)
the web process starts no worker."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from todo_web import background

from .database import PROJECT_ROOT, fresh_database, upgrade
from .factories import make_user
from .ports import free_port
from .push_service import wait_for

FLASK_RUN = (sys.executable, "-m", "flask", "--app", "wsgi", "run", "--debug")
#: How long the server may take to start and the worker to print the mail (generous: a
#: busy CI machine; the test ends as soon as the output shows it).
PATIENCE = 60.0


@pytest.fixture
def development_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`flask --app wsgi run --debug` (reloader on, as the README runs it) on a migrated
    database of its own with one user, alice@example.com; yields its URL and the file
    its output goes to."""
    with fresh_database(tmp_path) as url:
        upgrade(url)
        engine = create_engine(url)
        with Session(engine) as session:
            make_user(session, "alice@example.com")
        engine.dispose()
        port = free_port()
        output = tmp_path / "server.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("FLASK_", "WERKZEUG_", "MAIL_", "VAPID_"))
        }
        env.update(DATABASE_URL=url, SECRET_KEY="development-server-test", PYTHONUNBUFFERED="1")
        with output.open("wb") as sink:
            server = subprocess.Popen(
                [*FLASK_RUN, "--host", "127.0.0.1", "--port", str(port)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the reloader's child goes with its group
            )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _answers(base), PATIENCE, "the development server to answer")
            yield base, output
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_a_reset_link_shows_in_the_development_servers_output(
    development_server: tuple[str, Path],
) -> None:
    base, output = development_server
    browser = requests.Session()
    form = browser.get(f"{base}/auth/reset", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token is not None
    answer = browser.post(
        f"{base}/auth/reset",
        data={"email": "alice@example.com", "csrf_token": token.group(1)},
        timeout=10,
    )
    assert answer.status_code in (200, 302)
    wait_for(
        lambda: re.search(r"/auth/reset/\S{20,}", output.read_text(errors="replace")) is not None,
        PATIENCE,
        "the reset link in the server's output",
    )
    log = output.read_text(errors="replace")
    assert "Subject:" in log and "alice@example.com" in log
    assert log.count("mail and push workers started") == 1  # the reloader's child only


@pytest.mark.parametrize(
    ("debug", "testing", "mode", "starts"),
    [
        (True, False, "thread", True),
        (True, False, "external", False),
        (True, True, "thread", False),
        (False, False, "thread", False),  # gunicorn, or `flask run` without --debug
    ],
)
def test_who_starts_the_workers(
    monkeypatch: pytest.MonkeyPatch,
    debug: bool,
    testing: bool,
    mode: str,
    starts: bool,
) -> None:
    started: list[bool] = []
    monkeypatch.setattr(background.Workers, "start", lambda self, **kw: started.append(True))
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    probe = Flask(__name__)
    probe.config.update(DEBUG=debug, TESTING=testing, MAIL_WORKER=mode)
    probe.debug = debug
    background.init_app(probe)
    assert bool(started) is starts


def test_without_the_reloader_the_first_request_to_the_werkzeug_server_starts_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[bool] = []
    monkeypatch.setattr(background.Workers, "start", lambda self, **kw: started.append(True))
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    probe = Flask(__name__)
    probe.config.update(MAIL_WORKER="thread")
    probe.debug = True
    probe.add_url_rule("/", "index", lambda: "ok")
    background.init_app(probe)
    assert started == []
    probe.test_client().get("/", environ_base={"SERVER_SOFTWARE": "gunicorn/23.0.0"})
    assert started == []
    probe.test_client().get("/", environ_base={"SERVER_SOFTWARE": "Werkzeug/3.1.3"})
    probe.test_client().get("/", environ_base={"SERVER_SOFTWARE": "Werkzeug/3.1.3"})
    assert started == [True]


def test_workers_that_cannot_start_leave_the_pages_working(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(self: background.Workers, **kw: object) -> None:
        raise ValueError("MAIL_URL: unknown scheme")

    monkeypatch.setattr(background.Workers, "start", fail)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    probe = Flask(__name__)
    probe.config.update(MAIL_WORKER="thread")
    probe.debug = True
    probe.add_url_rule("/", "index", lambda: "ok")
    background.init_app(probe)
    werkzeug = {"SERVER_SOFTWARE": "Werkzeug/3.1.3"}
    assert probe.test_client().get("/", environ_base=werkzeug).status_code == 200
    assert probe.test_client().get("/", environ_base=werkzeug).status_code == 200
    assert caplog.text.count("could not start the workers") == 1
