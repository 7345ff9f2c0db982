"""The main flows of the product, through the real forms, each request going to the next
of the two instances in turn: sign-up, login, create, edit, toggle, quick add, bulk
action, search, import, export, a shared list, a reminder arriving by mail and by Web
Push, and a password reset by mail.

Every form is read from the page a browser would have (`forms.find_form`), so hidden
fields the app adds are sent along; only the fields a user would fill in are set here.
Each flow is a function that raises AssertionError with what went wrong; `run_flows`
runs them all and reports each.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from ..loadfault.client import TASK_ROW, Answer, Browser, Recorder
from ..processes import wait_until
from ..push_service import FakePushService, FakeSubscription
from ..smtp import SmtpServer, links
from .forms import Form, find_form, post_json, submit, submit_multipart

_TOTAL = re.compile(r'data-total-count="(\d+)"')

#: How long a mail or push message may take to arrive (the worker polls every 5 s; a
#: reminder goes out within 60 s of its time).
DELIVERY_SECONDS = 75


@dataclass
class Person:
    """One user with a browser of their own, taking the instances in turn."""

    name: str
    email: str
    password: str
    browser: Browser

    def page(self, path: str, kind: str = "flow") -> str:
        answer = self.browser.get(kind, path)
        assert answer.status == 200, f"GET {path} answered {answer.status}"
        return answer.body

    def form(self, path: str, *, action: str | None = None, id: str | None = None) -> Form:
        return find_form(self.page(path), action=action, id=id)

    def send(self, form: Form, expect: int = 302, kind: str = "flow") -> Answer:
        answer = submit(self.browser, kind, form)
        assert answer.status == expect, (
            f"POST {form.action} answered {answer.status}, not {expect}: "
            f"{_text_of(answer.body)[:300]}"
        )
        return answer

    def register(self) -> None:
        form = self.form("/auth/register", action="/auth/register")
        form.set(name=self.name, email=self.email, password=self.password, confirm=self.password)
        answer = self.send(form)
        assert urlsplit(answer.location or "").path == "/tasks", answer.location

    def log_in(self) -> None:
        form = self.form("/auth/login", action="/auth/login")
        answer = self.send(form.set(email=self.email, password=self.password))
        assert urlsplit(answer.location or "").path == "/tasks", answer.location

    def log_out(self) -> None:
        self.send(self.form("/settings", action="/auth/logout"))

    def tasks(self, query: str = "") -> dict[str, int]:
        """{title: id} of the tasks /tasks shows with this query string."""
        body = self.page(f"/tasks?{query}")
        return {
            html.unescape(title).strip(): int(task_id) for task_id, title in TASK_ROW.findall(body)
        }

    def total(self, query: str) -> int:
        match = _TOTAL.search(self.page(f"/tasks?{query}"))
        assert match, "no data-total-count on the list"
        return int(match.group(1))

    def create(self, title: str, list_query: str = "", **fields: str) -> int:
        # "Add with all fields": the form on a page of its own (no JavaScript).
        form = self.form(f"/tasks/new?{list_query}", id="create-form")
        self.send(form.set(title=title, **fields))
        found = self.tasks(f"{list_query}&q={title.split()[0]}&status=all")
        assert title in found, f"created {title!r}, the list shows {sorted(found)}"
        return found[title]

    def toggle(self, task_id: int, state: str, list_query: str = "") -> None:
        """The task row's toggle button: it posts the list's row-actions form."""
        form = self.form(f"/tasks?{list_query}&status=all", id="row-actions")
        form.action = f"/tasks/{task_id}/toggle"
        self.send(form.set(state=state))


@dataclass
class FlowResult:
    name: str
    passed: bool
    seconds: float
    detail: str = ""


@dataclass
class Context:
    run: str  #: a word unique to this run, in titles and addresses
    ports: list[int]
    recorder: Recorder
    smtp: SmtpServer
    push: FakePushService
    people: dict[str, Person] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)

    def person(self, name: str) -> Person:
        if name not in self.people:
            self.people[name] = Person(
                name=name.title(),
                email=f"{name}-{self.run}@example.com",
                password=f"{name} correct horse battery",
                browser=Browser(self.ports, self.recorder, timeout=30),
            )
        return self.people[name]

    def mail_to(self, address: str, subject_part: str) -> EmailMessage:
        """The mail to `address` whose subject contains `subject_part`, waited for."""

        def found() -> EmailMessage | None:
            return next(
                (
                    m
                    for m in self.smtp.messages
                    if address in str(m["To"]) and subject_part in str(m["Subject"])
                ),
                None,
            )

        wait_until(found, DELIVERY_SECONDS, f"a mail {subject_part!r} to {address}", 0.25)
        return found()  # type: ignore[return-value]


def _text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).strip()


# -- the flows -----------------------------------------------------------------------------


def sign_up_and_log_in(ctx: Context) -> None:
    alice, bob = ctx.person("alice"), ctx.person("bob")
    alice.register()
    bob.register()
    alice.log_out()
    assert alice.browser.get("flow", "/tasks").status == 302, "logged out, /tasks still shows"
    alice.log_in()


def create_edit_toggle(ctx: Context) -> None:
    alice = ctx.person("alice")
    title = f"Renew{ctx.run} the passport"
    task_id = alice.create(title, priority="high", description="at the town hall")
    form = alice.form(f"/tasks/{task_id}/edit", action=f"/tasks/{task_id}/edit")
    assert form.value("priority") == "high", form.fields
    alice.send(form.set(title=f"{title} and the ID card"))
    assert f"{title} and the ID card" in alice.page(f"/tasks/{task_id}"), "the edit is not shown"
    alice.toggle(task_id, "completed")
    assert task_id in alice.tasks("status=completed").values(), "not completed"
    alice.toggle(task_id, "pending")
    assert task_id in alice.tasks("status=open").values(), "not reopened"


def quick_add_bulk_search(ctx: Context) -> None:
    alice = ctx.person("alice")
    ids = []
    for text in (
        f"Pay{ctx.run} rent every month on the 1st #bills !high",
        f"Water{ctx.run} plants",
    ):
        form = alice.form("/tasks", id="quick-form")
        alice.send(form.set(text=text))
        found = alice.tasks(f"q={text.split()[0]}")
        assert len(found) == 1, f"quick add {text!r}: the search shows {found}"
        ids.extend(found.values())
    rent = alice.page(f"/tasks/{ids[0]}")
    assert "bills" in rent and "High" in rent, "quick add did not read #bills and !high"
    assert alice.total(f"q=Pay{ctx.run}") == 1
    form = alice.form("/tasks", id="bulk-form")
    alice.send(form.set(action="complete", ids=[str(i) for i in ids]))
    completed = alice.tasks("status=completed").values()
    assert all(i in completed for i in ids), "the bulk action did not complete both"
    assert alice.total(f"q=Water{ctx.run}&status=open") == 0


def import_and_export(ctx: Context) -> None:
    alice = ctx.person("alice")
    rows = [("title", "priority", "tags"), (f"Imported{ctx.run} one", "high", "home"),
            (f"Imported{ctx.run} two", "low", "")]  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    form = alice.form("/settings", action="/settings/import")
    answer = submit_multipart(
        alice.browser, "flow", form, {"file": ("tasks.csv", buffer.getvalue().encode(), "text/csv")}
    )
    assert answer.status in (200, 302), (
        f"import answered {answer.status}: {_text_of(answer.body)[:300]}"
    )
    assert alice.total(f"q=Imported{ctx.run}") == 2, "the import did not make two tasks"
    exported = alice.browser.get("flow", "/settings/export.csv")
    assert exported.status == 200 and "text/csv" in exported.headers.get("content-type", "")
    titles = {row["title"] for row in csv.DictReader(io.StringIO(exported.body))}
    assert {f"Imported{ctx.run} one", f"Imported{ctx.run} two"} <= titles, sorted(titles)
    as_json = alice.browser.get("flow", "/settings/export.json")
    assert as_json.status == 200
    exported_titles = {task["title"] for task in json.loads(as_json.body)["tasks"]}
    assert titles == exported_titles, "the CSV and JSON exports differ"


def shared_list(ctx: Context) -> None:
    alice, bob = ctx.person("alice"), ctx.person("bob")
    name = f"Household {ctx.run}"
    answer = alice.send(alice.form("/lists", action="/lists").set(name=name))
    list_id = int(re.search(r"list=(\d+)", answer.location or "").group(1))  # type: ignore[union-attr]
    task_id = alice.create(f"Buy{ctx.run} milk", f"list={list_id}")
    invite = alice.form(f"/lists/{list_id}/members", action=f"/lists/{list_id}/members")
    alice.send(invite.set(email=bob.email, role="editor"))
    mail = ctx.mail_to(bob.email, "invited you")
    assert any("/lists" in link or "/invites/" in link for link in links(mail)), links(mail)
    lists_page = bob.page("/lists")
    accept = re.search(r'action="(/invites/\d+/accept)"', lists_page)
    assert accept, "bob's /lists shows no invitation to accept"
    bob.send(find_form(lists_page, action=accept.group(1)))
    seen = bob.tasks(f"list={list_id}")
    assert seen.get(f"Buy{ctx.run} milk") == task_id, f"bob sees {seen}"
    bob.toggle(task_id, "completed", f"list={list_id}")
    assert task_id in alice.tasks(f"list={list_id}&status=completed").values(), (
        "alice does not see bob's completion"
    )


def reminder_by_mail_and_push(ctx: Context) -> None:
    alice = ctx.person("alice")
    alice.page("/settings")  # the page that subscribes; its CSRF token goes in the header
    phone: FakeSubscription = ctx.push.new_subscription()
    answer = post_json(alice.browser, "flow", "/settings/push", phone.json)
    assert 200 <= answer.status < 300, f"/settings/push answered {answer.status}: {answer.body}"
    # Due in a few minutes with a reminder 10 minutes before: its time has passed while
    # the due moment is still ahead, so it goes out at once (reminders/schedule.py).
    due = (datetime.now(UTC) + timedelta(minutes=4)).replace(second=0, microsecond=0)
    title = f"Call{ctx.run} the plumber"
    alice.create(
        title, due_date=due.date().isoformat(), due_time=due.strftime("%H:%M"), remind="10"
    )
    started = time.monotonic()
    mail = ctx.mail_to(alice.email, f"Reminder: {title}")
    ctx.facts["reminder_mail_seconds"] = round(time.monotonic() - started, 1)
    assert mail is not None
    wait_until(
        lambda: any(m.get("title") == f"Reminder: {title}" for m in phone.messages),
        DELIVERY_SECONDS,
        "the reminder at the push service",
        0.25,
    )
    ctx.facts["reminder_push_seconds"] = round(time.monotonic() - started, 1)
    assert ctx.push.problems == [], ctx.push.problems


def request_reset_mail(ctx: Context, person: Person) -> tuple[Browser, str]:
    """Ask for a reset mail from a browser that is logged out; the browser and the path
    of the mail's link."""
    stranger = Browser(ctx.ports, ctx.recorder, timeout=30)
    form = find_form(stranger.get("flow", "/auth/reset").body, action="/auth/reset")
    answer = submit(stranger, "flow", form.set(email=person.email))
    assert answer.status == 302, f"reset request answered {answer.status}"
    mail = ctx.mail_to(person.email, "Reset your todo-web password")
    (link,) = [link for link in links(mail) if "/auth/reset/" in link]
    return stranger, urlsplit(link).path


def password_reset(ctx: Context) -> None:
    alice = ctx.person("alice")
    stranger, path = request_reset_mail(ctx, alice)
    page = stranger.get("flow", path)
    assert page.status == 200, f"the reset link answered {page.status}"
    alice.password = "a brand new password"
    form = find_form(page.body, action=path).set(password=alice.password, confirm=alice.password)
    answer = submit(stranger, "flow", form)
    assert answer.status == 302, f"setting the password answered {answer.status}"
    stranger.close()
    # Every other session was logged out: alice's browser logs in again, with the new one.
    assert alice.browser.get("flow", "/tasks").status == 302, "the old session still works"
    alice.log_in()


FLOWS: list[Callable[[Context], None]] = [
    sign_up_and_log_in,
    create_edit_toggle,
    quick_add_bulk_search,
    import_and_export,
    shared_list,
    reminder_by_mail_and_push,
    password_reset,
]


def run_flows(ctx: Context) -> list[FlowResult]:
    results = []
    for flow in FLOWS:
        started = time.monotonic()
        name = flow.__name__
        try:
            flow(ctx)
        except (AssertionError, TimeoutError) as error:
            results.append(FlowResult(name, False, time.monotonic() - started, str(error)))
        else:
            results.append(FlowResult(name, True, time.monotonic() - started))
        status = "ok" if results[-1].passed else f"FAILED: {results[-1].detail}"
        print(f"  {name:28} {results[-1].seconds:5.1f} s  {status}", flush=True)
    return results
