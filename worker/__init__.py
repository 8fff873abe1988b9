"""The Celery entry point: ``celery -A worker worker`` and ``celery -A worker beat``.

Celery looks up ``worker.app``. It is created on that first look-up, not on import,
because the web app imports ``worker.celery_app`` to queue tasks and must not build
a second Flask app by doing so.
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
