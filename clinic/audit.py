"""The audit log: who did what to which record, when, from where; tamper-evident.

Two verbs, used by the services of every package: :func:`read` for reads of health
records (one event per request that reads, holding every id read) and :func:`change`
for every write. Views and API endpoints never write audit rows themselves.

Every event is chained to the one before: ``hash = HMAC(key, prev_hash + the event)``
with a key that is not in the database (``AUDIT_KEY``, else derived from
``SECRET_KEY``), in a gapless ``seq`` order. Changes are inserted as the request
goes, with what they describe, and chained as the transaction commits; reads are
kept and inserted together then, already chained. Both under a row lock on the one
``audit_chain`` row (the chain's head), so concurrent requests never fork the chain
and wait for each other only for that last step.
``clinic audit verify`` (:func:`verify`) walks the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, g, has_request_context, request
from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    bindparam,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from clinic.db import Base, utcnow
from clinic.extensions import db

if TYPE_CHECKING:
    from clinic.auth.models import User


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_record", "record_type", "record_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    action: Mapped[str] = mapped_column(String(50))
    record_type: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[int | None]
    family_id: Mapped[int | None] = mapped_column(index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # What changed, by field name only: the log must not become a second copy of
    # the health record.
    detail: Mapped[str | None] = mapped_column(String(1000))
    # A list read: every id read, as ",1,2,3," (so a record's reads can be found).
    record_ids: Mapped[str | None] = mapped_column(Text)
    # The chain: position, the previous event's hash, this event's hash.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    # By name: the audit log is core and knows no package above it.
    user: Mapped[User | None] = relationship("User")

    @property
    def ids_read(self) -> list[int]:
        """The record ids this event is about: its one record, or every id of a list read."""
        if self.record_ids:
            return [int(part) for part in self.record_ids.strip(",").split(",")]
        return [self.record_id] if self.record_id is not None else []


class AuditChain(Base):
    """The head of the chain: one row, locked while a transaction appends its events."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    # Events with a lower id were written before the chain existed (not chained).
    legacy_below_id: Mapped[int] = mapped_column(BigInteger, default=0)
    # HMAC of the head itself, so the chain's end cannot be cut off and the head moved
    # back. None only before the first event (the migration cannot know the key).
    mac: Mapped[str | None] = mapped_column(String(64))


GENESIS = "0" * 64
_EVENTS, _HEAD = AuditEvent.__table__, AuditChain.__table__
# The chain's statements, built once (statements are compiled and cached by shape,
# but building one costs a read request more than its round trip).
#
# The head, locked, with ids for the request's reads, so that each read is inserted
# whole, already chained, rather than inserted and then updated (an update of its
# seq rewrites every index of the row and leaves a dead one behind). PostgreSQL
# locks the row and takes the ids from the events' own sequence. SQLite locks the
# whole database at a transaction's first write, so the head is locked by writing
# it; the ids after the largest are then free. Each dialect's statement comes with
# how its third column (the ids taken; the largest id) gives ``count`` new ids.
_LOCKED_HEAD = {
    "postgresql": (
        select(
            _HEAD.c.last_seq,
            _HEAD.c.last_hash,
            select(func.array_agg(func.nextval(func.pg_get_serial_sequence("audit_events", "id"))))
            .select_from(func.generate_series(1, bindparam("count")))
            .scalar_subquery(),
        )
        .where(_HEAD.c.id == 1)
        .with_for_update(),
        lambda taken, count: sorted(taken or []),
    ),
    "sqlite": (
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(last_seq=_HEAD.c.last_seq)
        .returning(
            _HEAD.c.last_seq, _HEAD.c.last_hash, select(func.coalesce(func.max(_EVENTS.c.id), 0)).scalar_subquery()
        ),
        lambda largest, count: list(range(largest + 1, largest + 1 + count)),
    ),
}
_LINK_EVENT = (
    update(_EVENTS)
    .where(_EVENTS.c.id == bindparam("event_id"))
    .values(seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash"))
)
_INSERT_EVENTS = insert(_EVENTS)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(
    last_seq=bindparam("last_seq"), last_hash=bindparam("last_hash"), mac=bindparam("mac")
)
_FIELDS = ("id", "occurred_at", "user_id", "action", "record_type", "record_id", "family_id", "ip_address", "detail", "record_ids")


def about_record(record_type: str, record_id: int):
    """The condition for events about one record: its own, and list reads that held it."""
    return (AuditEvent.record_type == record_type) & (
        (AuditEvent.record_id == record_id) | AuditEvent.record_ids.contains(f",{record_id},", autoescape=True)
    )


def _key() -> bytes:
    configured = current_app.config.get("AUDIT_KEY")
    if configured:
        return configured.encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"clinic audit chain v1", hashlib.sha256).digest()


def _canonical(values: dict) -> bytes:
    def plain(value):
        return value.isoformat() if isinstance(value, datetime) else value

    return json.dumps([plain(values[name]) for name in _FIELDS], separators=(",", ":")).encode()


def event_hash(key: bytes, seq: int, prev_hash: str, values: dict) -> str:
    message = f"{seq}|{prev_hash}|".encode() + _canonical(values)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def head_mac(key: bytes, last_seq: int, last_hash: str) -> str:
    return hmac.new(key, f"head|{last_seq}|{last_hash}".encode(), hashlib.sha256).hexdigest()


def _values(event_row) -> dict:
    return {name: getattr(event_row, name) for name in _FIELDS}


@event.listens_for(Session, "before_flush")
def _track_new_events(session, _context, _instances):
    new = [obj for obj in session.new if isinstance(obj, AuditEvent) and obj.seq is None]
    if new:
        session.info.setdefault("audit_unchained", []).extend(new)


@event.listens_for(Session, "before_commit")
def _chain_new_events(session):
    """Append this transaction's events to the chain, under the head's row lock.

    In Core statements on the session's connection: the unit of work would cost a
    read request more Python than the statements themselves (bench/results.md)."""
    reads = session.info.pop("audit_reads", [])
    if not reads and not session.info.get("audit_unchained") and not any(isinstance(obj, AuditEvent) for obj in session.new):
        return
    session.flush()  # ids for every new event
    # An event flushed inside a savepoint that was rolled back is gone: skip it.
    objects = [e for e in session.info.pop("audit_unchained", []) if inspect(e).persistent and e.seq is None]
    if not objects and not reads:
        return
    key = _key()
    connection = session.connection()
    seq, prev, read_ids = _locked_head(connection, key, len(reads))
    reads = [{**values, "id": event_id} for values, event_id in zip(reads, read_ids, strict=True)]
    events = sorted([(e.id, _values(e), e) for e in objects] + [(read["id"], read, None) for read in reads], key=lambda e: e[0])
    inserts, links = [], []
    for event_id, values, audit_event in events:
        seq += 1
        digest = event_hash(key, seq, prev, values)
        chained = {"seq": seq, "prev_hash": prev, "hash": digest}
        if audit_event is None:
            inserts.append({**values, **chained})
        else:
            links.append({"event_id": event_id, **chained})
            for name, value in chained.items():
                set_committed_value(audit_event, name, value)
        prev = digest
    if inserts:
        connection.execute(_INSERT_EVENTS, inserts)
    if links:
        connection.execute(_LINK_EVENT, links)
    connection.execute(_MOVE_HEAD, {"last_seq": seq, "last_hash": prev, "mac": head_mac(key, seq, prev)})


@event.listens_for(Session, "after_transaction_end")
def _forget_events(session, transaction):
    """The transaction's events are chained at its commit or gone with its rollback.

    Not on a savepoint's end: the events written before it are still to be chained
    (an event flushed inside a savepoint that was rolled back is skipped then)."""
    if transaction.parent is None:
        session.info.pop("audit_unchained", None)
        session.info.pop("audit_reads", None)


def _locked_head(connection, key: bytes, reads: int) -> tuple[int, str, list[int]]:
    """The chain's (last seq, last hash), its row locked until the transaction ends,
    and ``reads`` new event ids."""
    locked, new_ids = _LOCKED_HEAD[connection.dialect.name]
    row = connection.execute(locked, {"count": reads}).first()
    if row is None:  # a database made without migrations (tests): the chain starts here
        try:
            with connection.begin_nested():
                connection.execute(
                    insert(_HEAD).values(id=1, last_seq=0, last_hash=GENESIS, legacy_below_id=0, mac=head_mac(key, 0, GENESIS))
                )
        except IntegrityError:
            pass  # another transaction started it a moment ago
        row = connection.execute(locked, {"count": reads}).one()
    last_seq, last_hash, ids = row
    return last_seq, last_hash, new_ids(ids, reads)


@dataclass(frozen=True)
class Problem:
    event_id: int | None
    message: str


def verify(batch: int = 1000) -> tuple[int, Problem | None]:
    """Walk the chain: (events checked, the first problem or None).

    A changed event fails its hash; an event inserted behind the app's back has no
    place in the chain (or a wrong hash); a removed one leaves a gap in ``seq`` or
    a ``prev_hash`` that does not match; one cut off the end disagrees with the head.
    """
    key = _key()
    head = db.session.get(AuditChain, 1)
    legacy_below = head.legacy_below_id if head is not None else 0
    stray = db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.seq.is_(None), AuditEvent.id >= legacy_below).order_by(AuditEvent.id).limit(1)
    )
    if stray is not None:
        return 0, Problem(stray, f"event {stray} is not in the chain: inserted behind the app's back")
    expected_seq, prev, checked = 0, GENESIS, 0
    for row in _chained(batch):
        expected_seq += 1
        if row.seq != expected_seq:
            return checked, Problem(row.id, f"events {expected_seq} to {row.seq - 1} of the chain are missing before event {row.id}: removed")
        if row.prev_hash != prev:
            return checked, Problem(row.id, f"event {row.id} does not follow the event before it: one was removed or replaced")
        if not hmac.compare_digest(row.hash or "", event_hash(key, row.seq, prev, _values(row))):
            return checked, Problem(row.id, f"event {row.id} was changed (its hash does not match)")
        prev = row.hash
        checked += 1
    if head is None:
        return checked, (Problem(None, "the chain's head is missing") if checked else None)
    unsealed_start = head.mac is None and head.last_seq == 0
    if not unsealed_start and not hmac.compare_digest(head.mac or "", head_mac(key, head.last_seq, head.last_hash)):
        return checked, Problem(None, "the chain's head was changed")
    if head.last_seq != expected_seq or head.last_hash != prev:
        return checked, Problem(None, f"the chain ends at event {expected_seq} but its head says {head.last_seq}: events were removed from the end")
    return checked, None


def _chained(batch: int) -> Iterator[AuditEvent]:
    """Every chained event in seq order, a batch at a time (keyset, bounded memory)."""
    after = 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        db.session.expunge_all()


def change(
    action: str,
    record_type: str,
    record_id: int | None,
    *,
    user: User | None,
    family_id: int | None = None,
    detail: str | None = None,
    kept: bool = False,
) -> AuditEvent | None:
    """A change (or a security event): added to the current transaction, so it
    commits with the change it describes.

    ``kept`` events (failed and throttled sign-ins, denied access) are written even though the
    request answers with an error and rolls back: they are held until the request's
    transaction has ended and then written in one of their own (see
    :func:`write_kept_events`). Not a second connection meanwhile: on SQLite it
    would wait for the write lock its own request holds.
    """
    if kept:
        _keep(action, record_type, record_id, detail, user.id if user is not None else None)
        return None
    event = AuditEvent(
        action=action,
        record_type=record_type,
        record_id=record_id,
        user_id=user.id if user is not None else None,
        family_id=family_id,
        ip_address=request.remote_addr if has_request_context() else None,
        detail=detail[:1000] if detail else None,
    )
    db.session.add(event)
    return event


def read(
    user: User,
    record_type: str,
    records: Iterable[tuple[int, int | None]],
    *,
    action: str = "view",
    detail: str | None = None,
) -> None:
    """Reads of health records: one event holding every id read.

    ``records`` holds (record id, family id) pairs. One record fills ``record_id`` and
    ``family_id``; a list fills ``record_ids`` (and ``family_id`` when all are of one
    family), so a 50-row list costs one row, not fifty.
    """
    records = list(records)
    if not records:
        return
    families = {family_id for _, family_id in records}
    single = len(records) == 1
    values = {
        "occurred_at": utcnow(),
        "user_id": user.id,
        "action": action,
        "record_type": record_type,
        "record_id": records[0][0] if single else None,
        "family_id": families.pop() if len(families) == 1 else None,
        "ip_address": request.remote_addr if has_request_context() else None,
        "detail": detail,
        "record_ids": None if single else "," + ",".join(str(record_id) for record_id, _ in records) + ",",
    }
    # Written when the transaction commits, with the request's other reads in one
    # INSERT: a child's page reads the child, its screenings and its family's risk
    # factors. A read is logged even if a savepoint around it is rolled back: it
    # happened; a request that fails and rolls back logs none (_forget_events).
    db.session().info.setdefault("audit_reads", []).append(values)


def _keep(action: str, record_type: str, record_id: int | None, detail: str | None, user_id: int | None) -> None:
    event = {
        "occurred_at": utcnow(),
        "user_id": user_id,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "ip_address": request.remote_addr if has_request_context() else None,
        "detail": detail[:1000] if detail else None,
    }
    if has_request_context():
        g.setdefault("kept_audit_events", []).append(event)
    else:
        db.session.add(AuditEvent(**event))


def write_kept_events() -> None:
    """Write the request's kept security events, after its own transaction ended.

    Called by the request boundary (``clinic.__init__``), which owns this commit."""
    events = g.pop("kept_audit_events", None)
    if events:
        db.session.add_all(AuditEvent(**values) for values in events)
        db.session.commit()
