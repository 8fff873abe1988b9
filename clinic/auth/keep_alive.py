"""The "stay signed in" button of the idle warning: a request that does nothing but
count as activity (the request lifecycle moves the session's last-seen time)."""

from __future__ import annotations

from clinic.auth.blueprint import bp
from clinic.permissions.roles import STAFF, access


@bp.post("/session/keep-alive")
@access(STAFF)
def keep_alive():
    return "", 204
