"""Web Push notifications: browsers' subscriptions, a queue of messages, and a worker that
sends them (VAPID, RFC 8291 encryption, through pywebpush).

Code that notifies someone calls `enqueue()` inside its own transaction, like mail's
`enqueue()`: one message per browser the user turned push on for, sent by the push
worker (todo_web/push/worker.py) later, retried while a push service is away. With push
off (no VAPID key outside debug mode) users have no subscriptions and nothing is queued.
"""

from __future__ import annotations

from flask import Flask

from .keys import keys_of
from .messages import enqueue


def init_app(app: Flask) -> None:
    """Keys (and the template global `push_public_key`), the throttle and the routes."""
    from . import keys
    from .views import bp

    keys.init_app(app)
    app.register_blueprint(bp)


def enabled(app: Flask) -> bool:
    """Whether this app sends push notifications (a VAPID key is configured)."""
    return keys_of(app) is not None


__all__ = ["enabled", "enqueue", "init_app"]
