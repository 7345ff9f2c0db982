"""The settings page's push routes, called by static/push.js with JSON bodies and the
CSRF token in the X-CSRFToken header.

Every answer is JSON, errors included (``{"error": "…"}``): a missing or stale CSRF token
is a 400, a logged-out request a 401 (fetch() has no use for a redirect to the login
page), a throttled test a 429 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..db import get_session
from ..errors import seconds_until_allowed
from ..ratelimit import configured, limiter, user_key
from . import messages, subscriptions
from .keys import keys_of
from .subscriptions import InvalidBody

bp = Blueprint("push", __name__)

TEST_TITLE = "todo-web: notifications work on this device"
TEST_BODY = "This is a test notification. Reminders will arrive like this."
TEST_URL = "/settings"
TEST_TAG = "push-test"
PUSH_OFF = "Push notifications are not set up on this server; reminders come by e-mail."


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


@bp.before_request
def _logged_in_only() -> Response | None:
    if not current_user.is_authenticated:
        return _error(401, "You are logged out. Log in and try again.")
    return None


@bp.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> Response:
    if not current_user.is_authenticated:
        return _error(401, "You are logged out. Log in and try again.")
    return _error(400, "The CSRF token is missing or has expired. Reload the page and try again.")


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(error: RateLimitExceeded) -> Response:
    wait = seconds_until_allowed()
    response = _error(429, f"Too many test notifications. Try again in {wait} seconds.")
    response.headers["Retry-After"] = str(wait)
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return _error(error.code or 400, error.description or "The request was refused.")


def _body() -> dict[str, Any]:
    return subscriptions.parse_json_object(request.get_data(cache=True))


@bp.post("/settings/push")
def subscribe() -> Response:
    """Store this browser's subscription: 201 when new to this account, else 200."""
    if keys_of(current_app) is None:
        return _error(503, PUSH_OFF)
    try:
        info = subscriptions.parse_subscription(_body())
        subscriptions.check_service(info.endpoint, current_app.config["PUSH_SERVICE_HOSTS"])
    except InvalidBody as exc:
        return _error(400, str(exc))
    db = get_session()
    created = subscriptions.save(db, current_user.id, info, request.user_agent.string)
    db.commit()
    return _status(jsonify(status="subscribed"), 201 if created else 200)


@bp.post("/settings/push/delete")
def unsubscribe() -> Response:
    """Forget this browser (works with push off too): 204, or 404 if not this account's."""
    try:
        endpoint = subscriptions.parse_endpoint_only(_body())
    except InvalidBody as exc:
        return _error(400, str(exc))
    db = get_session()
    if not subscriptions.remove(db, current_user.id, endpoint):
        return _error(404, "This browser is not subscribed on your account.")
    db.commit()
    return Response(status=204)


@bp.post("/settings/push/test")
@limiter.limit(configured("RATELIMIT_PUSH_TEST_PER_USER"), key_func=user_key, scope="push-test")
def test() -> Response:
    """Queue a test notification to this browser: 202 (the worker sends it)."""
    if keys_of(current_app) is None:
        return _error(503, PUSH_OFF)
    try:
        endpoint = subscriptions.parse_endpoint_only(_body())
    except InvalidBody as exc:
        return _error(400, str(exc))
    db = get_session()
    subscription = subscriptions.find(db, current_user.id, endpoint)
    if subscription is None:
        return _error(404, "This browser is not subscribed on your account.")
    payload = messages.build_payload(title=TEST_TITLE, body=TEST_BODY, url=TEST_URL, tag=TEST_TAG)
    messages.enqueue_for_subscription(db, subscription.id, payload, dedupe_key=None)
    db.commit()
    return _status(jsonify(status="queued"), 202)


def _status(response: Response, status: int) -> Response:
    response.status_code = status
    return response
