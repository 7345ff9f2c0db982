"""The faults, each under load: a few users keep creating, editing and toggling tasks
through both instances (tests/loadfault's TaskUser, with its ledger of what the app
acknowledged) and one keeps logging in (the throttled route, whose counters are in
Redis), while one part of production is restarted, stopped or killed.

A fault runs in three steps: load until every writer has had a write acknowledged; the
fault (`Fault.apply`, which returns when the fault is over: the part is back, or has
been started again); load until the instances it touched acknowledge writes again (the
recovery), and a little longer. The figures of each come from the requests of that
phase alone (`summarize`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..loadfault.client import Browser, Recorder, Sample, TaskUser
from ..loadfault.ledger import Ledger
from ..processes import wait_until
from .forms import find_form, submit

WRITES = {"create", "edit", "toggle"}
#: The longest a fault may take to recover from: seconds from its end until a write sent
#: after it is acknowledged by the instance(s) it touched.
RECOVERY_BOUND = 10.0
#: The load goes on after the recovery until this many writes were acknowledged and
#: this many seconds passed.
AFTER_RECOVERY = (20, 3.0)


@dataclass
class Fault:
    name: str
    what: str
    #: Makes the fault; returns when it is over. It may return the moment (of the phase's
    #: clock) the part was back, if that was before it returned.
    apply: Callable[[Phase], float | None]
    #: The instances whose recovery counts (their ports): all unless one was killed.
    ports: list[int]
    #: Whether requests may go unanswered (a killed process drops its connections).
    drops_connections: bool = False


@dataclass
class Phase:
    """The requests of one fault's run and the moments that matter, in seconds of
    `recorder.clock`."""

    fault: Fault
    recorder: Recorder
    started: float = 0.0
    fault_began: float = 0.0
    fault_ended: float = 0.0
    recovered: float | None = None
    notes: list[str] = field(default_factory=list)

    def samples(self) -> list[Sample]:
        with self.recorder.lock:
            return list(self.recorder.samples)

    def unanswered_since(self, at: float) -> int:
        return sum(1 for s in self.samples() if s.started >= at and not _ok(s))


def _ok(sample: Sample) -> bool:
    return 200 <= sample.status < 400


def login_loop(
    ports: list[int], recorder: Recorder, email: str, password: str, stop: threading.Event
) -> None:
    """Log in from a new browser every 3 s (the login page, then its form): under the
    per-address limit of 30 a minute, and each login counts in Redis."""
    while not stop.is_set():
        browser = Browser(ports, recorder, timeout=30)
        page = browser.get("login", "/auth/login")
        if page.status == 200:
            form = find_form(page.body, action="/auth/login").set(email=email, password=password)
            submit(browser, "login", form)
        browser.close()
        stop.wait(3.0)


def run_phase(
    fault: Fault,
    writers: list[TaskUser],
    ledger: Ledger,
    login: tuple[str, str],
    clock: Callable[[], float],
) -> Phase:
    recorder = Recorder(clock=clock)
    phase = Phase(fault, recorder, started=clock())
    ledger.phase = fault.name
    for writer in writers:
        writer.browser.recorder = recorder
        writer.browser.close()
    stop = threading.Event()
    threads = [
        threading.Thread(target=writer.run, args=(time.monotonic() + 120, stop))
        for writer in writers
    ]
    ports = writers[0].browser.ports
    threads.append(threading.Thread(target=login_loop, args=(ports, recorder, *login, stop)))
    for thread in threads:
        thread.start()
    try:
        acknowledged_before = {w.email: _acknowledged(ledger, w.email, fault.name) for w in writers}
        wait_until(
            lambda: all(
                _acknowledged(ledger, w.email, fault.name) > acknowledged_before[w.email]
                for w in writers
            ),
            20,
            f"{fault.name}: a write acknowledged for every writer before the fault",
        )
        phase.fault_began = clock()
        print(f"  {fault.name}: {fault.what}", flush=True)
        try:
            back = fault.apply(phase)
        except TimeoutError as error:  # the fault did not go as planned: noted, a failure
            phase.notes.append(str(error))
            back = None
        phase.fault_ended = back if back is not None else clock()
        try:
            wait_until(
                lambda: _first_success(phase) is not None,
                RECOVERY_BOUND + 10,
                f"{fault.name}: an acknowledged write after the fault",
            )
            phase.recovered = _first_success(phase)
            recovered = phase.recovered or 0.0
            wait_until(
                lambda: (
                    _writes_after(phase, recovered) >= AFTER_RECOVERY[0]
                    and clock() - recovered >= AFTER_RECOVERY[1]
                ),
                30,
                f"{fault.name}: writes after the recovery",
            )
        except TimeoutError as error:
            phase.notes.append(str(error))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return phase


def _acknowledged(ledger: Ledger, email: str, phase: str) -> int:
    return sum(1 for op in ledger.ops if op.user == email and op.phase == phase and op.acknowledged)


def _first_success(phase: Phase) -> float | None:
    """When the first write sent after the fault ended, to an instance it touched, was
    acknowledged."""
    return min(
        (
            s.started + s.elapsed
            for s in phase.samples()
            if s.kind in WRITES
            and _ok(s)
            and s.started >= phase.fault_ended
            and s.port in phase.fault.ports
        ),
        default=None,
    )


def _writes_after(phase: Phase, at: float) -> int:
    return sum(1 for s in phase.samples() if s.kind in WRITES and _ok(s) and s.started >= at)


def seen_as(sample: Sample) -> str:
    """What the user saw, in words."""
    if _ok(sample):
        return "the page"
    if sample.status == 0:
        return {
            "ConnectionRefusedError": "connection refused",
            "RemoteDisconnected": "connection closed without an answer",
            "ConnectionResetError": "connection reset",
            "TimeoutError": "no answer within 30 s",
            "IncompleteRead": "answer cut off",
        }.get(sample.error, f"no answer ({sample.error})")
    if sample.status == 503:
        return "friendly 503 page" if sample.friendly else "bare 503"
    if sample.status >= 500:
        return f"{sample.status} server error"
    if sample.status == 429:
        return "429 slow-down page"
    return f"{sample.status} page"


def summarize(phase: Phase, lost: int, failed_but_stored: int = 0) -> dict[str, Any]:
    samples = phase.samples()
    failed = [s for s in samples if not _ok(s)]
    writes = [s for s in samples if s.kind in WRITES]
    recovery = (
        round(max(0.0, phase.recovered - phase.fault_ended), 2)
        if phase.recovered is not None
        else None
    )
    data: dict[str, Any] = {
        "fault": phase.fault.name,
        "what": phase.fault.what,
        "requests": len(samples),
        "writes_sent": len(writes),
        "writes_acknowledged": sum(1 for s in writes if _ok(s)),
        "writes_by_kind": dict(Counter(s.kind for s in writes)),
        "logins": sum(1 for s in samples if s.kind == "login" and s.status == 302),
        "failed": len(failed),
        "failed_by_status": dict(sorted(Counter(str(s.status) for s in failed).items())),
        "users_saw": dict(Counter(seen_as(s) for s in failed)),
        "fault_seconds": round(phase.fault_ended - phase.fault_began, 2),
        "failing_window_seconds": (
            round(max(s.started + s.elapsed for s in failed) - min(s.started for s in failed), 2)
            if failed
            else 0.0
        ),
        "recovery_seconds": recovery,
        "slowest_answer_seconds": round(max((s.elapsed for s in samples), default=0.0), 2),
        "slowest_failed_answer_seconds": round(max((s.elapsed for s in failed), default=0.0), 2),
        "acknowledged_writes_lost": lost,
        # Creates the person saw fail (an error page) that were stored all the same.
        "failed_writes_stored": failed_but_stored,
        "notes": phase.notes,
    }
    problems = []
    server_errors = [s for s in samples if s.status >= 500 and not (s.status == 503 and s.friendly)]
    if server_errors:
        problems.append(
            f"{len(server_errors)} answers were {sorted({seen_as(s) for s in server_errors})}"
        )
    unanswered = [s for s in samples if s.status == 0]
    if unanswered and not phase.fault.drops_connections:
        problems.append(f"{len(unanswered)} requests got no answer")
    if recovery is None:
        problems.append("no acknowledged write after the fault")
    elif recovery > RECOVERY_BOUND:
        problems.append(f"recovery took {recovery} s (bound {RECOVERY_BOUND:.0f} s)")
    if lost:
        problems.append(f"{lost} acknowledged writes lost")
    # "failed_writes_stored" is a figure, not a failure: a create can commit and its answer
    # still fail (the connection dies after the COMMIT reached the server, or the pooler
    # holds the read that renders the page after it); the retry with the form's key then
    # finds the task, and a task stored twice fails the run (the ledger). That a statement
    # the deadline ended never commits later is tested in tests/test_request_deadline.py.
    problems.extend(phase.notes)
    data["problems"] = problems
    return data
