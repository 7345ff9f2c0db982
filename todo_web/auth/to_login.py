"""Sending a logged-out browser to the login page, with `next` the page to come back to.

`next` is always a page a person can land on: the page an htmx request came from (never
the fragment it asked for, which would show bare and unstyled after login), the address a
plain GET asked for, or, for a plain form POST, the page the form was on (its `next`
field). An htmx request is answered with `HX-Redirect`, so the whole page goes to the
login form instead of a login form being swapped into a task row.
"""

from __future__ import annotations

from flask import Response, make_response, redirect, request, url_for

from ..htmx import current_page, is_htmx, send_page_to, wants_fragment
from ..safe_redirect import safe_next_path

#: Where a request that does not say which page it came from comes back to.
DEFAULT_PAGE = "/tasks"


def page_to_come_back_to() -> str:
    if wants_fragment():
        page = current_page()
    elif request.method in {"GET", "HEAD"}:
        page = safe_next_path(request.full_path.rstrip("?"))
    else:
        page = safe_next_path(request.form.get("next")) or current_page()
    # The login form is no page to come back to after logging in.
    if not page or page.startswith("/auth/"):
        return DEFAULT_PAGE
    return page


def login_url() -> str:
    return url_for("auth.login", next=page_to_come_back_to())


def send_to_login(status: int = 401) -> Response:
    """The answer to a request that needs a login. htmx gets an empty `status` answer with
    HX-Redirect; anything else a redirect."""
    if is_htmx():
        return send_page_to(make_response("", status), login_url())
    return redirect(login_url())
