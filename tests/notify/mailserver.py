"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests, with optional STARTTLS and login.

aiosmtpd 1.4.6 cannot listen on port 0, so a free port is found first. ``MailServer.fail``
makes the server fail at one stage of the conversation (connect, EHLO, STARTTLS, AUTH, MAIL,
RCPT, DATA, after DATA, QUIT) for the next conversations: by answering an error and closing,
by resetting the connection, or by going silent.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# Where a relay can fail, in the order of a conversation. "after DATA" is once the message
# is accepted (250); "DATA reply" keeps the message but never answers the data (the one case
# where the sender cannot know it was delivered).
STAGES = ("connect", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "after DATA", "QUIT")
HOW = ("reply", "reset", "stall")
_REPLIES = {"connect": "421 4.3.2 Service not available, closing channel",
            "EHLO": "421 4.3.2 Service not available, closing channel",
            "STARTTLS": "454 4.7.0 TLS not available due to temporary reason",
            "AUTH": "454 4.7.0 Temporary authentication failure",
            "MAIL": "451 4.3.0 Mail server temporarily rejected message",
            "RCPT": "450 4.2.1 Mailbox temporarily unavailable",
            "DATA": "451 4.3.0 Local error in processing",
            "after DATA": "421 4.4.2 Connection dropped",
            "QUIT": "421 4.3.2 Service shutting down, closing channel"}


@dataclass
class Faults:
    """Failures still to happen: stage -> how, one per conversation, oldest first."""

    waiting: dict[str, list[str]] = field(default_factory=dict)
    stall_seconds: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stalling: int = 0  # connections gone silent just now; the server waits for them before it stops

    async def stall(self, transport) -> None:
        """Say nothing for ``stall_seconds``, then hang up."""
        with self.lock:
            self.stalling += 1
        try:
            await asyncio.sleep(self.stall_seconds)
        finally:
            transport.close()
            with self.lock:
                self.stalling -= 1

    def wait_for_stalls(self) -> None:
        deadline = time.monotonic() + self.stall_seconds + 2
        while self.stalling and time.monotonic() < deadline:
            time.sleep(0.05)

    def add(self, stage: str, how: str, times: int = 1) -> None:
        assert stage in STAGES + ("DATA reply",) and how in HOW, (stage, how)
        with self.lock:
            self.waiting.setdefault(stage, []).extend([how] * times)

    def take(self, stage: str) -> str | None:
        with self.lock:
            queue = self.waiting.get(stage)
            return queue.pop(0) if queue else None


class _FaultySMTP(SMTP):
    """aiosmtpd's server, failing where ``faults`` says."""

    def __init__(self, handler, faults: Faults, **kwargs):
        super().__init__(handler, **kwargs)
        self.faults = faults
        for command in ("EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"):
            self._smtp_methods[command] = self._faulty(command, self._smtp_methods[command])

    def _faulty(self, command: str, method):
        async def run(arg):
            how = self.faults.take(command)
            if how is not None:
                return await self._fail(how, _REPLIES[command])
            await method(arg)
            how = self.faults.take(f"after {command}") if command == "DATA" else None
            if how is not None:
                await self._fail(how, _REPLIES["after DATA"])
        return run

    async def _handle_client(self) -> None:
        how = self.faults.take("connect")
        if how is not None:
            await self._fail(how, _REPLIES["connect"])
            return
        await super()._handle_client()

    async def _fail(self, how: str, reply: str) -> None:
        if how == "reply":
            await self.push(reply)
            self.transport.close()
        elif how == "reset":
            self.transport.abort()
        else:
            await self.faults.stall(self.transport)
        if self._handler_coroutine is not None and self._handler_coroutine is not asyncio.current_task():
            self._handler_coroutine.cancel()


class _FaultyController(Controller):
    def __init__(self, handler, faults: Faults, **kwargs):
        self.faults = faults
        super().__init__(handler, **kwargs)

    def factory(self):
        return _FaultySMTP(self.handler, self.faults, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key, written to ``folder``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Received:
    """One delivered message: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return self.message["To"]

    @property
    def subject(self) -> str:
        return self.message["Subject"]

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse_data: bool = False
    refuse_to: set[str] = field(default_factory=set)
    faults: Faults = field(default_factory=Faults)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_to:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return "451 Requested action aborted: local error in processing"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.faults.take("DATA reply") is not None:
            # Delivered, but the sender never hears so: it times out waiting for the 250.
            await self.faults.stall(server.transport)
        return "250 Message accepted for delivery"


class MailServer:
    """An SMTP server on 127.0.0.1; ``tls`` adds STARTTLS (required) and a username/password."""

    USERNAME = "challenge-tracker"
    PASSWORD = "relay-password"

    def __init__(self, folder: Path | None = None, *, tls: bool = False):
        self.port = free_port()
        self.handler = _Handler()
        self.cert: Path | None = None
        kwargs = {}
        if tls:
            assert folder is not None, "a folder for the certificate is needed"
            self.cert, key = self_signed_certificate(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, key)
            kwargs = dict(tls_context=context, require_starttls=True, auth_required=True,
                          authenticator=self._authenticate)
        self.controller = _FaultyController(self.handler, self.handler.faults, hostname="127.0.0.1",
                                            port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.USERNAME \
            and auth_data.password.decode() == self.PASSWORD
        return AuthResult(success=ok, handled=False)

    def __enter__(self) -> "MailServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.handler.faults.wait_for_stalls()
        self.controller.stop()

    def start(self) -> None:
        self.controller.start()

    def fail(self, stage: str, how: str = "reply", times: int = 1) -> None:
        """Fail the next ``times`` conversations at ``stage`` (see STAGES), ``how`` (see HOW)."""
        self.handler.faults.add(stage, how, times)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def take(self) -> list[Received]:
        """The messages received since the last take, oldest first."""
        with self.handler.lock:
            taken, self.handler.received[:] = list(self.handler.received), []
        return taken

    def config(self, **extra) -> dict:
        """App settings that send through this server."""
        settings = {"MAIL_BACKEND": "smtp", "MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": self.port,
                    "MAIL_SMTP_STARTTLS": bool(self.cert), "MAIL_SMTP_TIMEOUT": 5}
        if self.cert:
            settings |= {"MAIL_SMTP_CA_FILE": str(self.cert), "MAIL_SMTP_USERNAME": self.USERNAME,
                         "MAIL_SMTP_PASSWORD": self.PASSWORD}
        return settings | extra
