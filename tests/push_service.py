"""A fake Web Push service for the tests: HTTPS on 127.0.0.1, in a thread.

It does what a browser's push service checks and what the browser does with a message:
it verifies the VAPID ``Authorization: vapid t=<JWT>, k=<public key>`` header (an ES256
signature valid for k, ``aud`` this service's origin, ``exp`` ahead but within 24 hours
of the process clock) and decrypts the ``aes128gcm`` body with the subscription's private
key and auth secret, keeping the JSON. Endpoints are ``/push/<token>``; each subscription
made by `new_subscription()` has its own token and keys.

Answers are scripted per token: `answer(token, [503, 503, 201])` answers the next three
requests so, then 201 again; an item may be `Answer(status, headers)` or
`Hang(seconds)` (no answer until then, for time-outs). The certificate is issued for
127.0.0.1 by a CA made at fixture time with cryptography; `ca_file` is that CA's PEM,
for PUSH_CA_BUNDLE.
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import http_ece
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: The certificates' validity: fixed and wide, so no test depends on today's date.
VALID_FROM = datetime(2000, 1, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.cache
def vapid_test_key() -> str:
    """The tests' VAPID private key (PEM), made once per run."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


# -- certificates --------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 it signed: (ca.pem, cert.pem, key.pem)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("todo-web test push CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


# -- scripted answers and what was received -------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int = 201
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class Hang:
    """Answer nothing for `seconds` (then 201, if the client still listens)."""

    seconds: float


Script = int | Answer | Hang


@dataclass
class Received:
    token: str
    #: Names in lower case.
    headers: dict[str, str]
    status: int
    #: The VAPID JWT's claims and public key (k), when the header was valid.
    claims: dict[str, Any] | None = None
    vapid_key: str | None = None
    #: The decrypted body, parsed as JSON.
    payload: Any = None
    #: What the service found wrong with the request; empty for a good one.
    problems: list[str] = field(default_factory=list)


@dataclass
class FakeSubscription:
    service: FakePushService
    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def endpoint(self) -> str:
        return f"{self.service.origin}/push/{self.token}"

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def json(self) -> dict[str, Any]:
        """What the browser's ``PushSubscription.toJSON()`` gives."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }

    @property
    def requests(self) -> list[Received]:
        return [r for r in self.service.received if r.token == self.token]

    @property
    def messages(self) -> list[Any]:
        """The decrypted payloads the service accepted (answered 2xx) for this browser."""
        return [r.payload for r in self.requests if 200 <= r.status < 300 and not r.problems]


class FakePushService:
    def __init__(self, certificate: Path, key: Path, ca_file: Path) -> None:
        self.ca_file = ca_file
        self.received: list[Received] = []
        self.subscriptions: dict[str, FakeSubscription] = {}
        self._scripts: dict[str, list[Script]] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()
        #: Requests that got a Hang answer (counted when the hanging starts).
        self.hanging = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakePushService:
        self._thread.start()
        return self

    def release(self) -> None:
        """End every hanging answer now (they answer 201)."""
        self._released.set()

    def stop(self) -> None:
        self._released.set()  # hanging answers end
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def new_subscription(self) -> FakeSubscription:
        subscription = FakeSubscription(
            service=self,
            token=secrets.token_urlsafe(16),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
        )
        with self._lock:
            self.subscriptions[subscription.token] = subscription
        return subscription

    def answer(self, token: str | FakeSubscription, script: Iterable[Script]) -> None:
        """The next answers for this endpoint, in order; 201 once they are used up."""
        if isinstance(token, FakeSubscription):
            token = token.token
        with self._lock:
            self._scripts.setdefault(token, []).extend(script)

    def _next_answer(self, token: str) -> Script:
        with self._lock:
            script = self._scripts.get(token)
            return script.pop(0) if script else 201

    def _record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    @property
    def problems(self) -> list[str]:
        with self._lock:
            return [problem for r in self.received for problem in r.problems]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        wait_for(predicate, timeout)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Poll `predicate` until it holds; AssertionError after `timeout` seconds (of the
    monotonic clock, which the tests' clock does not stop). The pauses are an Event's
    wait rather than time.sleep, which libfaketime's FAKETIME_DONT_FAKE_MONOTONIC mode
    breaks (the suite is run under faketime to show it does not depend on the date)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s{': ' + what if what else ''}")
        pause.wait(0.01)


# -- checking a request --------------------------------------------------------------------


def check_vapid(header: str, origin: str) -> tuple[dict[str, Any], str]:
    """The claims and public key of a valid ``vapid t=…, k=…`` header; ValueError saying
    what is wrong otherwise."""
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError(f"Authorization scheme {scheme!r}, not vapid")
    parts = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    token, key = parts.get("t"), parts.get("k")
    if not token or not key:
        raise ValueError("Authorization lacks t= or k=")
    head, body, signature = token.split(".")
    if json.loads(b64url_decode(head)).get("alg") != "ES256":
        raise ValueError("JWT alg is not ES256")
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    raw = b64url_decode(signature)
    if len(raw) != 64:
        raise ValueError("ES256 signature is not 64 bytes")
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    try:
        public_key.verify(
            encode_dss_signature(r, s), f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature as exc:
        raise ValueError("JWT signature does not verify with k") from exc
    claims = json.loads(b64url_decode(body))
    if claims.get("aud") != origin:
        raise ValueError(f"aud {claims.get('aud')!r} is not {origin!r}")
    now = time.time()
    if not now < claims.get("exp", 0) <= now + 24 * 3600:
        raise ValueError("exp is not within the next 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
        raise ValueError("sub is not a mailto: or https: URL")
    return claims, key


def _handler_for(service: FakePushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            token = self.path.removeprefix("/push/")
            headers = {name.lower(): value for name, value in self.headers.items()}
            received = Received(token=token, headers=headers, status=0)
            subscription = service.subscriptions.get(token)
            script = service._next_answer(token)
            if isinstance(script, Hang):
                with service._lock:
                    service.hanging += 1
                service._released.wait(script.seconds)
                script = 201
            answer = script if isinstance(script, Answer) else Answer(script)
            received.status = answer.status
            if subscription is None:
                received.problems.append(f"unknown endpoint {self.path}")
            else:
                self._check(subscription, body, received)
            service._record(received)
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                data = answer.body.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting (a time-out test)
                pass

        def _check(self, subscription: FakeSubscription, body: bytes, received: Received) -> None:
            try:
                received.claims, received.vapid_key = check_vapid(
                    self.headers.get("Authorization", ""), service.origin
                )
            except ValueError as exc:
                received.problems.append(f"VAPID: {exc}")
            if self.headers.get("Content-Encoding") != "aes128gcm":
                received.problems.append("Content-Encoding is not aes128gcm")
            if not (self.headers.get("TTL") or "").isdigit():
                received.problems.append("no TTL header")
            try:
                plain = http_ece.decrypt(
                    body,
                    private_key=subscription.private_key,
                    auth_secret=subscription.auth,
                    version="aes128gcm",
                )
                received.payload = json.loads(plain)
            except Exception as exc:
                received.problems.append(f"cannot decrypt: {exc!r}")

    return Handler
