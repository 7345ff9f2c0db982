"""The app on a phone's home screen: the web app manifest, the service worker, the offline page.

`GET /manifest.webmanifest` names the app, where it starts and its icons, so a browser
offers to install it. `GET /sw.js` is the service worker (templates/pwa/sw.js), at the
site's root so its scope is every page. It keeps a copy of the static files the pages use
(by their fingerprinted URLs, see todo_web/assets.py) and of `GET /offline`, and shows
that page when a page cannot be loaded for want of a network. A user's pages, fragments
and data always go to the server and are never kept. It also shows the Web Push
notifications the server sends (reminders).

The worker's text carries a version computed from the fingerprinted URLs it keeps and
from the offline page: when a static file changes, so does /sw.js, and the browser
installs the new worker, which drops the old copies.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, render_template, request, url_for

bp = Blueprint("pwa", __name__)

#: Static files the pages load (base.html and the pages' own scripts) and the icons: kept
#: by the service worker, so a page opens without asking for them and the offline page
#: has its look. tests/test_pwa.py checks that every static file a page links is here.
PRECACHED_STATIC = (
    "vendor/pico.min.css",
    "app.css",
    "vendor/htmx.min.js",
    "app.js",
    "keys.js",
    "phone.js",
    "live.js",
    "reorder.js",
    "vendor/Sortable.min.js",
    "settings.js",
    "push.js",
    "favicon.svg",
    "icons/apple-touch-icon.png",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
)

#: The palette (static/app.css): the accent, and the page's background in each theme
#: (Pico's, which app.css keeps). The browser's bar takes the page's background, so it
#: reads as part of the page; the manifest's theme colour is the accent.
ACCENT = "#6550e0"
BACKGROUND_LIGHT = "#ffffff"
BACKGROUND_DARK = "#13171f"  # rgb(19, 22.5, 30.5)


@bp.app_context_processor
def theme_colors() -> dict[str, str]:
    return {"theme_color_light": BACKGROUND_LIGHT, "theme_color_dark": BACKGROUND_DARK}


def manifest_data() -> dict[str, object]:
    def icon(filename: str, size: int, purpose: str = "any") -> dict[str, str]:
        return {
            "src": url_for("static", filename=f"icons/{filename}"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": purpose,
        }

    return {
        "id": "/",
        "name": "todo-web",
        "short_name": "todo-web",
        "description": "Your tasks, lists and reminders, on every device.",
        "lang": "en",
        "start_url": url_for("tasks.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": BACKGROUND_LIGHT,
        "theme_color": ACCENT,
        "icons": [
            icon("icon-192.png", 192),
            icon("icon-512.png", 512),
            icon("icon-maskable-512.png", 512, "maskable"),
        ],
    }


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    response = Response(json.dumps(manifest_data(), indent=2), mimetype="application/manifest+json")
    # Short-lived: a browser checks now and then for a changed manifest (its icons'
    # fingerprinted URLs change with the icons).
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def precache_urls() -> list[str]:
    return [url_for("static", filename=filename) for filename in PRECACHED_STATIC]


def cache_version(urls: list[str], offline_page: str) -> str:
    """A short hash of what the worker keeps: the fingerprinted URLs and the offline page."""
    digest = hashlib.sha256()
    for url in urls:
        digest.update(url.encode() + b"\n")
    digest.update(offline_page.encode())
    return digest.hexdigest()[:16]


@bp.get("/sw.js")
def service_worker() -> Response:
    urls = precache_urls()
    body = render_template(
        "pwa/sw.js",
        version=cache_version(urls, render_offline_page()),
        precache=urls,
        offline_url=url_for("pwa.offline"),
        start_url=url_for("tasks.index"),
        icon_url=url_for("static", filename="icons/icon-192.png"),
    )
    response = Response(body, mimetype="text/javascript")
    # The browser asks for the worker again on every navigation (at most once a day
    # without this); no-cache makes every check reach the server, answered 304 when the
    # worker has not changed.
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def render_offline_page() -> str:
    return render_template("pwa/offline.html")


@bp.get("/offline")
def offline() -> Response:
    """What the service worker shows when a page cannot be reached; public, and the same
    for everybody (it is kept by the browser for whoever uses it next)."""
    response = Response(render_offline_page(), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response
