"""What the app needs to know about htmx requests. Every `HX-*` request header is read
here, nowhere else.

A request gets a fragment only when htmx sent it for a partial swap: `HX-Request` set,
not a boosted navigation and not a history restore (those want the whole page).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, request
from flask_wtf.csrf import generate_csrf

from .safe_redirect import safe_next_path


def wants_fragment() -> bool:
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def add_vary_header(response: Response) -> Response:
    """Pages answer differently with and without HX-Request; caches must keep both."""
    response.vary.add("HX-Request")
    return response


def add_csrf_token_header(response: Response) -> Response:
    """Every htmx answer carries the session's current CSRF token (`X-CSRF-Token`), which
    static/app.js copies into the page: when the session is renewed under an open page
    (a password change, a new login in another tab), its next request still passes."""
    if is_htmx():
        response.headers["X-CSRF-Token"] = generate_csrf()
    return response


def retarget(response: Response, target: str, swap: str = "outerHTML") -> Response:
    """Have htmx put this answer somewhere other than the element that asked: a form's
    errors back into the form, a toast into the toast region, a refreshed list."""
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = swap
    return response


def current_url() -> str:
    """The address of the page that sent an htmx request (`HX-Current-URL`); empty when
    the request does not say."""
    return request.headers.get("HX-Current-URL", "")


def current_page() -> str | None:
    """The path and query of the page that sent an htmx request, when it is a page of this
    site; None when the request does not say or names another site.

    This, not the request's own URL (a fragment such as /tasks/quick/preview), is where a
    user should come back to: after logging in again, for instance.
    """
    parts = urlsplit(current_url())
    if parts.scheme not in {"http", "https"} or parts.netloc != request.host:
        return None
    return safe_next_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def trigger() -> str:
    """The id of the element that triggered an htmx request (`HX-Trigger`), or empty."""
    return request.headers.get("HX-Trigger", "")


def send_page_to(response: Response, url: str) -> Response:
    """Have htmx load `url` as a whole page (`HX-Redirect`) instead of swapping the answer."""
    response.headers["HX-Redirect"] = url
    return response


def push_url(response: Response, url: str) -> Response:
    """Have htmx put `url` in the address bar and history (`HX-Push-Url`)."""
    response.headers["HX-Push-Url"] = url
    return response
