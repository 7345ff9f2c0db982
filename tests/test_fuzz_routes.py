"""Property-based fuzzing of every route: whatever arrives, the answer is never a 5xx, and
a request the app refuses (4xx) writes nothing. GET writes nothing whatever it answers.

The routes come from `app.url_map`, so a route added later is fuzzed without touching
this file: with the field names of `FIELDS` when its endpoint is listed there, else with
every field name the app knows. Each example draws the method (GET or POST), logged in or
out, with or without `HX-Request`, a valid CSRF token (so the form's own validation is
reached), none or a forged one, path arguments (own, another user's and missing tasks,
valid and forged reset tokens), and for each field nothing, one value or a list (the key
repeated): text with NUL and any unicode, huge strings, numbers, impossible dates and
times, and the values the field expects.

"Writes nothing" compares, before and after, the row count of every table and the latest
value of every timestamp column (`updated_at`, `last_seen_at`, `revoked_at`, ...).

A second test gives every field of every form (`VALID_FORMS`, `VALID_QUERIES`) each of
`NASTY_VALUES` once, the rest of the form valid: systematic where the first is random.

Runtime: `MAX_EXAMPLES` (25) per route, about a minute for the module. With the
environment variable CI set, the examples are derandomized (the same every run), so CI
cannot turn red on a new random draw; locally each run explores new ones, and
`FUZZ_EXAMPLES=500 pytest tests/test_fuzz_routes.py` digs deeper. A failure prints the
drawn request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule

from todo_web import create_app
from todo_web.auth.reset import make_reset_token
from todo_web.db import Base, UTCDateTime, get_database, utcnow
from todo_web.models import User

from . import factories
from .client import Client
from .factories import ALICE, BOB, make_task, make_user

#: Examples per route; FUZZ_EXAMPLES=500 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 25)

# -- what each endpoint reads --------------------------------------------------------------

#: Form fields (POST body) and query parameters per endpoint, from DESIGN.md's public
#: surface and the forms in todo_web/*/forms.py.
TASK_FIELDS = (
    "title", "description", "priority", "status", "due_date", "due_time", "tags", "repeat",
    "interval", "next",
)  # fmt: skip
LIST_PARAMETERS = (
    "q", "status", "priority", "tag", "due", "sort", "order", "page", "per_page", "view",
)  # fmt: skip
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "home": {},
    "health.healthz": {},
    "static": {"query": ("v",)},
    "auth.login": {"form": ("email", "password", "remember"), "query": ("next",)},
    "auth.logout": {},
    "auth.register": {"form": ("name", "email", "password", "confirm")},
    "auth.reset_request": {"form": ("email",)},
    "auth.reset_password": {"form": ("password", "confirm")},
    "auth.unlock": {},
    "settings.index": {"form": ("name", "timezone")},
    "settings.notifications": {"form": ("notify_task_changes", "notify_daily_digest")},
    "settings.password": {"form": ("current_password", "password", "confirm")},
    "settings.delete": {"form": ("password",)},
    "tasks.index": {"query": LIST_PARAMETERS},
    "tasks.create": {"form": TASK_FIELDS, "query": LIST_PARAMETERS},
    "tasks.detail": {},
    "tasks.edit": {"form": TASK_FIELDS},
    "tasks.toggle": {"form": ("state", "next")},
    "tasks.delete": {"form": ("next",)},
    "tasks.restore": {"form": ("next",)},
    "tasks.bulk": {"form": ("action", "ids", "value", "select_all", "page_ids", "next")},
    "tasks.quick_add": {"form": ("text", "next")},
    "tasks.quick_preview": {"query": ("text", "remove")},
    "tasks.repeat_preview": {"query": ("repeat", "interval", "due_date")},
}
ALL_FIELD_NAMES = tuple(
    sorted({name for spec in FIELDS.values() for names in spec.values() for name in names})
)

#: Values a field expects, so that examples also get past validation and change things.
PASSWORD = factories.PASSWORD
GOOD_VALUES: dict[str, list[str]] = {
    "title": ["Buy milk", "x" * 200, "x" * 201],
    "priority": ["low", "medium", "high", "HIGH"],
    "status": ["open", "pending", "in_progress", "completed", "cancelled", "all"],
    "due_date": ["2026-03-01", "2026-02-28", "2024-02-29", "1970-01-01"],
    "due_time": ["09:30", "00:00", "23:59"],
    "tags": ["home, work", "a," * 30, "x" * 51],
    "repeat": ["none", "daily", "weekdays", "weekly", "monthly", "yearly", "custom"],
    "interval": ["1", "2", "365", "366", "0"],
    "next": ["/tasks", "/settings", "//evil.example", "https://evil.example/", "/\\evil"],
    "email": ["alice@example.com", "bob@example.com", "new@example.com", "ALICE@example.com"],
    "password": [PASSWORD, "another horse", "short"],
    "current_password": [PASSWORD],
    "confirm": [PASSWORD, "another horse"],
    "name": ["Alice", "Zoë"],
    "timezone": ["Europe/Berlin", "America/New_York", "UTC", "Mars/Olympus"],
    "remember": ["y", "on", "1"],
    "notify_task_changes": ["y", "on"],
    "notify_daily_digest": ["y", "on"],
    "state": ["completed", "pending"],
    "action": ["complete", "reopen", "delete", "restore", "set_priority", "add_tag", "remove_tag"],
    "ids": ["@own", "@deleted", "@other", "@missing"],
    "page_ids": ["@own", "@other"],
    "select_all": ["1"],
    "value": ["high", "low", "home", "a,b"],
    "text": ["Pay rent every month on the 1st #bills !high", "Call mum tomorrow 18:00 #family"],
    "remove": ["0", "1", "99"],
    "q": ["milk", "a & b | !c", "'\"", "%_", "milk:*"],
    "tag": ["home", "work"],
    "due": ["overdue", "today", "week", "none"],
    "sort": ["created", "updated", "title", "priority", "due", "completed"],
    "order": ["asc", "desc"],
    "page": ["1", "2", "0", "-1", "99999999999999999999"],
    "per_page": ["1", "100", "101", "0"],
    "view": ["today", "upcoming", "overdue", "nodate", "completed"],
}

#: A complete, valid submission per endpoint. Examples often start from one and spoil a
#: field or two, so that the rest of the form passes and the spoiled value goes deep.
NEW_PASSWORD = "a new horse staple"
VALID_FORMS: dict[str, dict[str, str]] = {
    "auth.login": {"email": "alice@example.com", "password": PASSWORD, "remember": "y"},
    "auth.register": {
        "name": "Newcomer",
        "email": "new@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
    },
    "auth.reset_request": {"email": "alice@example.com"},
    "auth.reset_password": {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    "settings.index": {"name": "Alice", "timezone": "Europe/Berlin"},
    "settings.notifications": {"notify_task_changes": "y", "notify_daily_digest": "y"},
    "settings.password": {
        "current_password": PASSWORD,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    },
    "settings.delete": {"password": PASSWORD},
    "tasks.create": {
        "title": "Fuzzed",
        "description": "Notes",
        "priority": "high",
        "status": "pending",
        "due_date": "2026-03-01",
        "due_time": "09:30",
        "tags": "home, fuzz",
        "repeat": "weekly",
        "interval": "2",
    },
    "tasks.toggle": {"state": "completed"},
    "tasks.bulk": {"action": "set_priority", "ids": "@own", "value": "high"},
    "tasks.quick_add": {"text": "Fuzzed tomorrow 18:00 every week #fuzz !high"},
}
VALID_FORMS["tasks.edit"] = VALID_FORMS["tasks.create"]
VALID_QUERIES: dict[str, dict[str, str]] = {
    "tasks.index": {"status": "all", "tag": "home", "sort": "due", "order": "asc", "per_page": "5"},
    "tasks.quick_preview": {"text": "Call mum tomorrow #family", "remove": "0"},
    "tasks.repeat_preview": {"repeat": "weekly", "interval": "2", "due_date": "2026-03-01"},
}

# -- values --------------------------------------------------------------------------------

ODD_STRINGS = [
    "", " ", "\x00", "a\x00b", "\t\n", "null", "None", "true", "[]", "{}", "0", "-0", "-1",
    "1e309", "NaN", "inf", "2026-02-30", "2026-13-01", "0000-00-00", "9999-12-31",
    "10000-01-01", "2026-2-3", "24:00", "12:60", "99:99", "-1:00", "\u202eevil", "Ω≈ç√",
    "\U0001d573\U0001d58a\U0001d591", "🙂" * 50, "<script>alert(1)</script>", "' OR 1=1 --",
    "%00", "%",
    "../../etc/passwd", "\r\nX-Injected: 1", "@own", "@other",
]  # fmt: skip

huge_strings = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(["a", "é", "€", "𝄞", "\x00", "1", ",", "#tag ", " "]),
    st.integers(min_value=1_000, max_value=120_000),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
).map(str)
date_strings = st.one_of(
    st.dates().map(date.isoformat),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.integers(0, 10_000),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
)
time_strings = st.builds("{:02d}:{:02d}".format, st.integers(0, 30), st.integers(0, 70))
any_value = st.one_of(
    st.text(max_size=300),
    st.sampled_from(ODD_STRINGS),
    huge_strings,
    numbers,
    date_strings,
    time_strings,
)


def field_values(name: str) -> st.SearchStrategy[str]:
    good = GOOD_VALUES.get(name)
    return st.one_of(st.sampled_from(good), any_value) if good else any_value


def multidict_entries(names: tuple[str, ...]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Some of `names`, each with one value or a list of them (the key repeated), and now
    and then a field nobody asked for."""

    def entries_for(name: str) -> st.SearchStrategy[list[tuple[str, str]]]:
        return st.lists(field_values(name), min_size=1, max_size=3).map(
            lambda values: [(name, value) for value in values]
        )

    chosen = (
        st.lists(st.sampled_from(names), unique=True, max_size=len(names))
        if names
        else (st.just([]))
    )
    extra = st.lists(st.tuples(st.text(min_size=1, max_size=20), any_value), max_size=1)
    return st.tuples(chosen.flatmap(lambda ns: st.tuples(*map(entries_for, ns))), extra).map(
        lambda pair: [entry for entries in pair[0] for entry in entries] + pair[1]
    )


def spoiled(valid: dict[str, str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """`valid` with up to two fields left out or given other values (a list repeats the
    key)."""
    names = sorted(valid)
    changes = st.dictionaries(
        st.sampled_from(names),
        st.one_of(st.none(), st.lists(any_value, min_size=1, max_size=3)),
        min_size=1,
        max_size=2,
    )

    def apply(change: dict[str, list[str] | None]) -> list[tuple[str, str]]:
        entries = []
        for name in names:
            values = change.get(name, [valid[name]])
            entries += [(name, value) for value in values or []]
        return entries

    return changes.map(apply)


def entries(names: tuple[str, ...], valid: dict[str, str] | None) -> st.SearchStrategy:
    if valid is None:
        return multidict_entries(names)
    return st.one_of(multidict_entries(names), spoiled(valid), st.just(list(valid.items())))


header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200)

# -- the routes ----------------------------------------------------------------------------


def _routes() -> list[Rule]:
    """Every route, read at collection (before any fixture) from an app that is never
    started; `test_every_route_of_the_tested_app_is_fuzzed` checks the test app has the
    same ones."""
    app = create_app({"TESTING": True, "SECRET_KEY": "routes", "DATABASE_URL": "sqlite://"})
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


ROUTES = _routes()


def test_every_route_of_the_tested_app_is_fuzzed(app: Flask) -> None:
    def signature(rule: Rule) -> tuple[str, str, tuple[str, ...]]:
        return rule.rule, rule.endpoint, tuple(sorted(rule.methods or ()))

    assert sorted(map(signature, app.url_map.iter_rules())) == sorted(map(signature, ROUTES))


_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def path_arguments(rule: Rule) -> st.SearchStrategy[dict[str, str]]:
    """A value per argument of the rule: placeholders the world resolves, or junk."""
    strategies = {}
    for match in _ARGUMENT.finditer(rule.rule):
        converter, name = match["converter"] or "default", match["name"]
        if converter == "int":
            strategies[name] = st.one_of(
                st.sampled_from(["@own", "@own", "@own", "@deleted", "@other", "@missing"]),
                st.sampled_from(["0", "-1", "99999999999999999999", "2147483648", "١٢"]),
                st.integers(min_value=0).map(str),
            )
        elif name == "token":
            strategies[name] = st.one_of(st.just("@reset"), st.text(min_size=1, max_size=200))
        else:
            strategies[name] = st.one_of(
                st.sampled_from(["app.css", "app.js", "vendor/htmx.min.js", "../pyproject.toml"]),
                st.text(min_size=1, max_size=100),
            )
    return st.fixed_dictionaries(strategies)


@dataclass
class FuzzRequest:
    method: str
    logged_in: bool
    htmx: bool
    csrf: str  # "valid", "missing" or "forged"
    path_args: dict[str, str]
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    headers: dict[str, str] = field(default_factory=dict)


def fuzz_requests(rule: Rule) -> st.SearchStrategy[FuzzRequest]:
    spec = FIELDS.get(rule.endpoint)
    form_names = spec.get("form", ()) if spec is not None else ALL_FIELD_NAMES
    query_names = spec.get("query", ()) if spec is not None else ALL_FIELD_NAMES
    own_methods = sorted((rule.methods or set()) & {"GET", "POST"}) or ["GET"]
    methods = st.one_of(st.sampled_from(own_methods), st.sampled_from(["GET", "POST"]))
    return methods.flatmap(
        lambda method: st.builds(
            FuzzRequest,
            method=st.just(method),
            # Weighted towards requests that get past login and CSRF checks, where most of
            # the code is; the others are cheap to refuse and need fewer examples.
            logged_in=st.sampled_from([True, True, True, False]),
            htmx=st.booleans(),
            csrf=st.sampled_from(["valid", "valid", "valid", "valid", "missing", "forged"]),
            path_args=path_arguments(rule),
            # A GET's fields travel in the query string, and so do a POST's query params.
            query=(
                multidict_entries(query_names)
                if method == "POST"
                else entries(form_names + query_names, VALID_QUERIES.get(rule.endpoint))
            ),
            form=(
                entries(form_names, VALID_FORMS.get(rule.endpoint))
                if method == "POST"
                else st.just([])
            ),
            headers=st.fixed_dictionaries(
                {},
                optional={
                    "HX-Current-URL": st.one_of(
                        header_text,
                        st.builds("http://localhost/tasks?{}".format, header_text),
                    ),
                    "HX-Trigger": st.sampled_from(["filters", "bulk-form", "x"]),
                    "HX-Boosted": st.just("true"),
                    "User-Agent": header_text,
                },
            ),
        )
    )


# -- the world the requests run in ---------------------------------------------------------


#: Endpoints whose successful POSTs leave the world usable: Alice still logged in, her
#: task still there, the anonymous browser still anonymous.
HARMLESS_WRITES = {
    "tasks.create",
    "tasks.quick_add",
    "tasks.edit",
    "tasks.toggle",
    "settings.index",
    "settings.notifications",
}


@dataclass
class World:
    """Alice (logged in, notifications on) with tasks in every state, Bob with one task,
    and a logged-out browser; rebuilt when a request may have changed who is logged in."""

    app: Flask
    log_in: Callable[[User], Client]
    alice: Client = field(init=False)
    anonymous: Client = field(init=False)
    tokens: dict[str, str] = field(init=False, default_factory=dict)
    ids: dict[str, int] = field(init=False, default_factory=dict)
    reset_token: str = field(init=False, default="")
    stale: bool = True

    def ensure(self) -> None:
        if self.stale:
            self._build()
            self.stale = False

    def _build(self) -> None:
        app = self.app
        session = get_database(app).session_factory()
        try:
            for table in reversed(Base.metadata.sorted_tables):  # a request may have written
                session.execute(delete(table))
            session.commit()
            bob = make_user(session, BOB, name="Bob")
            alice = make_user(session, ALICE, name="Alice")
            bobs = make_task(session, bob, "Bob's task")
            make_task(session, alice, "Plain")
            tagged = make_task(
                session, alice, "Tagged", tags=("home", "work"), due_date=date(2026, 3, 1)
            )
            make_task(session, alice, "Daily", recurrence="FREQ=DAILY", due_date=date(2026, 3, 1))
            deleted = make_task(session, alice, "Deleted", deleted_at=utcnow())
            session.execute(update(User).values(notify_task_changes=True))
            session.commit()
            with app.test_request_context():
                self.reset_token = make_reset_token(alice)
            self.ids = {
                "@own": tagged.id,
                "@deleted": deleted.id,
                "@other": bobs.id,
                "@missing": deleted.id + 1000,
            }
            self.alice = self.log_in(alice)
        finally:
            session.close()
        self.anonymous = app.test_client()  # type: ignore[assignment]
        self.tokens = {"alice": self.alice.token(), "anonymous": self.anonymous.token()}

    def resolve(self, value: str) -> str:
        if value in self.ids:
            return str(self.ids[value])
        return self.reset_token if value == "@reset" else value

    def snapshot(self) -> dict[str, tuple[Any, ...]]:
        """Row counts and the latest timestamp of every column that holds one."""
        result = {}
        with get_database(self.app).engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                stamps = [c for c in table.columns if isinstance(c.type, UTCDateTime)]
                row = connection.execute(
                    select(func.count(), *(func.max(c) for c in stamps)).select_from(table)
                ).one()
                result[table.name] = tuple(row)
        return result


def build_request(world: World, rule: Rule, fuzz: FuzzRequest) -> dict[str, Any]:
    def path_value(match: re.Match[str]) -> str:
        value = world.resolve(fuzz.path_args[match["name"]])
        return quote(value, safe="/" if match["converter"] == "path" else "")

    path = _ARGUMENT.sub(path_value, rule.rule)
    query = [(k, world.resolve(v)) for k, v in fuzz.query]
    form = [(k, world.resolve(v)) for k, v in fuzz.form]
    headers = dict(fuzz.headers)
    if fuzz.htmx:
        headers["HX-Request"] = "true"
    token = world.tokens["alice" if fuzz.logged_in else "anonymous"]
    if fuzz.method == "POST" and fuzz.csrf != "missing":
        sent = token if fuzz.csrf == "valid" else token[::-1]
        if fuzz.htmx:
            headers["X-CSRFToken"] = sent
        else:
            form.append(("csrf_token", sent))
    url = path + ("?" + urlencode(query) if query else "")
    return {
        "method": fuzz.method,
        "path": url,
        "data": MultiDict(form) if form else None,
        "headers": headers,
    }


@pytest.fixture
def world(app: Flask, log_in: Callable[[User], Client]) -> World:
    """The run's one app, and a world built (from factories) for each route's test and
    again whenever an example may have spoiled it."""
    return World(app, log_in)


def send_and_check(world: World, rule: Rule, fuzz: FuzzRequest) -> int:
    """Send `fuzz` and check the rules every answer keeps; returns the status."""
    world.ensure()
    request = build_request(world, rule, fuzz)
    client = world.alice if fuzz.logged_in else world.anonymous
    before = world.snapshot()
    response = client.open(
        request["path"], method=request["method"], data=request["data"], headers=request["headers"]
    )
    status = response.status_code
    after = world.snapshot()

    shown = f"{request['method']} {request['path'][:200]} {str(request['data'])[:300]}"
    assert status < 500, f"{status} for {shown}"
    assert "Traceback" not in response.get_data(as_text=True)
    if fuzz.method == "POST" and fuzz.csrf != "valid":
        assert 400 <= status < 500, f"a POST without a valid CSRF token was accepted: {shown}"
    if 400 <= status < 500:
        assert after == before, f"a refused request ({status}) changed the database: {shown}"
    if fuzz.method == "GET":
        assert after == before, f"a GET ({status}) changed the database: {shown}"
    if fuzz.method == "POST" and status < 400 and rule.endpoint not in HARMLESS_WRITES:
        world.stale = True  # it may have logged someone out or deleted the task we use
    return status


@pytest.mark.parametrize("rule", ROUTES, ids=lambda rule: f"{rule.endpoint}:{rule.rule}")
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(data=st.data())
def test_route_survives_anything(world: World, rule: Rule, data: st.DataObject) -> None:
    fuzz = data.draw(fuzz_requests(rule), label="request")
    status = send_and_check(world, rule, fuzz)
    event(f"{fuzz.method} {'in' if fuzz.logged_in else 'out'}: {status}")


# -- one field at a time -------------------------------------------------------------------

#: Values every field of every form gets once, the rest of the form being valid.
NASTY_VALUES: dict[str, list[str]] = {
    "nul": ["a\x00b"],
    "only-nul": ["\x00"],
    "huge": ["x" * 100_000],
    "unicode": ["\u202e\U0001d11e🙂 Zoë ẞ ﷽"],
    "repeated": ["one", "two", "three"],
    "empty": [""],
    "big-number": ["99999999999999999999"],
    "impossible-date": ["2026-02-30"],
}
#: Endpoints whose forms a logged-out browser fills in.
LOGGED_OUT_ENDPOINTS = {"auth.login", "auth.register", "auth.reset_request", "auth.reset_password"}


def _field_cases() -> list[tuple[Rule, str, str]]:
    cases = []
    for rule in ROUTES:
        for method, valid in (
            ("POST", VALID_FORMS.get(rule.endpoint)),
            ("GET", VALID_QUERIES.get(rule.endpoint)),
        ):
            if valid and method in (rule.methods or ()):
                cases += [(rule, method, name) for name in sorted(valid)]
    return cases


@pytest.mark.parametrize(
    ("rule", "method", "name"),
    _field_cases(),
    ids=lambda value: value.endpoint if isinstance(value, Rule) else value,
)
def test_each_field_survives_nasty_values(world: World, rule: Rule, method: str, name: str) -> None:
    valid = (VALID_FORMS if method == "POST" else VALID_QUERIES)[rule.endpoint]
    path_args = {
        match["name"]: "@reset" if match["name"] == "token" else "@own"
        for match in _ARGUMENT.finditer(rule.rule)
    }
    for number, values in enumerate(NASTY_VALUES.values()):
        entries = [(k, v) for k, v in valid.items() if k != name] + [(name, v) for v in values]
        fuzz = FuzzRequest(
            method=method,
            logged_in=rule.endpoint not in LOGGED_OUT_ENDPOINTS,
            htmx=bool(number % 2),
            csrf="valid",
            path_args=path_args,
            query=entries if method == "GET" else [],
            form=entries if method == "POST" else [],
        )
        send_and_check(world, rule, fuzz)
