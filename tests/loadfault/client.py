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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from .ledger import Ledger

_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
#: A task row of the list: its id and its title.
TASK_ROW = re.compile(r'data-task-id="(\d+)"[^>]*>.*?class="task-title"[^>]*>([^<]*)</a>', re.S)


@dataclass(frozen=True)
class Sample:
    """One request as the client saw it. `status` 0: no answer (connection error)."""

    kind: str
    started: float
    elapsed: float
    status: int
    #: For a 5xx: whether the body was the friendly error page (no stack trace).
    friendly: bool = True
    #: The server's port (which instance answered, when there are several).
    port: int = 0
    #: For no answer: what went wrong (the exception's name: ConnectionRefusedError, ...).
    error: str = ""


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
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400


class Browser:
    """Cookies, the CSRF token of the last page, and one HTTP/1.1 connection per server,
    opened again after an error.

    `port` is one server, or several that the browser takes turns with, one request each
    (instances behind a load balancer that hands out requests in turn)."""

    def __init__(
        self, port: int | Sequence[int], recorder: Recorder, timeout: float = 60.0
    ) -> None:
        self.ports = [port] if isinstance(port, int) else list(port)
        self.recorder = recorder
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""
        self._turn = 0
        self._connections: dict[int, http.client.HTTPConnection] = {}

    @property
    def port(self) -> int:
        """The server the next request goes to."""
        return self.ports[self._turn % len(self.ports)]

    def close(self) -> None:
        for port in list(self._connections):
            self._close(port)

    def _close(self, port: int) -> None:
        connection = self._connections.pop(port, None)
        if connection is not None:
            connection.close()

    def get(self, kind: str, path: str, *, htmx: bool = False) -> Answer:
        return self._request(kind, "GET", path, None, htmx)

    def post(self, kind: str, path: str, form: dict[str, str], *, htmx: bool = False) -> Answer:
        return self._request(kind, "POST", path, form, htmx)

    def _request(
        self, kind: str, method: str, path: str, form: dict[str, str] | None, htmx: bool
    ) -> Answer:
        headers = {}
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
        return self.request(kind, method, path, body, headers)

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """Send one request as it is (with the cookies) to the server whose turn it is;
        nothing is retried."""
        port = self.port
        self._turn += 1
        headers = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = self.recorder.clock()
        try:
            response = self._send(port, method, path, body, headers)
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self._close(port)
            self.recorder.add(
                Sample(
                    kind,
                    started,
                    self.recorder.clock() - started,
                    0,
                    port=port,
                    error=type(error).__name__,
                ),
                f"{method} {path}: {error!r}",
            )
            return Answer(0, "", None)
        friendly = response.status < 500 or (
            "briefly unavailable" in text and "Traceback" not in text
        )
        self.recorder.add(
            Sample(
                kind,
                started,
                self.recorder.clock() - started,
                response.status,
                friendly,
                port=port,
            )
        )
        for header in response.msg.get_all("Set-Cookie") or []:
            self._store_cookie(header)
        if response.will_close:
            self._close(port)
        if token := _META_TOKEN.search(text):
            self.csrf_token = token.group(1)
        return Answer(
            response.status,
            text,
            response.getheader("Location"),
            {name.lower(): value for name, value in response.getheaders()},
        )

    def _send(
        self, port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> http.client.HTTPResponse:
        """Send the request on the kept-alive connection unless the server has closed it
        (it closes idle ones after a few seconds). If it closes it just as the request
        goes out, the server never read the request: send it once more on a new
        connection, as browsers do."""
        connection = self._connections.get(port)
        if connection is not None and connection.sock is not None:
            # Readable while idle means the server has closed it (or reset it): don't use it.
            readable, _, _ = select.select([connection.sock], [], [], 0)
            if readable:
                self._close(port)
                self.recorder.count("closed by the server while idle, replaced")
        reused = port in self._connections
        if port not in self._connections:
            self._connections[port] = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=self.timeout
            )
        try:
            self._connections[port].request(method, path, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            if not reused:
                raise
            self._close(port)
            self.recorder.count("resent on a new connection")
            return self._send(port, method, path, body, headers)
        return self._connections[port].getresponse()

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
        """htmx create: the answer is the list, where the new task's id can be read. Like
        a person, the form carries a key of its own (as each drawn form does), and one
        that fails with an error page is sent once more, unchanged: the same key, so a
        create that was stored although its answer failed is not made twice."""
        self.created += 1
        token = f"{self.tag}x{self.created}"
        title = f"{token} new"
        form = {
            "title": title,
            "priority": self.rng.choice(["low", "medium", "high"]),
            "idempotency_key": f"{token}-{self.rng.getrandbits(64):016x}",
        }
        for _attempt in range(2):
            answer = self.browser.post("create", "/tasks", form, htmx=True)
            task_id = None
            if answer.status == 200:
                task_id = next(
                    (int(i) for i, t in TASK_ROW.findall(answer.body) if t == title), None
                )
                if task_id is not None:
                    self.tasks.append(KnownTask(task_id, token, title, "pending"))
            self.ledger.record(
                self.email, "create", token, answer.status, title=title, status="pending"
            )
            if answer.status < 500:
                break

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
