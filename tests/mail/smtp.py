"""A real SMTP server for the tests that send mail (aiosmtpd, in a thread)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """Keeps every message accepted; can refuse recipients and hold clients in EHLO."""

    def __init__(self, refuse: set[str] | None = None):
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # each message as it came over the wire
        self.refuse = refuse or set()
        self.refuse_data: str | None = None  # an answer such as "554 ..." to every message
        self.hold = threading.Event()  # while set, a client waits in EHLO
        self.greeted = threading.Event()  # a client said EHLO

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.greeted.set()
        while self.hold.is_set():
            await asyncio.sleep(0.05)
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.raw.append(envelope.original_content)
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


class SmtpServer:
    def __init__(self, port: int | None = None, refuse: set[str] | None = None):
        self.port = port or free_port()
        self.recorder = Recorder(refuse)
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages

    def start(self) -> SmtpServer:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self.recorder.hold.clear()
            self._controller.stop()
            self._controller = None
