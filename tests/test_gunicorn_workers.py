"""gunicorn (the Procfile's ``web`` line) refuses to start several workers that would each
count rate limits in their own memory, and starts when they share a store, when there is
one worker, or when per-process counting is accepted (gunicorn.conf.py,
todo_web/serving.py). Runs on SQLite: the app serves /healthz without any table."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .database import PROJECT_ROOT
from .test_procfile import base_environment, free_port, procfile

DEADLINE_SECONDS = 30


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    port: int
    pidfile: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def healthy(self) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM to the master named in the pid file; the whole group if that fails."""
        if self.process.poll() is None:
            with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
                os.kill(int(self.pidfile.read_text().strip()), signal.SIGTERM)
            try:
                self.process.wait(timeout=DEADLINE_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def start_web(tmp_path: Path) -> Iterator[Callable[..., Started]]:
    """`start_web(WEB_CONCURRENCY="2", ...)`: the Procfile's web line, started."""
    started: list[Started] = []

    def start(**settings: str) -> Started:
        env = base_environment(f"sqlite:///{tmp_path / 'todo.sqlite3'}")
        for name in [name for name in env if name.startswith("RATELIMIT_")]:
            del env[name]
        port = free_port()
        pidfile = tmp_path / f"gunicorn-{port}.pid"
        env.update(
            PORT=str(port),
            SECRET_KEY="workers-test-secret-key-" + "x" * 24,
            # Its own pid file, and no control socket shared with other gunicorns.
            GUNICORN_CMD_ARGS=f"--pid {pidfile} --no-control-socket",
            RATELIMIT_STORAGE_URI="memory://",
        )
        env.update(settings)
        log = tmp_path / f"gunicorn-{port}.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                ["bash", "-c", procfile()["web"]],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(Started(process, port, pidfile, log))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def wait_until_serving(server: Started) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.process.returncode}:\n{server.output()}")
        if server.healthy() and server.pidfile.exists():
            return
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not serve within {DEADLINE_SECONDS}s:\n{server.output()}")


def test_two_workers_counting_in_memory_refuse_to_start(
    start_web: Callable[..., Started],
) -> None:
    server = start_web(WEB_CONCURRENCY="2")
    deadline = time.monotonic() + DEADLINE_SECONDS
    while server.process.poll() is None and time.monotonic() < deadline:
        assert not server.healthy(), f"gunicorn started:\n{server.output()}"
        time.sleep(0.1)
    assert server.process.returncode == 1, server.output()
    output = server.output()
    assert "Refusing to start 2 workers with RATELIMIT_STORAGE_URI=memory://" in output
    assert "RATELIMIT_PER_PROCESS_OK=1" in output and "redis://" in output
    assert "Booting worker" not in output
    assert not server.pidfile.exists()


@pytest.mark.parametrize(
    "settings",
    [
        {"WEB_CONCURRENCY": "1"},
        {"WEB_CONCURRENCY": "2", "RATELIMIT_PER_PROCESS_OK": "1"},
        {"WEB_CONCURRENCY": "2", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"},
        {"WEB_CONCURRENCY": "2", "RATELIMIT_ENABLED": "false"},
    ],
    ids=["one-worker", "accepted", "redis", "throttling-off"],
)
def test_starts_when_the_counters_are_not_split(
    start_web: Callable[..., Started], settings: dict[str, str]
) -> None:
    server = start_web(**settings)
    wait_until_serving(server)
    assert "Refusing" not in server.output()
    server.stop()
    assert server.process.returncode == 0, server.output()
