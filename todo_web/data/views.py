"""Your data in and out: export, import, and the private calendar feed.

- ``GET /settings/export.json`` and ``GET /settings/export.csv``: downloads (attachment,
  dated file name, not cached).
- ``POST /settings/import``: multipart field ``file``. The file is read and validated in
  full first, outside any database transaction (the one the login's look-up opened is
  ended first: parsing 10,000 rows must not hold a connection idle in a transaction). With
  ``dry_run=1`` the answer is only the summary (tasks, lists and tags, how many of them
  new, skipped rows, warnings, errors by row); without it, a file with any error imports
  nothing (400 with the same summary), and a clean one is written in one transaction, then
  the browser goes to /tasks with a message. The upload is not kept between the two steps
  (the web tier keeps no state): the file is sent again. An htmx request gets the summary
  as a fragment (the file stays chosen in the form) and ``HX-Redirect`` on success;
  without JavaScript the summary page asks to choose the file again.
- ``POST /settings/calendar/rotate``: a new feed secret; the old URL answers 404 at once.
- ``GET /calendar/<secret>.ics``: no login (calendar apps cannot log in) and no cookies,
  the secret is the credential. ``?list=<id>`` keeps one list's tasks (a list the feed's
  user can see; any other id, or one that is no number, is a 404, as for a wrong secret).
  ``Cache-Control: private, max-age=300`` and an ETag (a hash of the body) answered with
  304, so apps that poll it every few minutes cost little.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..access import Need, list_for
from ..db import get_session, utcnow
from ..htmx import send_page_to, wants_fragment
from ..models import TaskList, User
from ..ratelimit import configured, limiter, user_key
from ..routing import MAX_ID
from ..timezones import local_today
from . import calendar, export, importer, queries
from .plan import ImportFileError, ImportPlan, ImportTooSlow

bp = Blueprint("data", __name__)

FEED_CACHE_CONTROL = "private, max-age=300"
SHOWN_PROBLEMS = 50
_SECRET = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


# -- export --------------------------------------------------------------------------------


@bp.get("/settings/export.json")
@login_required
def export_json() -> Response:
    user = _user()
    db = get_session()
    lists = queries.export_lists(db, user)
    body = export.to_json(user, lists, queries.export_tasks(db, user), now=utcnow())
    return _download(body, "application/json", export.filename("json", _today(user)))


@bp.get("/settings/export.csv")
@login_required
def export_csv() -> Response:
    user = _user()
    db = get_session()
    body = export.to_csv(queries.export_lists(db, user), queries.export_tasks(db, user))
    return _download(body, "text/csv", export.filename("csv", _today(user)))


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _today(user: User) -> date:
    return local_today(user.timezone)


# -- import --------------------------------------------------------------------------------


@bp.post("/settings/import")
@login_required
@limiter.limit(configured("RATELIMIT_IMPORT_PER_USER"), key_func=user_key, scope="import-per-user")
def import_file() -> Response:
    """Read the upload with no transaction open (the login's read ends first) and within
    IMPORT_CPU_SECONDS of processor time, then write its tasks in one short transaction;
    a dry run answers the summary without writing."""
    dry_run = request.form.get("dry_run") == "1"
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_answer(None, dry_run, 400, error="Choose a file to import.")
    limit = _max_bytes()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return _too_large()
    user = _user()
    today, tz = _today(user), user.timezone
    db = get_session()
    db.commit()  # ends the login's read; nothing is written yet, the user stays loaded
    try:
        plan = importer.read_upload(
            data,
            today=today,
            tz=tz,
            max_rows=current_app.config["IMPORT_MAX_ROWS"],
            filename=upload.filename,
            cpu_seconds=current_app.config["IMPORT_CPU_SECONDS"] or None,
        )
    except ImportTooSlow as exc:
        return _import_answer(None, dry_run, 413, error=str(exc))
    except ImportFileError as exc:
        return _import_answer(None, dry_run, 400, error=str(exc))
    if dry_run:
        return _import_answer(plan, dry_run, 200)
    if not plan.ok:
        return _import_answer(plan, dry_run, 400)
    try:
        count = queries.import_tasks(db, user, plan)
    except queries.ImportConflict as exc:
        db.rollback()
        return _import_answer(None, dry_run, 409, error=str(exc))
    db.commit()
    tasks = "1 task" if count == 1 else f"{count} tasks"
    flash(f"Imported {tasks} from the {plan.format_label}.", "success")
    if wants_fragment():
        return send_page_to(make_response("", 204), url_for("tasks.index"))
    return redirect(url_for("tasks.index"))


@bp.errorhandler(RequestEntityTooLarge)
def request_too_large(error: RequestEntityTooLarge) -> Response:
    """A body over MAX_CONTENT_LENGTH, refused before it is read (even before the CSRF
    check): the same clear message as a file over IMPORT_MAX_BYTES."""
    return _too_large()


def _too_large() -> Response:
    size = _human_size(_max_bytes())
    return _import_answer(
        None, False, 413, error=f"The file is too large: files up to {size} can be imported."
    )


def _max_bytes() -> int:
    limits = [current_app.config["IMPORT_MAX_BYTES"], current_app.config.get("MAX_CONTENT_LENGTH")]
    return min(limit for limit in limits if limit)


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} bytes"


def _import_answer(
    plan: ImportPlan | None, dry_run: bool, status: int, *, error: str | None = None
) -> Response:
    context = _summary(plan, dry_run, error)
    if wants_fragment():
        return make_response(render_template("data/_import_result.html", **context), status)
    return make_response(render_template("data/import.html", **context), status)


def _summary(plan: ImportPlan | None, dry_run: bool, error: str | None) -> dict[str, object]:
    context: dict[str, object] = {
        "plan": plan,
        "dry_run": dry_run,
        "error": error,
        # htmx swaps only the summary: the chosen file stays in the form.
        "file_kept": wants_fragment(),
    }
    if plan is not None:
        existing = {name.casefold() for name in queries.tag_names(get_session(), _user())}
        tags = plan.tag_names()
        context.update(
            list_count=len(plan.list_names()),
            new_lists=queries.lists_to_create(get_session(), _user(), plan),
            tag_count=len(tags),
            new_tags=[name for name in tags if name.casefold() not in existing],
            errors=plan.errors[:SHOWN_PROBLEMS],
            more_errors=max(0, len(plan.errors) - SHOWN_PROBLEMS),
            warnings=plan.warnings[:SHOWN_PROBLEMS],
            more_warnings=max(0, len(plan.warnings) - SHOWN_PROBLEMS),
        )
    return context


# -- calendar feed -------------------------------------------------------------------------


@bp.get("/calendar/<secret>.ics")
def calendar_feed(secret: str) -> Response:
    """The feed. Touches neither the login nor the session, so it sets no cookie; an
    unknown secret is a bare 404 (calendar apps show no HTML)."""
    user = None
    if _SECRET.fullmatch(secret):
        user = queries.user_by_calendar_secret(get_session(), secret)
    if user is None or not hmac.compare_digest(user.calendar_secret or "", secret):
        return _feed_not_found()
    task_list = None
    if request.args.get("list"):
        task_list = _feed_list(user, request.args["list"])
        if task_list is None:
            return _feed_not_found()
    name = f"{user.name}'s tasks" + (f": {task_list.name}" if task_list else "")
    body = calendar.build_feed(
        queries.feed_tasks(get_session(), user, task_list),
        calendar_name=name,
        tz=user.timezone,
        base_url=current_app.config["BASE_URL"],
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = FEED_CACHE_CONTROL
    response.set_etag(hashlib.sha256(body).hexdigest()[:40])
    return response.make_conditional(request)


def _feed_not_found() -> Response:
    return Response("Not found\n", 404, mimetype="text/plain")


def _feed_list(user: User, raw: str) -> TaskList | None:
    """The list `?list=` names, if it is one the feed's user can see."""
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        return None
    try:
        return list_for(get_session(), user, int(raw), Need.VIEW)
    except HTTPException:
        return None


@bp.post("/settings/calendar/rotate")
@login_required
def rotate_calendar_secret() -> Response:
    db = get_session()
    queries.replace_calendar_secret(db, _user())
    db.commit()
    message = (
        "Your calendar feed has a new address. The old one no longer works: subscribe "
        "again with the new one."
    )
    if wants_fragment():
        return make_response(render_template("data/_settings_calendar.html", saved_message=message))
    flash(message, "success")
    return redirect(url_for("settings.index") + "#settings-calendar")


@bp.app_template_global()
def import_limits() -> dict[str, str]:
    """The import limits as the settings page states them."""
    return {
        "size": _human_size(_max_bytes()),
        "rows": f"{current_app.config['IMPORT_MAX_ROWS']:,}",
    }
