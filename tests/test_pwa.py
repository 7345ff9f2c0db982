"""The app on a phone (todo_web/pwa.py): the manifest, the service worker, the offline page,
and the settings section that turns Web Push on (static/push.js; tests/browser/test_pwa.py
runs them in Chromium)."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

import todo_web
from todo_web import PROJECT_ROOT
from todo_web.pwa import PRECACHED_STATIC

from .client import Client

#: An application server key as the server would give it (65 bytes, base64url).
PUBLIC_KEY = (
    "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (which always comes first)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def precache_list(sw: str) -> list[str]:
    match = re.search(r"^const PRECACHE = (\[.*\]);$", sw, re.MULTILINE)
    assert match, "no PRECACHE list in sw.js"
    return json.loads(match.group(1))


def sw_version(sw: str) -> str:
    match = re.search(r'^const VERSION = "([0-9a-f]+)";$', sw, re.MULTILINE)
    assert match, "no VERSION in sw.js"
    return match.group(1)


def static_links(html: str) -> set[str]:
    return set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html))


# -- the manifest --------------------------------------------------------------------------


def test_manifest_describes_an_installable_app(client: Client) -> None:
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "todo-web"
    assert manifest["short_name"] and len(manifest["short_name"]) <= 12
    assert manifest["description"]
    assert manifest["start_url"] == "/tasks"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    # The palette: the page's background, the accent (static/app.css).
    assert manifest["background_color"] == "#ffffff"
    assert manifest["theme_color"] == "#6550e0"
    palette = (PROJECT_ROOT / "static" / "app.css").read_text()
    assert f"--todo-accent: {manifest['theme_color']};" in palette


def test_manifest_icons_are_pngs_of_the_stated_size(client: Client) -> None:
    icons = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))["icons"]

    by_purpose = {(icon["sizes"], icon.get("purpose", "any")) for icon in icons}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= by_purpose
    for icon in icons:
        assert re.fullmatch(r"/static/icons/[\w-]+\.png\?v=[0-9a-f]{12}", icon["src"]), icon
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        assert response.mimetype == "image/png"
        assert icon["type"] == "image/png"
        width, height = png_size(response.get_data())
        assert f"{width}x{height}" == icon["sizes"], icon["src"]
    maskable = next(icon for icon in icons if icon.get("purpose") == "maskable")
    assert "icon-maskable-512.png" in maskable["src"]


def test_every_page_links_the_manifest_and_theme_colours(
    client: Client, alice_client: Client
) -> None:
    for browser, path in (
        (client, "/auth/login"),
        (client, "/auth/register"),
        (client, "/offline"),
        (alice_client, "/tasks"),
        (alice_client, "/settings"),
        (client, "/no-such-page"),  # an error page
    ):
        page = browser.get(path).get_data(as_text=True)
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page, path
        assert re.search(
            r'<meta name="theme-color" media="\(prefers-color-scheme: light\)" content="#ffffff">',
            page,
        ), path
        assert re.search(
            r'<meta name="theme-color" media="\(prefers-color-scheme: dark\)" content="#13171f">',
            page,
        ), path


def test_manifest_and_worker_need_no_login(client: Client) -> None:
    for path in ("/manifest.webmanifest", "/sw.js", "/offline"):
        response = client.get(path)
        assert response.status_code == 200, path


# -- the service worker ---------------------------------------------------------------------


def test_worker_headers(client: Client) -> None:
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Service-Worker-Allowed" not in response.headers  # at the root: scope / already
    etag = response.headers["ETag"]
    again = client.get("/sw.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_worker_keeps_the_static_files_and_the_offline_page(client: Client) -> None:
    sw = client.get("/sw.js").get_data(as_text=True)

    urls = precache_list(sw)
    assert len(urls) == len(PRECACHED_STATIC) == len(set(urls))
    for url in urls:
        assert re.fullmatch(r"/static/[\w./-]+\?v=[0-9a-f]{12}", url), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"].endswith("immutable"), url
    assert 'const OFFLINE_URL = "/offline";' in sw
    assert re.search(r'^const ICON_URL = "/static/icons/icon-192\.png\?v=[0-9a-f]{12}";$', sw, re.M)


def test_worker_keeps_every_static_file_the_pages_link(
    client: Client, alice_client: Client
) -> None:
    """Otherwise a page would load a file the worker never kept, and the offline page
    would show without its look."""
    kept = set(precache_list(client.get("/sw.js").get_data(as_text=True)))
    linked: set[str] = set()
    for browser, path in (
        (client, "/auth/login"),
        (client, "/offline"),
        (alice_client, "/tasks"),
        (alice_client, "/settings"),
    ):
        linked |= static_links(browser.get(path).get_data(as_text=True))
    assert linked, "no static links found"
    assert linked <= kept, f"linked but not kept: {sorted(linked - kept)}"


def test_worker_version_follows_the_static_files(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A changed static file changes /sw.js, so the browser installs the new worker."""
    # An app whose static folder is a copy, so the test can change a file in it.
    root = tmp_path / "project"
    root.mkdir()
    (root / "templates").symlink_to(PROJECT_ROOT / "templates")
    shutil.copytree(PROJECT_ROOT / "static", root / "static")
    monkeypatch.setattr(todo_web, "PROJECT_ROOT", root)
    client = make_app().test_client()

    first = client.get("/sw.js").get_data(as_text=True)
    assert client.get("/sw.js").get_data(as_text=True) == first  # stable while nothing changes

    css = root / "static" / "app.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    stat = css.stat()
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = client.get("/sw.js").get_data(as_text=True)

    assert sw_version(second) != sw_version(first)
    changed = set(precache_list(second)) ^ set(precache_list(first))
    assert {url.split("?")[0] for url in changed} == {"/static/app.css"}
    # The file as the worker will fetch it: the new bytes under the new URL.
    new_url = next(url for url in precache_list(second) if url.startswith("/static/app.css?"))
    assert client.get(new_url).get_data().endswith(b"/* changed */\n")


def test_worker_fetch_rules(client: Client) -> None:
    """The rules themselves run in Chromium (tests/browser/test_pwa.py); here, that the
    worker has no way of keeping anything but fingerprinted static files and the offline
    page: its only writes to the cache."""
    sw = client.get("/sw.js").get_data(as_text=True)
    writes = re.findall(r"cache\.(put|add|addAll)\(", sw)
    assert sorted(writes) == ["addAll", "put"]
    assert 'url.pathname.startsWith("/static/")' in sw and 'url.searchParams.has("v")' in sw
    assert 'request.method !== "GET"' in sw


# -- the offline page -----------------------------------------------------------------------


def test_offline_page_is_public_and_the_same_for_everybody(
    client: Client, alice_client: Client
) -> None:
    response = client.get("/offline")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "You are offline" in page
    assert re.search(r'<a href="/tasks" role="button">Try again</a>', page)
    assert "<script" not in page and " style=" not in page and "<style" not in page
    # Kept by the browser for whoever uses it: nothing of the user in it, no CSRF token.
    assert alice_client.get("/offline").get_data(as_text=True) == page
    assert "csrf" not in page.lower()


# -- the Content-Security-Policy ------------------------------------------------------------


def test_csp_allows_the_worker_and_the_manifest(client: Client) -> None:
    for path in ("/auth/login", "/sw.js", "/offline"):
        csp = client.get(path).headers["Content-Security-Policy"]
        directives = {
            name: value
            for name, _, value in (part.strip().partition(" ") for part in csp.split(";"))
        }
        assert directives["worker-src"] == "'self'", path
        assert directives["manifest-src"] == "'self'", path
        assert directives["script-src"] == "'self'", path


# -- settings: notifications on this device -------------------------------------------------


def test_push_section_without_push_on_the_server(
    alice_client: Client, monkeypatch: pytest.MonkeyPatch, app: Flask
) -> None:
    monkeypatch.setitem(app.jinja_env.globals, "push_public_key", None)
    page = alice_client.get("/settings").get_data(as_text=True)

    section = page[page.index('<section id="push"') :]
    section = section[: section.index("</section>")]
    assert "not set up on this server" in section
    assert "e-mail" in section
    assert "data-public-key" not in section
    assert 'id="push-enabled"' not in section and "/static/push.js" not in page


def test_push_section_with_push_on_the_server(
    alice_client: Client, monkeypatch: pytest.MonkeyPatch, app: Flask
) -> None:
    monkeypatch.setitem(app.jinja_env.globals, "push_public_key", PUBLIC_KEY)
    page = alice_client.get("/settings").get_data(as_text=True)

    section = re.search(r'<section id="push"[^>]*>', page)
    assert section and f'data-public-key="{PUBLIC_KEY}"' in section.group()
    assert re.search(
        r'<input type="checkbox" role="switch" id="push-enabled"[^>]*> Notify me', page
    )
    assert re.search(r'<button type="button" id="push-test"[^>]*disabled>Send a test', page)
    assert re.search(r'<p id="push-status"[^>]*aria-live="polite"', page)
    assert re.search(r'<script src="/static/push\.js\?v=[0-9a-f]{12}" defer></script>', page)
    assert '<a href="#push">' in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate ids on the page"
