"""Fixtures of the mail tests: a real SMTP server, or an address where none listens."""

from __future__ import annotations

import pytest

from tests.mail.smtp import SmtpServer, free_port


@pytest.fixture
def smtp(app, monkeypatch):
    """A running SMTP server the app sends to."""
    server = SmtpServer().start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    yield server
    server.stop()


@pytest.fixture
def smtp_down(app, monkeypatch):
    """A MAIL_SERVER that refuses connections (nothing listens on the port)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
