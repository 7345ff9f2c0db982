"""Checks on how the app is served, run by gunicorn before it starts any worker
(gunicorn.conf.py).

Rate-limit counters in ``memory://`` live in each worker process. With several workers
each counts on its own and the load balancer spreads the requests, so a limit of 5 failed
logins a minute lets 5 per worker through. gunicorn therefore refuses to start more than
one worker on ``memory://`` unless throttling is off (RATELIMIT_ENABLED=false) or
RATELIMIT_PER_PROCESS_OK=1 says that per-process counting is accepted (a trial, a
benchmark). Threads of one worker share its memory: ``--threads`` does not matter. Any
other storage (``redis://``, ``memcached://``, ...) is a store the workers share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def per_process_counting_problem(config: Mapping[str, Any], workers: int) -> str | None:
    """Why `workers` processes must not serve an app with this config, or None."""
    uri = config["RATELIMIT_STORAGE_URI"]
    if (
        workers <= 1
        or not config["RATELIMIT_ENABLED"]
        or config["RATELIMIT_PER_PROCESS_OK"]
        or not uri.startswith("memory://")
    ):
        return None
    return (
        f"Refusing to start {workers} workers with RATELIMIT_STORAGE_URI={uri}: each worker "
        "would keep its own rate-limit counters, letting up to "
        f"{workers} times as many failed logins through. Set RATELIMIT_STORAGE_URI to a store "
        "the workers share (redis://host:6379), run one worker (WEB_CONCURRENCY=1), or set "
        "RATELIMIT_PER_PROCESS_OK=1 to accept counting per process."
    )
