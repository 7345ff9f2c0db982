"""Forms read from the HTML the app served, and submitted as a browser submits them.

A `Form` holds what the browser would send with no change by the user: every input with
its value (hidden ones included: the CSRF token, ``next``, and whatever the app adds
later, such as an idempotency key), checked boxes, the selected option of each select,
textareas, and the inputs elsewhere on the page that name the form in their ``form``
attribute. A test then sets the fields a user would type or tick, and submits it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

from ..loadfault.client import Answer, Browser

#: The input types a form sends the value of (buttons and files are sent otherwise).
_SENT_INPUT_TYPES = {
    "", "text", "hidden", "email", "password", "search", "date", "time", "number", "url",
    "tel", "checkbox", "radio", "datetime-local", "color",
}  # fmt: skip


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    id: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def names(self) -> set[str]:
        return {name for name, _ in self.fields}

    def set(self, **values: str | list[str]) -> Form:
        """Set fields as a user would (a list sets a repeated field, e.g. ``ids``);
        returns the form."""
        for name, value in values.items():
            values_list = value if isinstance(value, list) else [value]
            kept = [(key, old) for key, old in self.fields if key != name]
            self.fields = kept + [(name, item) for item in values_list]
        return self

    def encoded(self) -> bytes:
        return urlencode(self.fields).encode()


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        #: Inputs outside their form, by the form's id: (name, value).
        self.outside: list[tuple[str, str, str]] = []
        self._current: Form | None = None
        self._select: tuple[str, str | None, str | None, str | None] | None = None
        self._textarea: tuple[str, str | None, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._current = Form(
                action=a.get("action") or "",
                method=(a.get("method") or "get").lower(),
                enctype=a.get("enctype") or "application/x-www-form-urlencoded",
                id=a.get("id"),
            )
            self.forms.append(self._current)
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "").lower()
            if kind not in _SENT_INPUT_TYPES:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self._add(name, a.get("value") or default, a.get("form"))
        elif tag == "select" and name:
            self._select = (name, a.get("form"), None, None)
        elif tag == "option" and self._select is not None:
            name, owner, chosen, first = self._select
            value = a.get("value") or ""
            if "selected" in a:
                chosen = value
            self._select = (name, owner, chosen, first if first is not None else value)
        elif tag == "textarea" and name:
            self._textarea = (name, a.get("form"), [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "select" and self._select is not None:
            name, owner, chosen, first = self._select
            value = chosen if chosen is not None else first
            if value is not None:
                self._add(name, value, owner)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, owner, parts = self._textarea
            self._add(name, "".join(parts).removeprefix("\n"), owner)
            self._textarea = None

    def _add(self, name: str, value: str, owner: str | None) -> None:
        if owner is not None:
            self.outside.append((owner, name, value))
        elif self._current is not None:
            self._current.fields.append((name, value))


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    by_id = {form.id: form for form in parser.forms if form.id}
    for owner, name, value in parser.outside:
        if owner in by_id:
            by_id[owner].fields.append((name, value))
    return parser.forms


def find_form(html: str, *, action: str | None = None, id: str | None = None) -> Form:
    """The form with this id, or the first whose action is `action` (its path, without
    the query string). AssertionError naming the forms there are otherwise."""
    forms = forms_of(html)
    for form in forms:
        if id is not None and form.id == id:
            return form
        if action is not None and form.action.split("?", 1)[0] == action:
            return form
    raise AssertionError(
        f"no form {id or action!r} on the page; there are: {[(f.id, f.action) for f in forms]}"
    )


def submit(browser: Browser, kind: str, form: Form, *, htmx: bool = False) -> Answer:
    """POST the form as the browser would (as htmx would with `htmx`, which sends the
    token in a header as well)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if htmx:
        headers["HX-Request"] = "true"
        token = form.value("csrf_token") or browser.csrf_token
        headers["X-CSRFToken"] = token
    return browser.request(kind, "POST", form.action, form.encoded(), headers)


def submit_multipart(
    browser: Browser, kind: str, form: Form, files: dict[str, tuple[str, bytes, str]]
) -> Answer:
    """POST a multipart form with `files` ({field: (filename, content, type)})."""
    boundary = f"----prodtier{secrets.token_hex(12)}"
    parts: list[bytes] = []
    for name, value in form.fields:
        if name in files:
            continue
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return browser.request(kind, "POST", form.action, b"".join(parts), headers)


def post_json(browser: Browser, kind: str, path: str, data: object) -> Answer:
    """What static/push.js does: a JSON body with the page's CSRF token in X-CSRFToken."""
    headers = {"Content-Type": "application/json", "X-CSRFToken": browser.csrf_token}
    return browser.request(kind, "POST", path, json.dumps(data).encode(), headers)
