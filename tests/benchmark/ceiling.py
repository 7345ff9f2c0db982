"""The ceiling: the least work that can serve what /tasks serves, on the same stack.

A bare Flask app, served by gunicorn with the Procfile's settings, whose one route replays
the SQL statements the real /tasks page ran for a user (captured by run.py, parameters and
all) over a plain psycopg2 connection, one per thread, in one transaction per request, and
renders the page's rows (titles, due dates, priorities, tags, counts) with a minimal
template. No ORM, no session cookie, no login check, no CSRF, no layout: the app's
throughput divided by this one is how much of the stack's speed the app keeps.

Environment: CEILING_DATABASE_URL (a libpq URL), CEILING_QUERIES (run.py's pickle file:
``{label: [(role, statement, parameters), ...]}``).
"""

from __future__ import annotations

import os
import pickle
import threading
from typing import Any

import psycopg2
from flask import Flask, abort, render_template
from jinja2 import DictLoader

app = Flask(__name__)
_local = threading.local()

with open(os.environ["CEILING_QUERIES"], "rb") as file:
    QUERIES: dict[str, list[tuple[str, str, dict[str, Any]]]] = pickle.load(file)

TEMPLATE = """<!doctype html>
<title>Tasks</title>
<ul class="counts">{% for name, n in counts.items() %}<li>{{ name }} {{ n }}</li>{% endfor %}</ul>
<p data-total-count="{{ total }}">{{ total }} tasks</p>
<ul>
{% for task in tasks %}<li data-task-id="{{ task.id }}">{{ task.title }}
 {{ task.due_date or "" }} {{ task.priority }} {{ task.status }}
 {% for tag in tags.get(task.id, ()) %}#{{ tag }} {% endfor %}</li>
{% endfor %}</ul>
<ul>{% for name in tag_names %}<li>{{ name }}</li>{% endfor %}</ul>
"""
# Loaded like any template (compiled once, cached), not compiled per request.
app.jinja_loader = DictLoader({"tasks.html": TEMPLATE})


def connection() -> Any:
    conn = getattr(_local, "connection", None)
    if conn is None or conn.closed:
        conn = _local.connection = psycopg2.connect(os.environ["CEILING_DATABASE_URL"])
        # As the app does (todo_web/pg_transactions.py): BEGIN rides with the first
        # statement instead of a round trip of its own.
        conn.autocommit = True
    return conn


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@app.get("/tasks/<label>")
def tasks(label: str) -> str:
    statements = QUERIES.get(label) or abort(404)
    results: dict[str, list[dict[str, Any]]] = {}
    conn = connection()
    with conn.cursor() as cursor:
        try:
            begin = "BEGIN; "
            for role, statement, parameters in statements:
                cursor.execute(begin + statement, parameters)
                begin = ""
                rows = _rows(cursor) if cursor.description else []
                results.setdefault(role, rows)
        finally:
            cursor.execute("ROLLBACK")
    # A page row's tag names are its last column (an array), or (the app before it read
    # them with the page) a statement of their own; the tag names in use come with the
    # counts, or on their own.
    tags: dict[int, list[str]] = {}
    for row in results.get("page", []):
        last = list(row.values())[-1]
        if isinstance(last, list):
            tags[row["id"]] = last
    for row in results.get("tags", []):  # (task_tags.task_id, ..., tags.name)
        values = list(row.values())
        tags.setdefault(values[0], []).append(values[-1])
    counts = results.get("counts", [{}])[0]
    tag_names = counts.get("tag_names") or [
        next(iter(row.values())) for row in results.get("tag_names", [])
    ]
    total = next(iter(results.get("total", [{"n": 0}])[0].values()))
    return render_template(
        "tasks.html",
        tasks=results.get("page", []),
        tags=tags,
        counts=counts,
        total=total,
        tag_names=tag_names,
    )


@app.get("/healthz")
def healthz() -> str:
    return "ok"
