"""A small mail catcher: stand-in for Mailpit where its image cannot be pulled.

SMTP on port 1025 (aiosmtpd) keeps every message in memory; HTTP on port 8025
answers the part of Mailpit's API the deploy check reads, so the check works the
same against either:

- ``GET /api/v1/messages?limit=N&start=S`` — newest first, Mailpit's field names
- ``GET /api/v1/message/<ID>/raw`` — the message as received
- ``DELETE /api/v1/messages`` — forget them all

Two knobs for the crash test, which Mailpit does not have:

- ``MAILCATCHER_DELAY`` (seconds, default 0): every recipient waits that long
  before it is accepted, so that draining the outbox takes long enough to
  interrupt.
- ``MAILCATCHER_HOLD_PREFIX``: the first delivery to a recipient whose address
  starts with it is held before the recipient is accepted, until the client goes
  away; ``GET /api/v1/held`` lists the sessions held now (recipient and the
  sender's address), so the check can kill exactly the worker that is mid-send.
  A later delivery to the same address is accepted as usual.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from email.utils import getaddresses, parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

DELAY = float(os.environ.get("MAILCATCHER_DELAY", "0"))
HOLD_PREFIX = os.environ.get("MAILCATCHER_HOLD_PREFIX", "")
HOLD_AT_MOST = 120.0


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self.raw: dict[str, bytes] = {}
        self.held: dict[int, dict] = {}  # id(session) -> {"recipient", "peer"}
        self.hold_done: set[str] = set()
        self.next_id = 1

    def add(self, envelope) -> None:
        parsed = message_from_bytes(envelope.content, policy=default)
        name, address = parseaddr(str(parsed.get("From", "")))
        with self.lock:
            message_id = str(self.next_id)
            self.next_id += 1
            self.raw[message_id] = envelope.content
            self.messages.append(
                {
                    "ID": message_id,
                    "MessageID": str(parsed.get("Message-ID", "")).strip("<>"),
                    "From": {"Name": name, "Address": address},
                    "To": [{"Name": n, "Address": a} for n, a in getaddresses(envelope.rcpt_tos)],
                    "Subject": str(parsed.get("Subject", "")),
                    "Created": datetime.now(UTC).isoformat(),
                    "Size": len(envelope.content),
                }
            )


STORE = Store()


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if DELAY:
            await asyncio.sleep(DELAY)
        if HOLD_PREFIX and address.startswith(HOLD_PREFIX):
            with STORE.lock:
                hold = address not in STORE.hold_done
                if hold:
                    STORE.hold_done.add(address)
                    STORE.held[id(session)] = {"recipient": address, "peer": session.peer[0]}
            if hold:
                try:
                    await asyncio.sleep(HOLD_AT_MOST)
                finally:  # the client went away (the task is cancelled) or the hold ran out
                    with STORE.lock:
                        STORE.held.pop(id(session), None)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        STORE.add(envelope)
        return "250 OK: queued"


class Api(BaseHTTPRequestHandler):
    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, value, status: int = 200) -> None:
        self._send(status, json.dumps(value).encode())

    def do_GET(self):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        if url.path == "/api/v1/messages":
            query = parse_qs(url.query)
            limit = int(query.get("limit", ["50"])[0])
            start = int(query.get("start", ["0"])[0])
            with STORE.lock:
                newest_first = list(reversed(STORE.messages))
            page = newest_first[start : start + limit] if limit > 0 else newest_first[start:]
            self._json(
                {"total": len(newest_first), "count": len(page), "start": start, "messages": page}
            )
        elif len(parts) == 5 and parts[:3] == ["api", "v1", "message"] and parts[4] == "raw":
            raw = STORE.raw.get(parts[3])
            if raw is None:
                self._send(404, b"not found", "text/plain")
            else:
                self._send(200, raw, "message/rfc822")
        elif url.path == "/api/v1/held":
            with STORE.lock:
                self._json(list(STORE.held.values()))
        elif url.path in ("/", "/livez", "/readyz"):
            self._send(200, b"ok", "text/plain")
        else:
            self._send(404, b"not found", "text/plain")

    def do_DELETE(self):
        if urlsplit(self.path).path == "/api/v1/messages":
            with STORE.lock:
                STORE.messages.clear()
                STORE.raw.clear()
            self._send(200, b"ok", "text/plain")
        else:
            self._send(404, b"not found", "text/plain")

    def log_message(self, format, *args):
        pass  # the check polls often; its requests are not news


def main() -> None:
    smtp = Controller(Handler(), hostname="0.0.0.0", port=1025)
    smtp.start()
    http = ThreadingHTTPServer(("0.0.0.0", 8025), Api)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=http.shutdown).start())
    print("mail catcher: SMTP on 1025, HTTP on 8025", flush=True)
    try:
        http.serve_forever()
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
