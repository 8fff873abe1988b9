"""What the worker processes the tests start load: ``celery -A tests.worker.celery_entry``.

The same factory as ``worker/__init__.py`` (``celery_for(create_app(...))``), with
the test's configuration (its database, broker, queue and mail server) passed as
JSON in CLINIC_TEST_APP_CONFIG instead of read from the deployment's environment.
"""

from __future__ import annotations

import json
import os

from clinic import create_app
from worker.celery_app import celery_for

app = celery_for(create_app(json.loads(os.environ["CLINIC_TEST_APP_CONFIG"])))
