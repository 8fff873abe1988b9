"""The Celery entry point: ``celery -A worker worker`` and ``celery -A worker beat``.

Celery looks up ``worker.app``. It is created on that first look-up, not on import,
so that importing ``worker.celery_app`` (as the tests do) builds no Flask app.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name == "app":
        from clinic import create_app
        from worker.celery_app import celery_for

        global app
        app = celery_for(create_app())
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
