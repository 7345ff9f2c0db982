"""Settings read from the environment, in one place.

`load_config()` turns the process environment into the dict that `create_app()` puts into
`app.config`. Anything passed to `create_app(config=...)` is applied on top, which is how the
tests point the app at their own database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from limits import parse_many

from .ratelimit import DEFAULT_LIMITS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = PROJECT_ROOT / "instance"

#: The driver we ship. SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3.
POSTGRES_DRIVER_PREFIX = "postgresql+psycopg2://"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable app; raised at start-up."""


def normalize_database_url(url: str) -> str:
    """Map the URLs hosting providers hand out (``postgres://``, ``postgresql://``) to psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return POSTGRES_DRIVER_PREFIX + url[len(prefix) :]
    return url


def default_sqlite_url(instance_path: str | Path) -> str:
    return f"sqlite:///{Path(instance_path) / 'todo.sqlite3'}"


def database_url_from_env(
    instance_path: str | Path, environ: Mapping[str, str] | None = None
) -> str:
    """The database URL the app and Alembic both use: DATABASE_URL or the instance SQLite file."""
    environ = os.environ if environ is None else environ
    url = environ.get("DATABASE_URL", "").strip()
    return normalize_database_url(url) if url else default_sqlite_url(instance_path)


def _int(environ: Mapping[str, str], name: str, default: int, *, minimum: int | None = None) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


#: The push services of Chrome, Edge, Firefox and Safari (and browsers built on them).
DEFAULT_PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com, *.notify.windows.com, *.push.services.mozilla.com, "
    "web.push.apple.com, *.push.apple.com"
)


def _host_patterns(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (the first when unset)."""
    raw = (environ.get(name) or choices[0]).strip().lower()
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _rate_limits(environ: Mapping[str, str]) -> dict[str, str]:
    """The throttles' limits set in the environment, checked now: a typo stops the start
    with a message instead of failing the first login."""
    chosen = {}
    for name in DEFAULT_LIMITS:
        raw = environ.get(name, "").strip()
        if not raw:
            continue
        try:
            parse_many(raw)
        except ValueError as error:
            raise ConfigError(
                f'{name} must be limits such as "5 per minute; 30 per hour", not {raw!r}'
            ) from error
        chosen[name] = raw
    return chosen


def load_environment_config() -> dict[str, Any]:
    """What `create_app()` starts from: the `.env` file of the project (development),
    then the process environment, read by `load_config`. gunicorn.conf.py reads the same."""
    load_dotenv(PROJECT_ROOT / ".env")
    return load_config(INSTANCE_PATH)


def load_config(
    instance_path: str | Path, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Every setting the app reads from the environment, with its default.

    SECRET_KEY is left as None when unset; `create_app` decides whether that is fatal
    (it is, unless the app runs in debug or testing mode).
    """
    environ = os.environ if environ is None else environ
    return {
        "SECRET_KEY": environ.get("SECRET_KEY") or None,
        "DATABASE_URL": database_url_from_env(instance_path, environ),
        "DATABASE_POOL_SIZE": _int(environ, "DATABASE_POOL_SIZE", 5),
        "DATABASE_MAX_OVERFLOW": _int(environ, "DATABASE_MAX_OVERFLOW", 5),
        # Seconds to wait for a pooled connection before giving up with a 503.
        "DATABASE_POOL_TIMEOUT": _int(environ, "DATABASE_POOL_TIMEOUT", 5),
        # Neon closes idle connections; recycle before it does.
        "DATABASE_POOL_RECYCLE": _int(environ, "DATABASE_POOL_RECYCLE", 300),
        # PostgreSQL time limits, in milliseconds, set in every transaction (0 = none): one
        # slow query or held lock must not keep a web worker busy for long. See db.py.
        "DATABASE_STATEMENT_TIMEOUT_MS": _int(
            environ, "DATABASE_STATEMENT_TIMEOUT_MS", 5000, minimum=0
        ),
        "DATABASE_LOCK_TIMEOUT_MS": _int(environ, "DATABASE_LOCK_TIMEOUT_MS", 2000, minimum=0),
        "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS": _int(
            environ, "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", 10_000, minimum=0
        ),
        # Seconds a request may spend, from its start, before its database statements are
        # cancelled and it answers 503 (0 = no deadline): it bounds waits that PostgreSQL's
        # own limits cannot see, such as a pooler's queue. See todo_web/deadline.py.
        "REQUEST_DEADLINE_SECONDS": _int(environ, "REQUEST_DEADLINE_SECONDS", 15, minimum=0),
        # Seconds a process remembers a browser's user and login-session rows (0 = not at
        # all): a round trip saved per request. See todo_web/auth/login_cache.py.
        "LOGIN_CACHE_SECONDS": _int(environ, "LOGIN_CACHE_SECONDS", 5, minimum=0),
        "SQL_ECHO": _bool(environ, "SQL_ECHO", False),
        "MAIL_URL": environ.get("MAIL_URL") or None,
        "MAIL_FROM": environ.get("MAIL_FROM") or "todo-web <no-reply@localhost>",
        # "external": a worker process runs apart (the Procfile's); otherwise the
        # development server runs the workers in threads (todo_web/background.py).
        "MAIL_WORKER": _choice(environ, "MAIL_WORKER", ("thread", "external")),
        "BASE_URL": (environ.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (Heroku,
        # Render, a load balancer: 1). 0 trusts none.
        "TRUSTED_PROXIES": _int(environ, "TRUSTED_PROXIES", 0),
        # Where rate-limit counters live: memory:// for one process, redis://… for several.
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_ENABLED": _bool(environ, "RATELIMIT_ENABLED", True),
        # Each throttle's limits (RATELIMIT_LOGIN_PER_ADDRESS="30 per minute", ...): the
        # ones set here replace todo_web.ratelimit.DEFAULT_LIMITS.
        **_rate_limits(environ),
        # memory:// counts in each process on its own: gunicorn refuses to start several
        # workers with it unless this says that is accepted (gunicorn.conf.py).
        "RATELIMIT_PER_PROCESS_OK": _bool(environ, "RATELIMIT_PER_PROCESS_OK", False),
        # A login session ends after this long without a request...
        "SESSION_IDLE_MINUTES": _int(environ, "SESSION_IDLE_MINUTES", 14 * 24 * 60),
        # ...and in any case this long after login (remember-me cookies too).
        "SESSION_ABSOLUTE_DAYS": _int(environ, "SESSION_ABSOLUTE_DAYS", 30),
        # ~250 ms per hash on a 2-core machine; tests lower it to 4.
        "BCRYPT_ROUNDS": _int(environ, "BCRYPT_ROUNDS", 12),
        # Imports (/settings/import): the largest file and the most rows one may hold.
        "IMPORT_MAX_BYTES": _int(environ, "IMPORT_MAX_BYTES", 5 * 1024 * 1024),
        "IMPORT_MAX_ROWS": _int(environ, "IMPORT_MAX_ROWS", 10_000),
        # Processor seconds one import may spend reading its file (0 = no limit).
        "IMPORT_CPU_SECONDS": _int(environ, "IMPORT_CPU_SECONDS", 5, minimum=0),
        # Any request body larger than this is refused with a 413 before it is read: room
        # for the largest import plus the multipart wrapping around it.
        "MAX_CONTENT_LENGTH": _int(environ, "MAX_CONTENT_LENGTH", 6 * 1024 * 1024),
        # How often a task list's page asks whether its lists changed (tasks/live.py).
        "LIVE_POLL_SECONDS": _int(environ, "LIVE_POLL_SECONDS", 10, minimum=1),
        # Web Push (todo_web/push). VAPID_PRIVATE_KEY: a PEM P-256 private key, or the raw
        # 32-byte key in base64url; unset: generated into instance/ in debug mode, else
        # push is off. VAPID_SUBJECT: a mailto: or https: contact for the push services
        # (default: mailto: the address of MAIL_FROM). PUSH_CA_BUNDLE: a CA file to check
        # the push services' certificates against instead of the system's.
        "VAPID_PRIVATE_KEY": environ.get("VAPID_PRIVATE_KEY") or None,
        "VAPID_SUBJECT": environ.get("VAPID_SUBJECT") or None,
        "PUSH_TIMEOUT_SECONDS": _int(environ, "PUSH_TIMEOUT_SECONDS", 10, minimum=1),
        "PUSH_CA_BUNDLE": environ.get("PUSH_CA_BUNDLE") or None,
        # The push services the app posts to, by host ("*." for any subdomain; "*" for
        # any host): the browsers' own services by default, so that a subscription cannot
        # make the server post to a machine of the user's choosing.
        "PUSH_SERVICE_HOSTS": _host_patterns(
            environ.get("PUSH_SERVICE_HOSTS") or DEFAULT_PUSH_SERVICE_HOSTS
        ),
        # None means "Secure unless the app runs in debug or testing mode".
        "SESSION_COOKIE_SECURE": (
            _bool(environ, "SESSION_COOKIE_SECURE", True)
            if environ.get("SESSION_COOKIE_SECURE")
            else None
        ),
    }
