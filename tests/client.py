"""The test client, and readers of what it gets back.

`Client` behaves like a browser towards CSRF: it remembers the latest token the app gave it
(the `<meta name="csrf-token">` of a page, or the `X-CSRF-Token` header of an htmx answer)
and `submit()` sends it, in the form or as htmx's `X-CSRFToken` header. A token lives as
long as the login session, so no page is fetched just to read one; only a client that has
seen no page yet asks /auth/login for one. Plain `client.post()` sends no token, for tests
of CSRF itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from todo_web.db import get_database
from todo_web.models import Task

from .factories import PASSWORD

_META_TOKEN = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')
_TASK_ID = re.compile(r'data-task-id="(\d+)"')
_TOTAL = re.compile(r'data-total-count="(\d+)"')
_VIEW_COUNT = re.compile(r'data-view="(\w+)" data-count="(\d+)"')

FormData = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


class Client(FlaskClient):
    csrf_token: str | None = None

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        response = super().open(*args, **kwargs)
        self._remember_token(response)
        return response

    def _remember_token(self, response: TestResponse) -> None:
        header = response.headers.get("X-CSRF-Token")
        if header:
            self.csrf_token = header
            return
        if response.mimetype == "text/html" and not response.is_streamed:
            match = _META_TOKEN.search(response.get_data())
            if match:
                self.csrf_token = match.group(1).decode()

    def token(self) -> str:
        """The token of this client's session, asked for once if no page showed it yet."""
        if self.csrf_token is None:
            self.get("/auth/login", headers={"HX-Request": "true"})
        assert self.csrf_token, "the app gave this client no CSRF token"
        return self.csrf_token

    def submit(
        self,
        url: str,
        data: FormData = None,
        *,
        htmx: bool = False,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        """POST like a browser's form (token in the body) or like htmx (token in a header).
        `data` as a list of pairs sends repeated fields (`ids`); values may be files."""
        headers = dict(headers or {})
        form = _multi(data)
        if htmx:
            headers.setdefault("HX-Request", "true")
            headers.setdefault("X-CSRFToken", self.token())
        else:
            form.setdefault("csrf_token", [self.token()])
        return self.post(url, data=form, headers=headers, **kwargs)

    def htmx_get(self, url: str, **headers: str) -> TestResponse:
        return self.get(url, headers={"HX-Request": "true", **headers})

    def log_in(
        self, email: str, password: str = PASSWORD, *, query: str = "", **fields: Any
    ) -> TestResponse:
        """The login form, posted as a browser posts it (no htmx)."""
        response = self.submit(
            f"/auth/login{query}", {"email": email, "password": password, **fields}
        )
        self._after_new_session(response)
        return response

    def change_password(
        self, new: str = "new secret 1", current: str = PASSWORD, *, htmx: bool = False
    ) -> TestResponse:
        """The settings' password form, filled in right."""
        fields = {"current_password": current, "password": new, "confirm": new}
        return self.submit("/settings/password", fields, htmx=htmx)

    def log_out(self) -> TestResponse:
        response = self.submit("/auth/logout")
        self._after_new_session(response)
        return response

    def _after_new_session(self, response: TestResponse) -> None:
        """Logging in or out starts a new cookie session, with a token not seen yet."""
        if response.status_code == 302:
            self.csrf_token = None

    def register(
        self,
        email: str = "alice@example.com",
        *,
        name: str = "Alice",
        password: str = PASSWORD,
        confirm: str | None = None,
    ) -> TestResponse:
        response = self.submit(
            "/auth/register",
            {
                "name": name,
                "email": email,
                "password": password,
                "confirm": password if confirm is None else confirm,
            },
        )
        self._after_new_session(response)
        return response


def _multi(data: FormData) -> dict[str, list[Any]]:
    pairs = list(data.items()) if isinstance(data, Mapping) else list(data or [])
    form: dict[str, list[Any]] = {}
    for name, value in pairs:
        if isinstance(value, list):
            form.setdefault(name, []).extend(_field_value(item) for item in value)
        else:
            form.setdefault(name, []).append(_field_value(value))
    return form


def _field_value(value: Any) -> Any:
    """Strings and uploads (a `(stream, filename)` pair) as given; None as an empty field;
    anything else (an id, a date) as its text."""
    if value is None:
        return ""
    if isinstance(value, str | tuple) or hasattr(value, "read"):
        return value
    return str(value)


# -- reading pages -------------------------------------------------------------------------


def text_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def task_ids(html: str | TestResponse) -> list[int]:
    """The ids of the task elements in a page or fragment, in document order, each once."""
    if isinstance(html, TestResponse):
        html = text_of(html)
    return list(dict.fromkeys(int(found) for found in _TASK_ID.findall(html)))


def total_count(html: str | TestResponse) -> int:
    if isinstance(html, TestResponse):
        html = text_of(html)
    match = _TOTAL.search(html)
    assert match, "no data-total-count in the list"
    return int(match.group(1))


def view_counts(html: str | TestResponse) -> dict[str, int]:
    """The sidebar's counts: {"today": 2, "upcoming": 1, ...}."""
    if isinstance(html, TestResponse):
        html = text_of(html)
    return {view: int(n) for view, n in _VIEW_COUNT.findall(html)}


def list_ids(client: Client, query: str = "") -> list[int]:
    """The ids of the tasks on the list page `/tasks{query}`, in order."""
    response = client.get(f"/tasks{query}")
    assert response.status_code == 200, text_of(response)
    return task_ids(response)


# -- tasks through their forms -------------------------------------------------------------


def submit_task(client: Client, *, htmx: bool = False, **fields: Any) -> TestResponse:
    """The create form posted with `fields` on top of a title ("A task")."""
    return client.submit("/tasks", {"title": "A task", **fields}, htmx=htmx)


def create_task_via_form(client: Client, **fields: Any) -> int:
    """A task made by posting the create form (no htmx); its id."""
    response = submit_task(client, **fields)
    assert response.status_code == 302, text_of(response)
    with get_database(client.application).engine.connect() as connection:
        task_id = connection.scalar(select(func.max(Task.id)))
    assert task_id is not None
    return task_id


def edit_fields(task: Task, **changes: Any) -> dict[str, Any]:
    """The edit form as the page fills it for `task`, with `changes` on top."""
    fields: dict[str, Any] = {
        "title": task.title,
        "description": task.description,
        "priority": task.priority.label,
        "status": task.status,
        "due_date": task.due_date.isoformat() if task.due_date else "",
        "due_time": task.due_time.strftime("%H:%M") if task.due_time else "",
        "tags": ", ".join(tag.name for tag in task.tags),
        "repeat": "none",
    }
    fields.update(changes)
    return fields


def set_cookie(response: TestResponse, name: str) -> dict[str, str] | None:
    """The attributes of the `name` cookie the response sets, keys lower-cased:
    ``{"value": ..., "httponly": "", "samesite": "Lax", ...}``; None if it sets none."""
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        key, _, value = first.partition("=")
        if key != name:
            continue
        parsed = {"value": value}
        for attribute in attributes:
            attr_name, _, attr_value = attribute.partition("=")
            parsed[attr_name.lower()] = attr_value
        return parsed
    return None


# -- sending files -------------------------------------------------------------------------


def upload(
    client: Client,
    content: bytes | str,
    filename: str = "tasks.json",
    *,
    dry_run: bool = False,
    htmx: bool = False,
) -> TestResponse:
    """The import form of /settings: `content` as the chosen file, optionally a dry run."""
    data: dict[str, object] = {
        "file": (io.BytesIO(content.encode() if isinstance(content, str) else content), filename)
    }
    if dry_run:
        data["dry_run"] = "1"
    return client.submit("/settings/import", data, htmx=htmx, content_type="multipart/form-data")
