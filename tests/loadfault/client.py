"""The HTTP side of the load run: a small browser per simulated user (one keep-alive
connection, cookies, the CSRF token from the page) and the user's behaviour.

Nothing is retried: a POST that got no answer, or an error, may or may not have been
applied, and the ledger treats it as exactly that. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import http.client
import random
import re
import select
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from .ledger import Ledger

_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_TASK = re.compile(r'data-task-id="(\d+)">.*?class="task-title"[^>]*>([^<]*)</a>', re.S)


@dataclass(frozen=True)
class Sample:
    """One request as the client saw it. `status` 0: no answer (connection error)."""

    kind: str
    started: float
    elapsed: float
    status: int
    #: For a 5xx: whether the body was the friendly error page (no stack trace).
    friendly: bool = True


@dataclass
class Recorder:
    """Every request of the run, for the figures; `clock` gives seconds since the start."""

    clock: Callable[[], float]
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    notes: Counter[str] = field(default_factory=Counter)

    def count(self, note: str) -> None:
        with self.lock:
            self.notes[note] += 1

    def add(self, sample: Sample, error: str | None = None) -> None:
        with self.lock:
            self.samples.append(sample)
            if error is not None:
                self.notes[error.split(":", 1)[1].split("(", 1)[0].strip()] += 1
                if len(self.errors) < 50:
                    self.errors.append(f"{sample.started:.2f}s {error}")


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    location: str | None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400


class Browser:
    """Cookies, the CSRF token of the last page, and one HTTP/1.1 connection that is
    opened again after an error."""

    def __init__(self, port: int, recorder: Recorder, timeout: float = 60.0) -> None:
        self.port = port
        self.recorder = recorder
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, kind: str, path: str, *, htmx: bool = False) -> Answer:
        return self._request(kind, "GET", path, None, htmx)

    def post(self, kind: str, path: str, form: dict[str, str], *, htmx: bool = False) -> Answer:
        return self._request(kind, "POST", path, form, htmx)

    def _request(
        self, kind: str, method: str, path: str, form: dict[str, str] | None, htmx: bool
    ) -> Answer:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if htmx:
            headers["HX-Request"] = "true"
        if form is not None:
            form = dict(form)
            if htmx:
                headers["X-CSRFToken"] = self.csrf_token
            else:
                form["csrf_token"] = self.csrf_token
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = self.recorder.clock()
        try:
            self._send(method, path, body, headers)
            response = self._connection.getresponse()  # type: ignore[union-attr]
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.close()
            self.recorder.add(
                Sample(kind, started, self.recorder.clock() - started, 0),
                f"{method} {path}: {error!r}",
            )
            return Answer(0, "", None)
        friendly = response.status < 500 or (
            "briefly unavailable" in text and "Traceback" not in text
        )
        self.recorder.add(
            Sample(kind, started, self.recorder.clock() - started, response.status, friendly)
        )
        for header in response.msg.get_all("Set-Cookie") or []:
            self._store_cookie(header)
        if response.will_close:
            self.close()
        if token := _META_TOKEN.search(text):
            self.csrf_token = token.group(1)
        return Answer(response.status, text, response.getheader("Location"))

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> None:
        """Send the request on the kept-alive connection unless the server has closed it
        (it closes idle ones after a few seconds). If it closes it just as the request
        goes out, the server never read the request: send it once more on a new
        connection, as browsers do."""
        if self._connection is not None and self._connection.sock is not None:
            # Readable while idle means the server has closed it (or reset it): don't use it.
            readable, _, _ = select.select([self._connection.sock], [], [], 0)
            if readable:
                self.close()
                self.recorder.count("closed by the server while idle, replaced")
        reused = self._connection is not None
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
        try:
            self._connection.request(method, path, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            if not reused:
                raise
            self.close()
            self.recorder.count("resent on a new connection")
            self._send(method, path, body, headers)

    def _store_cookie(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


@dataclass
class KnownTask:
    id: int
    token: str
    title: str
    status: str
    edits: int = 0


class TaskUser:
    """One person: signs up, maybe asks for mail about task changes, then creates, edits,
    toggles and looks at tasks as fast as the server answers."""

    def __init__(
        self, browser: Browser, email: str, ledger: Ledger, rng: random.Random, notify: bool
    ) -> None:
        self.browser = browser
        self.email = email
        self.ledger = ledger
        self.rng = rng
        self.notify = notify
        self.tasks: list[KnownTask] = []
        self.created = 0
        self.tag = email.split("@")[0].replace("-", "").replace(".", "")

    def sign_up(self, password: str = "correct horse") -> bool:
        self.browser.get("setup", "/auth/register")
        answer = self.browser.post(
            "setup",
            "/auth/register",
            {"name": self.email, "email": self.email, "password": password, "confirm": password},
        )
        if answer.status != 302:
            return False
        self.browser.get("setup", "/settings")
        if self.notify:
            answer = self.browser.post(
                "setup", "/settings/notifications", {"notify_task_changes": "y"}
            )
            return answer.status == 302
        return True

    def run(self, deadline: float, stop: threading.Event) -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            self.step()
        self.browser.close()

    def step(self) -> None:
        roll = self.rng.random()
        if not self.tasks or roll < 0.3:
            self.create()
        elif roll < 0.6:
            self.edit(self.rng.choice(self.tasks))
        elif roll < 0.9:
            self.toggle(self.rng.choice(self.tasks))
        else:
            self.browser.get("read", "/tasks")

    def create(self) -> None:
        """htmx create: the answer is the list, where the new task's id can be read."""
        self.created += 1
        token = f"{self.tag}x{self.created}"
        title = f"{token} new"
        answer = self.browser.post(
            "create",
            "/tasks",
            {"title": title, "priority": self.rng.choice(["low", "medium", "high"])},
            htmx=True,
        )
        task_id = None
        if answer.status == 200:
            task_id = next((int(i) for i, t in _TASK.findall(answer.body) if t == title), None)
            if task_id is not None:
                self.tasks.append(KnownTask(task_id, token, title, "pending"))
        self.ledger.record(
            self.email, "create", token, answer.status, title=title, status="pending"
        )

    def edit(self, task: KnownTask) -> None:
        task.edits += 1
        title = f"{task.token} v{task.edits}"
        answer = self.browser.post(
            "edit",
            f"/tasks/{task.id}/edit",
            {
                "title": title,
                "priority": self.rng.choice(["low", "medium", "high"]),
                "status": task.status,
                "description": f"edit {task.edits}",
                "repeat": "none",
            },
        )
        task.title = title
        self.ledger.record(
            self.email, "edit", task.token, answer.status, title=title, status=task.status
        )

    def toggle(self, task: KnownTask) -> None:
        wanted = "pending" if task.status == "completed" else "completed"
        answer = self.browser.post("toggle", f"/tasks/{task.id}/toggle", {"state": wanted})
        task.status = wanted
        self.ledger.record(self.email, "toggle", task.token, answer.status, status=wanted)
