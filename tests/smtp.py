"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, recording what it receives.

aiosmtpd's Controller cannot take port 0 (it checks the port it was given), so a free
port is found first by binding a socket to port 0. The server can be stopped and started
again on the same port, which is how the tests take the mail server "down".
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from .ports import free_port

LINK = re.compile(r"https?://\S+")


@dataclass
class Recorder:
    """The handler: keeps every message; can refuse recipients or answer slowly."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    #: recipient address -> SMTP answer to RCPT TO (e.g. "550 5.1.1 no such user")
    refuse: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, **smtp_options: Any) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        self.smtp_options = smtp_options
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.recorder.lock:
            return list(self.recorder.messages)

    def start(self) -> SmtpServer:
        self._controller = Controller(
            self.recorder, hostname="127.0.0.1", port=self.port, **self.smtp_options
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no text/plain part"
    return part.get_content()


def html_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the message has no text/html part"
    return part.get_content()


def links(message: EmailMessage) -> list[str]:
    return LINK.findall(text_body(message))


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, made with the openssl command line tool."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def accept_login(username: str, password: str) -> Any:
    """An aiosmtpd authenticator that knows one user."""

    def authenticator(
        server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (
            data.login.decode(),
            data.password.decode(),
        ) == (username, password)
        return AuthResult(success=ok, handled=False)

    return authenticator
