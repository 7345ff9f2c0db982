"""Fixtures for the browser tests: one headless Chromium for the whole run, a fresh browser
context (cookies, storage, screen size) for every page a test opens, and the app served
over real HTTP on 127.0.0.1 against the test database (emptied before each test by the
`app` fixture).

Without /usr/bin/chromium the tests are skipped, except in CI (CI=true), where that is a
failure: .ci/run installs it.

Every page watches itself: a Content-Security-Policy violation or an uncaught script error
fails the test at teardown, so the normal flows also prove that the CSP (no inline script
or style) and the scripts get along.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from .support import DEVICES, chromium_available, launch, log_in, serve

try:  # a loaded machine (CI runs two suites) is slower than a developer's
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
except ImportError:
    pass

# Collected from the page by a script Playwright adds before any of the page's own (init
# scripts run through the DevTools protocol, outside the page's CSP).
_WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not chromium_available():
        message = "Chromium is not installed (apt-get install chromium; .ci/run does)"
        if in_ci:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci:
            pytest.fail("playwright is not installed (pip install -e '.[test]')", pytrace=False)
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


class Gate:
    """WSGI middleware that holds answers to chosen paths (exact) until the test lets them
    through, so a test sees the app waiting without guessing how long is long enough."""

    #: A held request gives up waiting after this long, so a failed test cannot hang the run.
    LIMIT_SECONDS = 60

    def __init__(self, app: Any) -> None:
        self.app = app
        self.held: dict[str, threading.Event] = {}
        self.lock = threading.Lock()

    def hold(self, path: str) -> threading.Event:
        """Hold requests to `path` until the returned event is set."""
        with self.lock:
            self.held[path] = released = threading.Event()
        return released

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            released = self.held.get(environ["PATH_INFO"])
        if released is not None:
            released.wait(self.LIMIT_SECONDS)
        return self.app(environ, start_response)


@pytest.fixture
def gate(app: Flask) -> Gate:
    """`released = gate.hold("/tasks")` keeps the server from answering until
    `released.set()`."""
    middleware = Gate(app.wsgi_app)
    app.wsgi_app = middleware  # type: ignore[method-assign]
    return middleware


@pytest.fixture
def app_url(app: Flask, gate: Gate) -> Iterator[str]:
    with serve(app) as url:
        yield url


class Pages:
    """Opens pages, each in a context of its own, and checks them when the test ends."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[Any] = []
        self.quiet_contexts: list[Any] = []
        self.errors: list[str] = []
        self.pages: list[Any] = []

    def open(self, device: str = "desktop", **options: Any) -> Any:
        context = self.browser.new_context(base_url=self.base_url, **{**DEVICES[device], **options})
        context.set_default_timeout(10_000)
        if options.get("java_script_enabled", True):
            context.add_init_script(_WATCH_CSP)
            self.contexts.append(context)
        else:
            self.quiet_contexts.append(context)  # no scripts: nothing to watch with
        return self.new_page(context)

    def new_page(self, context: Any) -> Any:
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        self.pages.append(page)
        return page

    def csp_violations(self) -> list[str]:
        found: list[str] = []
        for page in self.pages:
            if page.context in self.quiet_contexts:
                continue
            if page.is_closed() or not page.url.startswith(self.base_url):
                continue
            found += page.evaluate("window.__cspViolations || []")
        return found

    def close(self) -> None:
        for context in self.contexts + self.quiet_contexts:
            context.close()


@pytest.fixture
def pages(browser: Any, app_url: str) -> Iterator[Pages]:
    opened = Pages(browser, app_url)
    yield opened
    try:
        violations = opened.csp_violations()
        assert not violations, f"Content-Security-Policy violations: {violations}"
        assert not opened.errors, f"script errors: {opened.errors}"
    finally:
        opened.close()


@pytest.fixture(params=["desktop", "phone"])
def device(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def page(pages: Pages) -> Any:
    """A desktop page, logged out."""
    return pages.open()


@pytest.fixture
def logged_in(pages: Pages, alice: Any) -> Callable[..., Any]:
    """`logged_in(device="phone")`: a page of Alice's, on her task list."""

    def open_page(device: str = "desktop", **options: Any) -> Any:
        page = pages.open(device, **options)
        log_in(page)
        return page

    return open_page
