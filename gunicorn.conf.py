"""gunicorn's settings file, read from the directory gunicorn starts in (the project root,
where the Procfile's ``web`` line runs it) unless ``-c`` names another.

It sets nothing: the command line and GUNICORN_CMD_ARGS do. It checks, before any worker
starts, that the workers can share their rate-limit counters (todo_web/serving.py), with
the settings read as the app reads them (todo_web/config.py).
"""

from __future__ import annotations

import sys
from typing import Any


def _problem(workers: int) -> str | None:
    from todo_web.config import ConfigError, load_environment_config
    from todo_web.serving import per_process_counting_problem

    try:
        return per_process_counting_problem(load_environment_config(), workers)
    except ConfigError as error:
        return str(error)


def on_starting(server: Any) -> None:
    problem = _problem(server.cfg.workers)
    if problem:
        server.log.error(problem)
        if server.pidfile is not None:
            server.pidfile.unlink()
        sys.exit(1)


def nworkers_changed(server: Any, new_value: int, old_value: int | None) -> None:
    """More workers asked for at run time (TTIN, gunicornc): it cannot be refused any more,
    only reported."""
    if old_value is not None:
        problem = _problem(new_value)
        if problem:
            server.log.error(problem.replace("Refusing to start", "Now running"))
