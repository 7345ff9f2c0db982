"""The VAPID key pair that identifies this server to the browsers' push services.

VAPID_PRIVATE_KEY takes either form the usual tools print:

- a PEM P-256 private key (``-----BEGIN PRIVATE KEY-----`` or ``-----BEGIN EC PRIVATE
  KEY-----``), e.g. from ``openssl ecparam -name prime256v1 -genkey``; a PEM whose line
  breaks were written as ``\\n`` (as some hosting dashboards need) is accepted too;
- the raw 32-byte private number in base64url, as ``npx web-push generate-vapid-keys``
  prints it.

Without a key, debug mode makes one and keeps it in ``instance/vapid-private-key.pem``
(browsers' subscriptions are bound to the public key, so it must survive restarts);
outside debug, push is off: the app runs and reminders go by mail only.

The browser needs the public key (`PushKeys.public_key`, the uncompressed P-256 point in
base64url) for ``pushManager.subscribe({applicationServerKey})``; templates read it as
the global ``push_public_key``, None when push is off.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from py_vapid import Vapid, VapidException

from ..config import ConfigError

logger = logging.getLogger("todo_web.push")

EXTENSION_KEY = "todo_web.push"
DEVELOPMENT_KEY_FILE = "vapid-private-key.pem"


@dataclass(frozen=True)
class PushKeys:
    vapid: Vapid
    #: The application server key: base64url (no padding) of the 65-byte public point.
    public_key: str
    #: The VAPID ``sub`` claim: how a push service's operator can reach us.
    subject: str


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_key_of(private_key: ec.EllipticCurvePrivateKey) -> str:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from a PEM or from the raw 32 bytes in base64url; ConfigError
    (never the key itself in the message) when it is neither."""
    text = text.strip()
    try:
        if "-----BEGIN" in text:
            key = serialization.load_pem_private_key(
                text.replace("\\n", "\n").encode("ascii"), password=None
            )
        else:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            if len(raw) != 32:
                raise ValueError("not 32 bytes")
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        raise ConfigError(
            "VAPID_PRIVATE_KEY is neither a PEM private key nor a base64url 32-byte key"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ConfigError("VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key")
    return key


def default_subject(mail_from: str | None) -> str:
    address = parseaddr(mail_from or "")[1]
    return f"mailto:{address}" if "@" in address else "mailto:admin@localhost"


def development_key(instance_path: Path) -> str:
    """The PEM kept in the instance folder, made on first use. The file is written under
    another name and linked into place, so two processes starting at once (the reloader)
    end up with the same key rather than half a file or two keys."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / DEVELOPMENT_KEY_FILE
    if not key_file.exists():
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        draft = instance_path / f".{DEVELOPMENT_KEY_FILE}.{os.getpid()}"
        draft.write_bytes(pem)
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
        logger.info("made a development VAPID key in %s", key_file)
    return key_file.read_text()


def keys_from_config(
    config: Mapping[str, Any], *, instance_path: Path, debug: bool
) -> PushKeys | None:
    """The keys the settings describe, or None (push off). Raises ConfigError for a key or
    subject that is set but unusable."""
    pem_or_raw = config.get("VAPID_PRIVATE_KEY")
    if not pem_or_raw:
        if not debug:
            return None
        pem_or_raw = development_key(instance_path)
    private_key = parse_private_key(pem_or_raw)
    subject = config.get("VAPID_SUBJECT") or default_subject(config.get("MAIL_FROM"))
    if not subject.startswith(("mailto:", "https://")):
        raise ConfigError(f"VAPID_SUBJECT must be a mailto: or https: URL, got {subject!r}")
    vapid = Vapid(private_key=private_key)
    try:  # py_vapid checks the subject when signing: fail at start, not at every push
        vapid.sign({"sub": subject, "aud": "https://push.example", "exp": int(time.time()) + 60})
    except VapidException as exc:
        raise ConfigError(f"VAPID_SUBJECT is not accepted: {subject!r}") from exc
    return PushKeys(vapid=vapid, public_key=public_key_of(private_key), subject=subject)


def init_app(app: Flask) -> None:
    keys = keys_from_config(app.config, instance_path=Path(app.instance_path), debug=app.debug)
    if keys is None:
        logger.warning(
            "VAPID_PRIVATE_KEY is not set: push notifications are off, reminders go by mail only"
        )
    app.extensions[EXTENSION_KEY] = keys
    app.jinja_env.globals["push_public_key"] = keys.public_key if keys else None


def keys_of(app: Flask) -> PushKeys | None:
    """This app's keys; None when push is off."""
    return app.extensions.get(EXTENSION_KEY)
