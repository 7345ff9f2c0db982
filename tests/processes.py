"""The Procfile's processes run as a platform runs them, for the hand-run load-and-fault
script (tests/loadfault) and the production tier (tests/production): gunicorn from the
`web` line with a pid file, the `worker` line, and bounded waits for conditions.

Everything starts in a session of its own, so that stopping it stops its children too,
and is stopped by the pid it was started with, never by name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .database import PROJECT_ROOT


def wait_until(
    predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.1
) -> float:
    """Poll `predicate` until it is true; seconds it took. TimeoutError naming `what` after
    `timeout` seconds. The pause is an Event's wait, not time.sleep."""
    started = time.monotonic()
    pause = threading.Event()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        pause.wait(interval)


def children_of(pid: int) -> set[int]:
    """The processes whose parent is `pid`, read from /proc."""
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    children.add(int(entry.name))
    return children


def stop_group(process: subprocess.Popen[bytes], pid: int | None, timeout: float) -> None:
    """SIGTERM to `pid` (else the session's leader), then the whole session is killed if
    it has not ended within `timeout` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid or process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Gunicorn:
    """The Procfile's web line, with a pid file and a control socket of its own (two
    instances on one machine would otherwise share ~/.gunicorn/gunicorn.ctl); stopped by
    signalling the pid in the pid file. `extra_args` go to GUNICORN_CMD_ARGS."""

    def __init__(
        self,
        command: str,
        env: dict[str, str],
        workdir: Path,
        *,
        name: str = "gunicorn",
        extra_args: str = "",
    ) -> None:
        self.command = command
        self.name = name
        self.pidfile = workdir / f"{name}.pid"
        self.log = workdir / f"{name}.log"
        self.env = dict(env)
        self.env["GUNICORN_CMD_ARGS"] = " ".join(
            part
            for part in (
                f"--pid {self.pidfile}",
                f"--control-socket {workdir / f'{name}.ctl'}",
                extra_args,
            )
            if part
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Gunicorn:
        """Start it (again); the log is appended to."""
        self.pidfile.unlink(missing_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", self.command],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def master_pid(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, ValueError):
                return int(self.pidfile.read_text().strip())
            if not self.running:
                break
            pause.wait(0.1)
        raise RuntimeError(f"{self.name} wrote no pid file:\n{self.log.read_text()[-3000:]}")

    def worker_pids(self) -> set[int]:
        return children_of(self.master_pid())

    def kill(self) -> None:
        """kill -9 the master and its workers at once, as a crash of the machine's
        process would; the pid file stays behind, stale."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None:
            return
        pid = None
        if self.running:
            with contextlib.suppress(RuntimeError):
                pid = self.master_pid(timeout=1)
        stop_group(self.process, pid, timeout=30)


class Worker:
    """The Procfile's worker line (mail and push), with `extra_args` appended."""

    def __init__(
        self, command: str, env: dict[str, str], workdir: Path, *, extra_args: str = ""
    ) -> None:
        self.log = workdir / "worker.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", f"exec {command} {extra_args}".rstrip()],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        stop_group(self.process, None, timeout=30)
