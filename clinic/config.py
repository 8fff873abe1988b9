"""Configuration from the environment (see the table in SPEC.md)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


def _secret_key(instance_path: Path) -> str:
    """The SECRET_KEY, or one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: Path) -> dict:
    instance_path.mkdir(parents=True, exist_ok=True)
    public_url = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    redis_url = os.environ.get("REDIS_URL") or None
    timezone = os.environ.get("CLINIC_TIMEZONE", "UTC")
    ZoneInfo(timezone)  # fail at start-up, not on the first reminder run
    return {
        "SECRET_KEY": _secret_key(instance_path),
        # The audit chain's HMAC key (clinic/audit.py); without it, derived from SECRET_KEY.
        "AUDIT_KEY": os.environ.get("AUDIT_KEY") or None,
        "DATABASE_URL": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance_path / 'clinic.sqlite3'}",
        "REDIS_URL": redis_url,
        "SQLITE_BEGIN_IMMEDIATE": True,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "clinic@localhost"),
        "PUBLIC_URL": public_url,
        # Number of reverse proxies in front of the app whose X-Forwarded-* to trust.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "CLINIC_TIMEZONE": timezone,
        "REMINDER_DAYS": int(os.environ.get("REMINDER_DAYS", "7")),
        # Sessions: HttpOnly and SameSite always, Secure when served over https.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": public_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": public_url.startswith("https://"),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
        "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=12),
        "API_TOKEN_LIFETIME": timedelta(hours=8),
        "PASSWORD_LINK_LIFETIME": timedelta(hours=24),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed sign-ins (clinic.auth.throttle): per account and address first, with
        # waits that grow; per account (from addresses that failed) and per address
        # only at higher counts.
        "LOGIN_FAILURES_PER_PAIR": "3 per minute; 6 per 15 minutes; 10 per hour",
        "LOGIN_FAILURES_PER_ACCOUNT": "20 per hour",
        "LOGIN_FAILURES_PER_ADDRESS": "100 per hour",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": "translations",
        "CELERY_BROKER_URL": redis_url or "filesystem://",
        "CELERY_BROKER_FOLDER": str(instance_path / "broker"),
        "CELERY_RESULT_BACKEND": redis_url,
    }
