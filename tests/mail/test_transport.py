"""MAIL_URL parsing and the SMTP transport against a real server (aiosmtpd)."""

from __future__ import annotations

import logging
import shutil
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from todo_web.mail.messages import build_message
from todo_web.mail.outbox import ClaimedMail
from todo_web.mail.transport import (
    LogTransport,
    MailURLError,
    PermanentMailError,
    SmtpTransport,
    TemporaryMailError,
    parse_mail_url,
    transport_from_url,
)

from ..smtp import (
    SmtpServer,
    accept_login,
    free_port,
    html_body,
    self_signed_certificate,
    server_tls_context,
    text_body,
)

SENDER = "todo-web <no-reply@todo.example>"


def mail(recipient: str = "alice@example.com", mail_id: int = 7) -> EmailMessage:
    claimed = ClaimedMail(
        id=mail_id,
        kind="test",
        recipient=recipient,
        payload={"subject": "Hello", "text": "Plain body", "html": "<p>HTML body</p>"},
        attempts=1,
        created_at=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
    )
    return build_message(claimed, SENDER)


def send(transport: SmtpTransport | LogTransport, message: EmailMessage) -> None:
    with transport.connect() as connection:
        connection.send(message)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("mail.example", 587, False, "auto", None, None)),
        ("smtp://mail.example:25?starttls=never", ("mail.example", 25, False, "never", None, None)),
        ("smtps://u:p@mail.example", ("mail.example", 465, True, "auto", "u", "p")),
        (
            "smtp://me%40example.com:p%3Ass%2Fw@mail.example:2525?starttls=require",
            ("mail.example", 2525, False, "require", "me@example.com", "p:ss/w"),
        ),
    ],
)
def test_mail_url_forms(url: str, expected: tuple[object, ...]) -> None:
    s = parse_mail_url(url)
    assert (s.host, s.port, s.implicit_tls, s.starttls, s.username, s.password) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example",
        "smtp://",
        "smtp://h?starttls=maybe",
        "smtp://h:99999",
        "smtp://h?timeout=x",
    ],
)
def test_bad_mail_urls_are_clear_errors(url: str) -> None:
    with pytest.raises(MailURLError):
        parse_mail_url(url)


def test_settings_repr_hides_the_password() -> None:
    assert "s3cret" not in repr(parse_mail_url("smtp://u:s3cret@h"))


def test_no_mail_url_means_the_log(caplog: pytest.LogCaptureFixture) -> None:
    transport = transport_from_url(None)
    assert isinstance(transport, LogTransport)
    with caplog.at_level(logging.INFO, logger="todo_web.mail"):
        send(transport, mail())
    assert "Subject: Hello" in caplog.text and "Plain body" in caplog.text


def test_delivers_text_and_html(smtp_server: SmtpServer) -> None:
    send(transport_from_url(smtp_server.url), mail())
    [received] = smtp_server.messages
    assert received["To"] == "alice@example.com"
    assert received["From"] == SENDER
    assert received["Subject"] == "Hello"
    assert received["Message-ID"] == "<outbox.7.1795334400@todo.example>"
    assert received["Auto-Submitted"] == "auto-generated"
    assert text_body(received).strip() == "Plain body"
    assert html_body(received).strip() == "<p>HTML body</p>"
    assert smtp_server.recorder.envelopes == [("no-reply@todo.example", ["alice@example.com"])]


def test_server_down_is_temporary() -> None:
    transport = transport_from_url(f"smtp://127.0.0.1:{free_port()}?timeout=2")
    with pytest.raises(TemporaryMailError, match="cannot connect"):
        send(transport, mail())


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("550 5.1.1 No such user", PermanentMailError),
        ("452 4.2.2 Mailbox full", TemporaryMailError),
    ],
)
def test_refused_recipient(smtp_server: SmtpServer, answer: str, error: type[Exception]) -> None:
    smtp_server.recorder.refuse["bob@example.com"] = answer
    with pytest.raises(error, match=answer[:3]):
        send(transport_from_url(smtp_server.url), mail("bob@example.com"))
    assert smtp_server.messages == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_over_a_trusted_plain_link() -> None:
    server = SmtpServer(
        authenticator=accept_login("mailer", "p@ss"), auth_require_tls=False, auth_required=True
    ).start()
    try:
        send(
            transport_from_url(f"smtp://mailer:p%40ss@127.0.0.1:{server.port}?starttls=never"),
            mail(),
        )
        assert len(server.messages) == 1
        wrong = transport_from_url(f"smtp://mailer:nope@127.0.0.1:{server.port}?starttls=never")
        with pytest.raises(TemporaryMailError, match="login refused"):
            send(wrong, mail())
    finally:
        server.stop()


def test_password_is_never_sent_in_clear(smtp_server: SmtpServer) -> None:
    transport = transport_from_url(f"smtp://u:p@127.0.0.1:{smtp_server.port}")
    with pytest.raises(TemporaryMailError, match="refusing to send the password"):
        send(transport, mail())
    assert smtp_server.messages == []


def test_starttls_required_but_not_offered(smtp_server: SmtpServer) -> None:
    transport = transport_from_url(f"{smtp_server.url}?starttls=require")
    with pytest.raises(TemporaryMailError, match="STARTTLS"):
        send(transport, mail())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    server = SmtpServer(
        tls_context=server_tls_context(*certificate),
        require_starttls=True,
        authenticator=accept_login("mailer", "secret"),
        auth_required=True,
    ).start()
    yield server
    server.stop()


def test_starttls_then_login(tls_server: SmtpServer, client_context: ssl.SSLContext) -> None:
    url = f"smtp://mailer:secret@127.0.0.1:{tls_server.port}"
    send(transport_from_url(url, ssl_context=client_context), mail())
    assert len(tls_server.messages) == 1


def test_starttls_checks_the_certificate(tls_server: SmtpServer) -> None:
    # The system's trust store does not know the test certificate: refused, kept for later.
    with pytest.raises(TemporaryMailError):
        send(transport_from_url(f"smtp://mailer:secret@127.0.0.1:{tls_server.port}"), mail())
    assert tls_server.messages == []


def test_smtps(certificate: tuple[Path, Path], client_context: ssl.SSLContext) -> None:
    server = SmtpServer(ssl_context=server_tls_context(*certificate)).start()
    try:
        send(
            transport_from_url(f"smtps://127.0.0.1:{server.port}", ssl_context=client_context),
            mail(),
        )
        assert len(server.messages) == 1
    finally:
        server.stop()
