"""The app on a phone, in Chromium: installable (no installability errors, a manifest
without errors), the offline page when the server cannot be reached, Web Push messages
shown as notifications and a click on one opening its page, and the settings switch.

Installability is only ever reported for a profile on disk (an incognito context never
is), so these tests run in a `launch_persistent_context` of their own. The app is served
by a server the test can stop: Playwright's `set_offline` does not reach a service
worker's own fetches, so "offline" here is the server gone. A push message goes to the
worker through the DevTools protocol (`ServiceWorker.deliverPushMessage`): this Chromium
cannot subscribe to a real push service.

    .venv/bin/python -m tests.browser.test_pwa [--out docs/screenshots]

photographs the offline page at phone size in both themes
(docs/screenshots/offline-phone-<theme>.png) and the app's icon as a phone's launcher shows
it (docs/screenshots/install-icon.png).
"""

from __future__ import annotations

import argparse
import base64
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from todo_web.models import User

from ..database import PROJECT_ROOT
from ..factories import make_task
from ..tcpproxy import TcpProxy
from . import axe
from .conftest import _WATCH_CSP
from .support import CHROMIUM, CHROMIUM_ARGS, DEVICES, log_in, serve

pytestmark = pytest.mark.browser

#: How long a condition may take to come true (the worker installing, a notification).
WAIT_MS = 15_000

#: A key as a server would give it (65 bytes, base64url); the browser here cannot use it
#: with a real push service anyway.
PUBLIC_KEY = (
    "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
)

_NOTIFICATIONS = """
() => navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((shown) => shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data})))
"""

_KEPT_URLS = """
async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      urls.push(url.pathname + url.search);
    }
  }
  return urls;
}
"""

#: A click on the notification tagged `tag`, as the browser would send it to the worker.
_CLICK_NOTIFICATION = """
async (tag) => {
  const [notification] = await self.registration.getNotifications({tag});
  if (!notification) return false;
  self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
  return true;
}
"""


class Server:
    """The app on 127.0.0.1 behind a TCP forwarder, so that `stop()` is a server gone:
    new connections refused and the browser's open (keep-alive) ones cut."""

    def __init__(self, app: Flask) -> None:
        self.stack = ExitStack()
        app_url = self.stack.enter_context(serve(app))
        port = int(app_url.rsplit(":", 1)[1])
        proxy = self.stack.enter_context(TcpProxy("127.0.0.1", port))
        self.url = f"http://127.0.0.1:{proxy.port}"

    def stop(self) -> None:
        self.stack.close()


@pytest.fixture
def server(app: Flask) -> Iterator[Server]:
    running = Server(app)
    yield running
    running.stop()


def wait_until(page: Any, check: Callable[[], Any], what: str, timeout_ms: int = WAIT_MS) -> Any:
    """Ask `check` again until it gives something true; fail after `timeout_ms`. Between
    two asks Playwright waits on `page`, which lets it take in the browser's events."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still not {what} after {timeout_ms} ms (last: {result!r})")
        page.wait_for_timeout(50)


def launch_profile(browser: Any, folder: Path, base_url: str, **options: Any) -> Any:
    """Chromium with a profile on disk (installability needs one), on the app at base_url."""
    context = browser.browser_type.launch_persistent_context(
        str(folder),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        base_url=base_url,
        **options,
    )
    context.set_default_timeout(10_000)
    return context


def wait_for_worker(page: Any) -> None:
    """Until the service worker is active and controls `page` (reloaded once, should the
    worker not have claimed it)."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=WAIT_MS)


class Watched:
    """A persistent context whose pages are watched for CSP violations and script errors,
    as tests/browser/conftest.py's `pages` does."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.errors: list[str] = []
        context.add_init_script(_WATCH_CSP)
        # A persistent context starts with a blank page of its own.
        self.page = context.pages[0] if context.pages else context.new_page()
        page = self.page
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def check(self) -> None:
        violations: list[str] = []
        for page in self.context.pages:
            if page.url.startswith("http"):
                violations += page.evaluate("window.__cspViolations || []")
        assert not violations, f"Content-Security-Policy violations: {violations}"
        assert not self.errors, f"script errors: {self.errors}"


@pytest.fixture
def profile(browser: Any, server: Server, tmp_path: Path) -> Iterator[Watched]:
    """A phone-sized Chromium with a profile of its own, allowed to show notifications."""
    context = launch_profile(
        browser, tmp_path / "profile", server.url, viewport=DEVICES["phone"]["viewport"]
    )
    context.grant_permissions(["notifications"], origin=server.url)
    watched = Watched(context)
    try:
        yield watched
        watched.check()
    finally:
        context.close()


def test_the_app_is_installable(profile: Watched) -> None:
    page = profile.page
    page.goto("/auth/login")
    wait_for_worker(page)

    cdp = profile.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == []
    parsed = json.loads(manifest["data"])
    assert parsed["start_url"] == "/tasks" and parsed["display"] == "standalone"
    scopes = [
        worker.url for worker in profile.context.service_workers if worker.url.endswith("/sw.js")
    ]
    assert scopes, "no service worker"


def test_offline_page_when_the_server_is_gone(
    profile: Watched, server: Server, alice: User, tmp_path: Path
) -> None:
    page = profile.page
    log_in(page)
    wait_for_worker(page)
    page.goto("/settings")  # a user's page, seen while the worker runs
    expect(page.locator("h1")).to_have_text("Settings")

    kept = page.evaluate(_KEPT_URLS)
    assert "/offline" in kept
    assert all(url == "/offline" or url.startswith("/static/") for url in kept), kept
    assert not any(url.startswith(("/tasks", "/settings")) for url in kept)

    server.stop()
    page.goto("/tasks")

    expect(page.locator("h1")).to_have_text("You are offline")
    assert page.url.endswith("/tasks")  # the address stays: "Try again" loads it
    expect(page.get_by_role("button", name="Try again")).to_have_attribute("href", "/tasks")
    # Its look came from the worker's copies of the stylesheets.
    assert page.locator(".offline-page").evaluate("e => getComputedStyle(e).textAlign") == (
        "center"
    )
    assert page.evaluate("() => document.styleSheets.length") == 2
    page.screenshot(path=str(tmp_path / "offline.png"), caret="initial")
    # A fragment or data request is not the worker's business: it simply fails.
    failed = page.evaluate(
        "() => fetch('/tasks?view=today').then(() => 'answered', () => 'failed')"
    )
    assert failed == "failed"


def deliver_push(profile: Watched, page: Any, origin: str, message: str) -> None:
    """Hand `message` to the worker as a push message from the push service."""
    cdp = profile.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    wait_until(
        page,
        lambda: [r for r in registrations if r["scopeURL"] == origin + "/" and not r["isDeleted"]],
        "told the worker's registration",
    )
    registration = next(r for r in registrations if r["scopeURL"] == origin + "/")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration["registrationId"], "data": message},
    )


def shown(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(_NOTIFICATIONS)


#: Headless Chromium here now and then loses a notification: the worker's showNotification
#: resolves, yet getNotifications never lists it (3 runs in 10 for a single message, seen
#: with the worker's showNotification recorded as resolved; no D-Bus notification server
#: in this container, and --disable-features=SystemNotifications did not change it). The
#: worker's handler is the same every time, so a message that did not show is delivered
#: again, at most this many times in all.
DELIVERIES = 4


def push_until_shown(
    profile: Watched, page: Any, origin: str, message: str, body: str
) -> dict[str, Any]:
    """Deliver `message` until a notification with this `body` shows; that notification."""
    for delivery in range(1, DELIVERIES + 1):
        deliver_push(profile, page, origin, message)
        try:
            return wait_until(
                page,
                lambda: next((n for n in shown(page) if n["body"] == body), None),
                f"shown {body!r}",
                timeout_ms=5_000,
            )
        except AssertionError:
            if delivery == DELIVERIES:
                raise
    raise AssertionError("unreachable")


def test_a_push_message_is_a_notification_that_opens_its_task(
    profile: Watched, server: Server, alice: User, db_session: Session
) -> None:
    task = make_task(db_session, alice, "Pay rent")
    page = profile.page
    log_in(page)
    wait_for_worker(page)
    assert page.evaluate("() => Notification.permission") == "granted"

    message = {
        "title": "Reminder: Pay rent",
        "body": "Due today at 10:00",
        "url": f"/tasks/{task.id}",
        "tag": f"reminder-{task.id}",
    }
    push_until_shown(profile, page, server.url, json.dumps(message), "Due today at 10:00")

    assert shown(page) == [
        {
            "title": "Reminder: Pay rent",
            "body": "Due today at 10:00",
            "tag": f"reminder-{task.id}",
            "data": {"url": f"/tasks/{task.id}"},
        }
    ]

    # The click: the open page goes to the task, and the notification goes away.
    worker = next(w for w in profile.context.service_workers if w.url.endswith("/sw.js"))
    assert worker.evaluate(_CLICK_NOTIFICATION, f"reminder-{task.id}")
    page.wait_for_url(f"**/tasks/{task.id}")
    expect(page.locator("main")).to_contain_text("Pay rent")
    wait_until(page, lambda: shown(page) == [], "closed the notification")


def test_a_push_message_with_missing_fields_still_shows(
    profile: Watched, server: Server, alice: User
) -> None:
    page = profile.page
    log_in(page)
    wait_for_worker(page)

    text = "Your tasks for today are ready"
    assert push_until_shown(profile, page, server.url, text, text) == {
        "title": "todo-web",
        "body": text,
        "tag": "",
        "data": {"url": "/tasks"},
    }
    elsewhere = json.dumps({"body": "Elsewhere", "url": "https://evil.test/"})
    assert push_until_shown(profile, page, server.url, elsewhere, "Elsewhere") == {
        "title": "todo-web",
        "body": "Elsewhere",
        "tag": "",
        "data": {"url": "/tasks"},
    }


def test_settings_switch_explains_a_failed_subscription(
    profile: Watched, app: Flask, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This Chromium has no push service to subscribe to: the switch goes back off and
    says why (a real browser would go on to tell the server)."""
    monkeypatch.setitem(app.jinja_env.globals, "push_public_key", PUBLIC_KEY)
    page = profile.page
    log_in(page)
    wait_for_worker(page)
    page.goto("/settings#push")

    switch = page.locator("#push-enabled")
    status = page.locator("#push-status")
    expect(status).to_have_text("Notifications are off for this device.")
    expect(switch).to_be_enabled()
    expect(switch).not_to_be_checked()
    expect(page.locator("#push-test")).to_be_disabled()
    assert axe.blocking(axe.violations(page)) == []

    switch.check()

    expect(status).to_have_text("Subscribing this browser…")
    # push.js gives the browser's push service 20 s.
    expect(status).to_contain_text("could not subscribe to push notifications", timeout=30_000)
    expect(status).to_contain_text("the browser's push service did not answer")
    expect(status).to_have_attribute("data-kind", "error")
    expect(switch).not_to_be_checked()
    expect(switch).to_be_enabled()
    expect(page.locator("#push-test")).to_be_disabled()
    assert axe.blocking(axe.violations(page)) == []  # the error's colour too


# -- screenshots -------------------------------------------------------------------------------

#: A launcher's screen: the icon as it is, and the maskable one in the shapes phones cut.
_LAUNCHER = """<!doctype html>
<html><head><meta charset="utf-8"><style>
  body {{ margin: 0; font: 14px/1.3 system-ui, sans-serif; display: flex; }}
  section {{ flex: 1; padding: 28px 24px 32px; }}
  .light {{ background: linear-gradient(160deg, #dfe7f5, #f6f0e6); color: #1b1d22; }}
  .dark {{ background: linear-gradient(160deg, #10131c, #2a2338); color: #f2f2f5; }}
  h2 {{ font-size: 15px; font-weight: 600; margin: 0 0 20px; opacity: 0.75; }}
  .row {{ display: flex; gap: 28px; }}
  figure {{ margin: 0; width: 96px; text-align: center; }}
  img {{ width: 72px; height: 72px; display: block; margin: 0 auto 8px;
         box-shadow: 0 2px 6px rgba(0, 0, 0, 0.25); }}
  .as-is img {{ box-shadow: none; filter: drop-shadow(0 2px 3px rgba(0, 0, 0, 0.25)); }}
  .circle img {{ border-radius: 50%; }}
  .squircle img {{ border-radius: 22%; }}
  figcaption {{ font-size: 12px; }}
  figcaption small {{ display: block; opacity: 0.6; font-size: 10px; margin-top: 2px; }}
</style></head><body>
{sections}
</body></html>
"""

_SECTION = """<section class="{theme}"><h2>{title}</h2><div class="row">
  <figure class="as-is"><img src="{icon}" alt=""><figcaption>todo-web
    <small>icon-192</small></figcaption></figure>
  <figure class="circle"><img src="{maskable}" alt=""><figcaption>todo-web
    <small>maskable, circle</small></figcaption></figure>
  <figure class="squircle"><img src="{maskable}" alt=""><figcaption>todo-web
    <small>maskable, rounded</small></figcaption></figure>
</div></section>"""


def _data_url(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def take_screenshots(out: Path) -> list[Path]:
    """docs/screenshots/offline-phone-{light,dark}.png and install-icon.png."""
    from playwright.sync_api import sync_playwright

    from .screenshots import _app

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    phone = {**DEVICES["phone"], "device_scale_factor": 1}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        server = Server(_app(tmp))
        contexts = []
        try:
            for theme in ("light", "dark"):
                context = playwright.chromium.launch_persistent_context(
                    str(Path(tmp) / f"profile-{theme}"),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    base_url=server.url,
                    color_scheme=theme,
                    reduced_motion="reduce",
                    **phone,
                )
                contexts.append((theme, context))
                page = context.pages[0] if context.pages else context.new_page()
                page.goto("/auth/login")
                wait_for_worker(page)
            server.stop()
            for theme, context in contexts:
                page = context.pages[0]
                page.goto("/tasks")
                expect(page.locator("h1")).to_have_text("You are offline")
                path = out / f"offline-phone-{theme}.png"
                page.screenshot(path=str(path), animations="disabled", caret="hide")
                written.append(path)
        finally:
            server.stop()
            for _theme, context in contexts:
                context.close()

        icons = PROJECT_ROOT / "static" / "icons"
        icon, maskable = (
            _data_url(icons / "icon-192.png"),
            _data_url(icons / "icon-maskable-512.png"),
        )
        sections = "".join(
            _SECTION.format(theme=theme, title=title, icon=icon, maskable=maskable)
            for theme, title in (("light", "Light home screen"), ("dark", "Dark home screen"))
        )
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 760, "height": 190}, device_scale_factor=2)
        page.set_content(_LAUNCHER.format(sections=sections))
        page.wait_for_function("() => [...document.images].every((i) => i.complete)")
        path = out / "install-icon.png"
        page.screenshot(path=str(path), full_page=True)
        written.append(path)
        browser.close()
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=take_screenshots.__doc__)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    for written_path in take_screenshots(parser.parse_args().out):
        print(written_path)
