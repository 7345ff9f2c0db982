"""Getting a message to the SMTP server named by MAIL_URL, or to the log.

MAIL_URL forms:

- ``smtp://host:port``: plain SMTP, upgraded with STARTTLS when the server offers it
  (port 587 by default). ``?starttls=require`` refuses a server without STARTTLS;
  ``?starttls=never`` never upgrades.
- ``smtps://host:port``: TLS from the first byte (port 465 by default).
- ``user:password@`` in either form logs in (percent-encode special characters). The
  credentials are only sent over TLS, unless ``?starttls=never`` says the link is trusted.
- ``?timeout=SECONDS`` for connecting and each command (20 by default).

Errors are sorted into two kinds, because the worker treats them differently:
`TemporaryMailError` (server unreachable, 4xx answers, a dropped connection: try again
later) and `PermanentMailError` (5xx answers about this message: retrying cannot help).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger("todo_web.mail")

DEFAULT_TIMEOUT = 20.0
STARTTLS_MODES = ("auto", "require", "never")


class MailError(Exception):
    """A message could not be handed to the mail server."""


class TemporaryMailError(MailError):
    """Worth another try later."""


class PermanentMailError(MailError):
    """The server refused this message for good."""


class MailURLError(ValueError):
    """MAIL_URL cannot be understood."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool
    starttls: str = "auto"
    username: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    def __repr__(self) -> str:  # never print the password into a log
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, "
            f"implicit_tls={self.implicit_tls}, starttls={self.starttls!r}, "
            f"username={self.username!r}, timeout={self.timeout})"
        )


def parse_mail_url(url: str) -> SmtpSettings:
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise MailURLError(f"MAIL_URL must start with smtp:// or smtps://, not {parts.scheme!r}")
    if not parts.hostname:
        raise MailURLError("MAIL_URL names no host")
    implicit_tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit_tls else 587)
    except ValueError as exc:
        raise MailURLError(f"MAIL_URL has a bad port: {exc}") from exc
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "auto")
    if starttls not in STARTTLS_MODES:
        raise MailURLError(f"MAIL_URL starttls must be one of {', '.join(STARTTLS_MODES)}")
    try:
        timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
    except ValueError as exc:
        raise MailURLError("MAIL_URL timeout must be a number of seconds") from exc
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit_tls,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Transport(Protocol):
    def connect(self) -> AbstractContextManager[Connection]: ...


class LogConnection:
    def send(self, message: EmailMessage) -> None:
        body = message.get_body(preferencelist=("plain",))
        logger.info(
            "mail (MAIL_URL unset, not sent)\nTo: %s\nSubject: %s\n\n%s",
            message["To"],
            message["Subject"],
            body.get_content() if body is not None else "",
        )


class LogTransport:
    """No MAIL_URL: every mail is written to the log and counts as sent."""

    @contextmanager
    def connect(self) -> Iterator[LogConnection]:
        yield LogConnection()


class SmtpConnection:
    def __init__(self, client: smtplib.SMTP) -> None:
        self.client = client

    def send(self, message: EmailMessage) -> None:
        try:
            refused = self.client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _classify(*_first_refusal(exc.recipients)) from exc
        except smtplib.SMTPResponseException as exc:
            # Sender refused, data refused: the answer's code says whether to try again.
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryMailError(_describe(exc)) from exc
        if refused:  # one recipient per message here, but be exact about partial success
            raise _classify(*_first_refusal(refused))


class SmtpTransport:
    def __init__(self, settings: SmtpSettings, ssl_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        # Tests hand in a context that trusts their own certificate; in production the
        # system's trust store and hostname checking apply.
        self.ssl_context = ssl_context or ssl.create_default_context()

    @contextmanager
    def connect(self) -> Iterator[SmtpConnection]:
        client = self._open()
        try:
            yield SmtpConnection(client)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.implicit_tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=self.ssl_context
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryMailError(
                f"cannot connect to {s.host}:{s.port}: {_describe(exc)}"
            ) from exc
        try:
            self._secure_and_log_in(client)
        except BaseException:
            client.close()
            raise
        return client

    def _secure_and_log_in(self, client: smtplib.SMTP) -> None:
        s = self.settings
        secure = s.implicit_tls
        try:
            client.ehlo()
            if not s.implicit_tls and s.starttls != "never":
                if client.has_extn("starttls"):
                    client.starttls(context=self.ssl_context)
                    client.ehlo()
                    secure = True
                elif s.starttls == "require":
                    raise TemporaryMailError(f"{s.host} does not offer STARTTLS")
            if s.username:
                if not secure and s.starttls != "never":
                    raise TemporaryMailError(
                        f"{s.host} offers no TLS; refusing to send the password in clear "
                        "(add ?starttls=never to MAIL_URL if the link is trusted)"
                    )
                client.login(s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are a setup problem: keep the mails and keep trying, so
            # they go out once the setting is fixed.
            raise TemporaryMailError(f"login refused: {_describe(exc)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryMailError(_describe(exc)) from exc


def transport_from_url(url: str | None, ssl_context: ssl.SSLContext | None = None) -> Transport:
    if not url:
        return LogTransport()
    return SmtpTransport(parse_mail_url(url), ssl_context)


def _first_refusal(refusals: dict[str, tuple[int, bytes]]) -> tuple[int, bytes | str]:
    return next(iter(refusals.values()), (451, b"recipient refused"))


def _classify(code: int, text: bytes | str) -> MailError:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    described = f"{code} {message}".strip()
    return PermanentMailError(described) if 500 <= code < 600 else TemporaryMailError(described)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{exc.smtp_code} {message}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
