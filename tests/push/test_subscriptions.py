"""/settings/push, /settings/push/delete and /settings/push/test: what a browser's
subscription must look like, whose it is, and that a refused request changes nothing."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from todo_web.config import DEFAULT_PUSH_SERVICE_HOSTS, _host_patterns
from todo_web.models import PUSH_ENDPOINT_MAX, PushMessage, PushSubscription, User
from todo_web.push.subscriptions import host_allowed
from todo_web.push.views import TEST_TITLE

from ..client import Client
from ..factories import count_rows, make_push_subscription, push_rows
from ..push_service import FakePushService, b64url

ENDPOINT = "https://push.example.net/send/abc123"
P256DH = (  # a real P-256 point
    "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"
)
AUTH = b64url(bytes(range(16)))


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "endpoint": ENDPOINT,
        "expirationTime": None,
        "keys": {"p256dh": P256DH, "auth": AUTH},
    }
    for name, value in changes.items():
        if name in ("p256dh", "auth"):
            data["keys"][name] = value
        elif value is _DROP:
            data.pop(name)
        else:
            data[name] = value
    return data


_DROP = object()


@pytest.fixture(autouse=True)
def _example_push_service(app: Flask) -> None:
    """The made-up service these bodies name is one the app posts to (the config is put
    back after each test)."""
    app.config["PUSH_SERVICE_HOSTS"] = ("push.example.net", "127.0.0.1")


def post_json(client: Client, url: str, data: Any, *, token: bool = True) -> TestResponse:
    raw = data if isinstance(data, bytes | str) else json.dumps(data)
    headers = {"X-CSRFToken": client.token()} if token else {}
    return client.post(url, data=raw, content_type="application/json", headers=headers)


def error_of(response: TestResponse) -> str:
    assert response.is_json, response.get_data(as_text=True)
    return response.get_json()["error"]


# -- subscribing ---------------------------------------------------------------------------


def test_a_browser_subscribes_once_then_updates(
    alice_client: Client, alice: User, db_session: Session
) -> None:
    created = alice_client.post(
        "/settings/push",
        data=json.dumps(body()),
        content_type="application/json",
        headers={"X-CSRFToken": alice_client.token(), "User-Agent": "Firefox/" + "x" * 300},
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    [row] = push_rows(db_session, PushSubscription)
    assert (row.user_id, row.endpoint, row.p256dh, row.auth) == (alice.id, ENDPOINT, P256DH, AUTH)
    assert len(row.user_agent) == 200 and row.user_agent.startswith("Firefox/")

    new_auth = b64url(bytes(range(16, 32))) + "=="  # padding is allowed, and dropped
    again = post_json(alice_client, "/settings/push", body(auth=new_auth, expirationTime=1.5e12))
    assert again.status_code == 200
    [row] = push_rows(db_session, PushSubscription)
    assert row.auth == new_auth.rstrip("=")


def test_an_endpoint_moves_to_the_account_that_subscribes_it(
    alice_client: Client, bob_client: Client, bob: User, db_session: Session
) -> None:
    assert post_json(alice_client, "/settings/push", body()).status_code == 201
    [alices] = push_rows(db_session, PushSubscription)
    db_session.add(PushMessage(subscription_id=alices.id, payload={"title": "Alice's"}))
    db_session.commit()

    assert post_json(bob_client, "/settings/push", body()).status_code == 201
    [row] = push_rows(db_session, PushSubscription)
    assert row.user_id == bob.id
    # Alice's queued messages do not go to the browser Bob now uses.
    assert count_rows(db_session, PushMessage) == 0


_PREFIX = "https://push.example.net/"
LONGEST_ENDPOINT = _PREFIX + "a" * (PUSH_ENDPOINT_MAX - len(_PREFIX))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ("[1, 2]", "JSON object"),
        ("null", "JSON object"),
        ('{"endpoint": NaN}', "not JSON"),
        (body(endpoint=_DROP), "endpoint"),
        (body(endpoint=42), "endpoint"),
        (body(endpoint=""), "endpoint"),
        (body(endpoint="http://push.example.net/x"), "https"),
        (body(endpoint="ftp://push.example.net/x"), "https"),
        (body(endpoint="https:///nohost"), "host"),
        (body(endpoint="https://user@push.example.net/x"), "host"),
        (body(endpoint="https://push.example.net:99999/x"), "valid URL"),
        (body(endpoint="https://push.example.net/a b"), "spaces"),
        (body(endpoint="https://push.exämple.net/x"), "non-ASCII"),
        (body(endpoint=LONGEST_ENDPOINT + "a"), "longer than"),
        (body(keys=_DROP), "keys"),
        (body(keys="p256dh"), "keys"),
        (body(keys={"p256dh": P256DH}), "auth"),
        (body(keys={"p256dh": P256DH, "auth": AUTH, "extra": "x"}), "extra"),
        (body(p256dh=P256DH[:-4]), "65 bytes"),
        (body(p256dh=P256DH + "AAAA"), "65 bytes"),
        (body(p256dh=P256DH.replace("-", "+")), "base64url"),
        (body(p256dh=b64url(b"\x05" + bytes(64))), "0x04"),
        (body(p256dh=b64url(b"\x04" + bytes(64))), "P-256"),
        (body(p256dh=12), "base64url"),
        (body(auth=b64url(bytes(15))), "16 bytes"),
        (body(auth=b64url(bytes(17))), "16 bytes"),
        (body(auth="a/b+"), "base64url"),
        (body(auth=None), "base64url"),
        (body(expirationTime="soon"), "expirationTime"),
        (body(expirationTime=True), "expirationTime"),
        (body(expirationTime=[1]), "expirationTime"),
        (body(options={"userVisibleOnly": True}), "options"),
        (json.dumps(body()) + " " * 5000, "larger than"),
    ],
)
def test_anything_but_a_subscription_is_a_400_and_stores_nothing(
    alice_client: Client, db_session: Session, data: Any, message: str
) -> None:
    response = post_json(alice_client, "/settings/push", data)
    assert response.status_code == 400
    assert message in error_of(response)
    assert count_rows(db_session, PushSubscription) == 0


def test_the_longest_endpoint_is_accepted(alice_client: Client) -> None:
    assert len(LONGEST_ENDPOINT) == PUSH_ENDPOINT_MAX
    assert (
        post_json(alice_client, "/settings/push", body(endpoint=LONGEST_ENDPOINT)).status_code
        == 201
    )


def test_without_the_csrf_header_nothing_is_stored(
    alice_client: Client, db_session: Session
) -> None:
    for url in ("/settings/push", "/settings/push/delete", "/settings/push/test"):
        response = post_json(alice_client, url, body(), token=False)
        assert response.status_code == 400
        assert "CSRF" in error_of(response)
    assert count_rows(db_session, PushSubscription) == 0


@pytest.mark.parametrize("url", ["/settings/push", "/settings/push/delete", "/settings/push/test"])
def test_logged_out_is_a_401(client: Client, db_session: Session, url: str) -> None:
    without_token = client.post(url, data=json.dumps(body()), content_type="application/json")
    with_token = post_json(client, url, body())  # a token from the login page's session
    for response in (without_token, with_token):
        assert response.status_code == 401
        assert "log in" in error_of(response).lower()
    assert count_rows(db_session, PushSubscription) == 0


# -- unsubscribing -------------------------------------------------------------------------


def test_delete_removes_only_this_users_endpoint(
    alice_client: Client,
    bob_client: Client,
    alice: User,
    db_session: Session,
    push_service: FakePushService,
) -> None:
    alices = push_service.new_subscription()
    assert post_json(alice_client, "/settings/push", alices.json).status_code == 201
    [row] = push_rows(db_session, PushSubscription)
    db_session.add(PushMessage(subscription_id=row.id, payload={"title": "queued"}))
    db_session.commit()

    # Bob cannot remove Alice's browser, nor learn that it exists.
    refused = post_json(bob_client, "/settings/push/delete", {"endpoint": alices.endpoint})
    assert refused.status_code == 404
    unknown = post_json(alice_client, "/settings/push/delete", {"endpoint": ENDPOINT})
    assert unknown.status_code == 404
    assert error_of(refused) == error_of(unknown)
    assert count_rows(db_session, PushSubscription) == 1

    for bad in ({}, {"endpoint": 1}, {"endpoint": alices.endpoint, "x": 1}, []):
        assert post_json(alice_client, "/settings/push/delete", bad).status_code == 400
    assert count_rows(db_session, PushSubscription) == 1

    done = post_json(alice_client, "/settings/push/delete", {"endpoint": alices.endpoint})
    assert done.status_code == 204
    assert count_rows(db_session, PushSubscription) == 0
    assert count_rows(db_session, PushMessage) == 0


# -- the test notification ----------------------------------------------------------------


def test_the_test_notification_is_queued_for_that_browser_only(
    alice_client: Client,
    bob_client: Client,
    alice: User,
    db_session: Session,
    push_service: FakePushService,
) -> None:
    phone, laptop = push_service.new_subscription(), push_service.new_subscription()
    make_push_subscription(db_session, alice, phone)
    make_push_subscription(db_session, alice, laptop)

    assert (
        post_json(bob_client, "/settings/push/test", {"endpoint": phone.endpoint}).status_code
        == 404
    )
    missing = post_json(alice_client, "/settings/push/test", {"endpoint": ENDPOINT})
    assert missing.status_code == 404
    assert post_json(alice_client, "/settings/push/test", {"endpoint": None}).status_code == 400
    assert count_rows(db_session, PushMessage) == 0

    queued = post_json(alice_client, "/settings/push/test", {"endpoint": phone.endpoint})
    assert queued.status_code == 202
    [message] = push_rows(db_session, PushMessage)
    [phone_row, _laptop_row] = push_rows(db_session, PushSubscription)
    assert message.subscription_id == phone_row.id
    assert message.payload["title"] == TEST_TITLE
    assert message.payload["url"] == "/settings"


def test_test_notifications_are_throttled_per_user(
    make_app: Callable[..., Flask], db_session: Session, alice: User, bob: User
) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_PUSH_TEST_PER_USER="2 per hour",
        PUSH_SERVICE_HOSTS=("push.example.net",),
    )
    alice_client: Client = app.test_client()  # type: ignore[assignment]
    bob_client: Client = app.test_client()  # type: ignore[assignment]
    alice_client.log_in(alice.email)
    bob_client.log_in(bob.email)
    assert post_json(alice_client, "/settings/push", body()).status_code == 201
    statuses = [
        post_json(alice_client, "/settings/push/test", {"endpoint": ENDPOINT}).status_code
        for _ in range(3)
    ]
    assert statuses == [202, 202, 429]
    refused = post_json(alice_client, "/settings/push/test", {"endpoint": ENDPOINT})
    assert "Too many" in error_of(refused) and int(refused.headers["Retry-After"]) > 0
    assert count_rows(db_session, PushMessage) == 2
    # Bob's count is his own.
    assert post_json(bob_client, "/settings/push/test", {"endpoint": ENDPOINT}).status_code == 404


# -- push off ------------------------------------------------------------------------------


def test_without_a_key_push_is_off_and_says_so(
    make_app: Callable[..., Flask],
    db_session: Session,
    alice: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="todo_web.push"):
        app = make_app(VAPID_PRIVATE_KEY=None)
    assert "push notifications are off" in caplog.text
    assert app.jinja_env.globals["push_public_key"] is None
    client: Client = app.test_client()  # type: ignore[assignment]
    client.log_in(alice.email)
    for url in ("/settings/push", "/settings/push/test"):
        response = post_json(client, url, body())
        assert response.status_code == 503
        assert "not set up" in error_of(response)
    assert count_rows(db_session, PushSubscription) == 0
    # Forgetting a browser still works (here: there is none to forget).
    assert post_json(client, "/settings/push/delete", {"endpoint": ENDPOINT}).status_code == 404
    # The settings page still works.
    assert client.get("/settings").status_code == 200


def test_the_public_key_is_a_template_global(app: Flask) -> None:
    key = app.jinja_env.globals["push_public_key"]
    assert isinstance(key, str)
    point = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(point) == 65 and point[0] == 4


# -- which push services -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc:APA91b", True),
        ("https://wns2-db5p.notify.windows.com/w/?token=x", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/gAAAA", True),
        ("https://web.push.apple.com/QGuQyavXutnMH", True),
        ("https://127.0.0.1:8443/push/x", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("https://intranet.example.com/admin", False),
        ("https://evil-fcm.googleapis.com.example.org/x", False),
        ("https://notify.windows.com.evil.example/x", False),
    ],
)
def test_the_default_push_services(endpoint: str, allowed: bool) -> None:
    assert host_allowed(endpoint, _host_patterns(DEFAULT_PUSH_SERVICE_HOSTS)) is allowed


def test_a_subscription_to_another_service_is_refused(
    app: Flask, alice_client: Client, db_session: Session
) -> None:
    app.config["PUSH_SERVICE_HOSTS"] = _host_patterns(DEFAULT_PUSH_SERVICE_HOSTS)
    response = post_json(alice_client, "/settings/push", body(endpoint="https://10.0.0.7/x"))
    assert response.status_code == 400
    assert "push service (10.0.0.7) is not one this server sends" in error_of(response)
    assert count_rows(db_session, PushSubscription) == 0


def test_a_stored_browser_of_a_service_no_longer_allowed_gets_nothing(
    app: Flask, alice: User, db_session: Session, push_service: FakePushService
) -> None:
    from todo_web.push import enqueue

    from ..factories import push_worker_for

    phone = push_service.new_subscription()
    make_push_subscription(db_session, alice, phone)
    enqueue(db_session, alice.id, title="t", body="b", url="/tasks", tag="x", dedupe_key=None)
    db_session.commit()
    app.config["PUSH_SERVICE_HOSTS"] = ("fcm.googleapis.com",)
    report = push_worker_for(app).run_once()
    assert report.failed == 1 and push_service.received == []
    (message,) = push_rows(db_session, PushMessage)
    assert message.failed_at is not None and "PUSH_SERVICE_HOSTS" in (message.last_error or "")
