"""Leases in the database that keep two runs of a periodic task from overlapping.

The lock takes and releases its lease in transactions of its own, outside the
task's: that is its purpose (other processes must see the lease at once), and the
one place besides the request and task boundaries that commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import String, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import Base, utcnow
from clinic.extensions import db


class WorkerLock(Base):
    """A lease that keeps two runs of a periodic task from overlapping.

    In the database rather than in Redis so it works with the embedded broker too;
    the lease expires, so a worker killed while holding it blocks nobody for long.
    """

    __tablename__ = "worker_locks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


@contextmanager
def periodic_lock(name: str, lease: timedelta) -> Iterator[bool]:
    """Yield True when this run holds the lock ``name``, False when another run does.

    The lock is taken and released in transactions of their own, so other processes
    see it at once; the lease is an upper bound on a run, after which a lock left by
    a dead worker is free again. The run's work is committed before the lock is
    released (rolled back if the run fails), so the next run never starts from work
    that is not durable, and no transaction of the run is open while the release
    waits for the database (on SQLite it would wait for its own write lock).
    """
    holder = secrets.token_hex(16)
    acquired = _acquire(name, holder, lease)
    try:
        yield acquired
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if acquired:
            with db.engine.begin() as conn:
                conn.execute(delete(WorkerLock).where(WorkerLock.name == name, WorkerLock.holder == holder))


def _acquire(name: str, holder: str, lease: timedelta) -> bool:
    now = utcnow()
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(WorkerLock).values(name=name, holder=holder, expires_at=now + lease))
        return True
    except IntegrityError:
        pass
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(WorkerLock)
            .where(WorkerLock.name == name, WorkerLock.expires_at <= now)
            .values(holder=holder, expires_at=now + lease)
        )
    return taken.rowcount == 1
