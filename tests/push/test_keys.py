"""VAPID keys: the forms VAPID_PRIVATE_KEY takes, the development key kept in the instance
folder, the subject, and push off without a key."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask

from todo_web.config import ConfigError
from todo_web.push.keys import (
    DEVELOPMENT_KEY_FILE,
    init_app,
    keys_from_config,
    keys_of,
    public_key_of,
)


def pem_of(key: ec.EllipticCurvePrivateKey, *, sec1: bool = False) -> str:
    form = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if sec1
        else serialization.PrivateFormat.PKCS8
    )
    return key.private_bytes(
        serialization.Encoding.PEM, form, serialization.NoEncryption()
    ).decode()


def raw_of(key: ec.EllipticCurvePrivateKey) -> str:
    number = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(number).rstrip(b"=").decode()


def test_debug_mode_makes_a_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = keys_from_config({}, instance_path=tmp_path / "instance", debug=True)
    assert first is not None
    key_file = tmp_path / "instance" / DEVELOPMENT_KEY_FILE
    assert key_file.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    saved = key_file.read_bytes()
    again = keys_from_config({}, instance_path=tmp_path / "instance", debug=True)
    assert again is not None and again.public_key == first.public_key
    assert key_file.read_bytes() == saved
    assert sorted(p.name for p in key_file.parent.iterdir()) == [DEVELOPMENT_KEY_FILE]


def test_outside_debug_no_key_means_push_off(tmp_path: Path) -> None:
    assert keys_from_config({}, instance_path=tmp_path, debug=False) is None
    assert not (tmp_path / DEVELOPMENT_KEY_FILE).exists()


def test_a_configured_key_wins_over_the_development_key(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    keys = keys_from_config({"VAPID_PRIVATE_KEY": pem_of(key)}, instance_path=tmp_path, debug=True)
    assert keys is not None and keys.public_key == public_key_of(key)
    assert not (tmp_path / DEVELOPMENT_KEY_FILE).exists()


def test_the_key_forms_give_the_same_public_key(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    forms = [
        pem_of(key),
        pem_of(key, sec1=True),
        pem_of(key).replace("\n", "\\n"),  # as a one-line environment variable
        raw_of(key),
        raw_of(key) + "=",
    ]
    for form in forms:
        keys = keys_from_config({"VAPID_PRIVATE_KEY": form}, instance_path=tmp_path, debug=False)
        assert keys is not None and keys.public_key == public_key_of(key), form
    point = base64.urlsafe_b64decode(public_key_of(key) + "=")
    assert len(point) == 65 and point[0] == 4


@pytest.mark.parametrize(
    "value",
    [
        "not a key",
        base64.urlsafe_b64encode(bytes(31)).decode(),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        pem_of(ec.generate_private_key(ec.SECP384R1())),
    ],
)
def test_an_unusable_key_stops_the_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="VAPID_PRIVATE_KEY"):
        keys_from_config({"VAPID_PRIVATE_KEY": value}, instance_path=tmp_path, debug=False)


def test_the_subject(tmp_path: Path) -> None:
    key = raw_of(ec.generate_private_key(ec.SECP256R1()))

    def subject(**config: str | None) -> str:
        keys = keys_from_config(
            {"VAPID_PRIVATE_KEY": key, **config}, instance_path=tmp_path, debug=False
        )
        assert keys is not None
        return keys.subject

    assert subject(MAIL_FROM="todo-web <reminders@todo.example>") == "mailto:reminders@todo.example"
    assert subject(MAIL_FROM="todo-web") == "mailto:admin@localhost"
    assert subject(MAIL_FROM=None) == "mailto:admin@localhost"
    assert subject(VAPID_SUBJECT="https://todo.example") == "https://todo.example"
    for bad in ("admin@todo.example", "http://todo.example", "mailto:nobody"):
        with pytest.raises(ConfigError, match="VAPID_SUBJECT"):
            subject(VAPID_SUBJECT=bad)


def test_an_app_in_debug_mode_serves_the_kept_key(tmp_path: Path) -> None:
    def debug_app() -> Flask:
        app = Flask("debug", instance_path=str(tmp_path / "instance"))
        app.config.update(DEBUG=True, MAIL_FROM="todo-web <no-reply@localhost>")
        init_app(app)
        return app

    first, second = debug_app(), debug_app()
    key = first.jinja_env.globals["push_public_key"]
    assert key and second.jinja_env.globals["push_public_key"] == key
    assert keys_of(second) is not None
