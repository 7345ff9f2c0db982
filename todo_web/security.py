"""Security headers on every answer, and the cookie names used over HTTPS.

The Content-Security-Policy allows no inline script or style at all: htmx is configured
(the htmx-config meta tag in base.html) not to inject its indicator styles and not to
evaluate code, and every script and stylesheet is a file under /static.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        # The service worker (/sw.js) and the web app manifest; 'self' is what
        # default-src gives them too, said here so that narrowing default-src cannot
        # silently stop the app from installing or working offline.
        "worker-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

HSTS = "max-age=31536000; includeSubDomains"
#: An answer drawn for a logged-in user: no shared cache may keep it, and the browser keeps
#: no copy either (a shared computer, the back button after logging out).
PRIVATE = "private, no-store"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        # What governs a document (a page, the service worker): a stylesheet or script
        # answer does not use them, and each costs every static file on the first load.
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _for_a_logged_in_user():
        headers.setdefault("Cache-Control", PRIVATE)
    return response


def _for_a_logged_in_user() -> bool:
    """Whether this request ran as a logged-in user. Read from what Flask-Login already
    loaded (nothing loads the user for this: a static file stays a free lookup)."""
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated)


def init_app(app: Flask) -> None:
    """Headers on every answer; ``__Host-`` cookie names whenever cookies are Secure.

    A ``__Host-`` cookie must be Secure, have Path=/ and no Domain, so a sibling subdomain
    cannot plant or overwrite it.
    """
    if app.config["SESSION_COOKIE_SECURE"]:
        app.config.setdefault("SESSION_COOKIE_NAME", "__Host-session")
        if app.config["SESSION_COOKIE_NAME"] == "session":
            app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        app.config["REMEMBER_COOKIE_NAME"] = "__Host-remember_token"
        app.config["SESSION_COOKIE_DOMAIN"] = None
        app.config["SESSION_COOKIE_PATH"] = "/"
    app.after_request(add_security_headers)
