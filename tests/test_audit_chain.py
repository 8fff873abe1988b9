"""The audit log's hash chain: ``clinic audit verify`` finds rows changed, inserted or removed
with raw SQL, and concurrent writers never fork the chain."""

from __future__ import annotations

import threading

from sqlalchemy import event, select, text

from clinic import audit
from clinic.audit import AuditChain, AuditEvent
from clinic.extensions import db as _db


def write_events(transactions: int, per_transaction: int = 2) -> None:
    for t in range(transactions):
        for n in range(per_transaction):
            audit.change("update", "family", t * 10 + n, user=None, detail=f"t{t} n{n}")
        _db.session.commit()


def event_id_at(db, seq: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(AuditEvent.id).where(AuditEvent.seq == seq))


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def raw(db, sql: str, **params) -> None:
    """A change behind the app's back: plain SQL on the database, no app code."""
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_an_untouched_chain_verifies(app, db):
    write_events(5)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "Audit log intact: 10 events in the chain." in result.output
    assert [e.seq for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == list(range(1, 11))


def test_a_changed_row_is_named(app, db):
    write_events(5)
    changed = event_id_at(db, 4)
    raw(db, "UPDATE audit_events SET detail = 'nothing to see' WHERE id = :id", id=changed)
    result = verify(app)
    assert result.exit_code == 1
    assert f"event {changed} was changed" in result.output


def test_a_changed_user_or_time_is_found_too(app, db):
    write_events(3)
    changed = event_id_at(db, 2)
    raw(db, "UPDATE audit_events SET record_id = 999 WHERE id = :id", id=changed)
    assert f"event {changed} was changed" in verify(app).output


def test_a_removed_row_is_named_by_the_one_after_it(app, db):
    write_events(5)
    removed, after = event_id_at(db, 4), event_id_at(db, 5)
    raw(db, "DELETE FROM audit_events WHERE id = :id", id=removed)
    result = verify(app)
    assert result.exit_code == 1
    assert f"events 4 to 4 of the chain are missing before event {after}: removed" in result.output


def test_removing_and_renumbering_is_found(app, db):
    write_events(3)
    removed, after = event_id_at(db, 3), event_id_at(db, 4)
    raw(db, "DELETE FROM audit_events WHERE id = :id", id=removed)
    raw(db, "UPDATE audit_events SET seq = seq - 1 WHERE seq > 3")
    result = verify(app)
    assert result.exit_code == 1 and f"event {after} does not follow the event before it" in result.output


def test_a_row_removed_from_the_end_is_found(app, db):
    write_events(3)
    raw(db, "DELETE FROM audit_events WHERE id = :id", id=event_id_at(db, 6))
    result = verify(app)
    assert result.exit_code == 1 and "the chain ends at event 5 but its head says 6" in result.output


def test_an_inserted_row_is_named(app, db):
    write_events(2)
    raw(
        db,
        "INSERT INTO audit_events (occurred_at, action, record_type, record_id) "
        "VALUES (CURRENT_TIMESTAMP, 'view', 'family', 1)",
    )
    inserted = db.session.scalar(select(AuditEvent.id).where(AuditEvent.seq.is_(None)))
    result = verify(app)
    assert result.exit_code == 1
    assert f"event {inserted} is not in the chain: inserted behind the app's back" in result.output


def test_an_inserted_row_with_a_forged_place_is_found(app, db):
    write_events(2)
    last = db.session.scalars(select(AuditEvent).where(AuditEvent.seq == 4)).one()
    raw(
        db,
        "INSERT INTO audit_events (occurred_at, action, record_type, record_id, seq, prev_hash, hash) "
        "VALUES (CURRENT_TIMESTAMP, 'view', 'family', 1, 5, :prev, :forged)",
        prev=last.hash,
        forged="f" * 64,
    )
    raw(db, "UPDATE audit_chain SET last_seq = 5, last_hash = :h", h="f" * 64)
    result = verify(app)
    assert result.exit_code == 1 and "was changed (its hash does not match)" in result.output


def all_at_once(app, work, count: int = 4) -> None:
    """``work(number)`` in ``count`` threads started together, each in an app context."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(number: int):
        try:
            with app.app_context():
                start.wait()
                work(number)
                _db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_concurrent_writers_never_fork_the_chain(app, db):
    all_at_once(app, lambda _number: write_events(10, per_transaction=3))
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "120 events in the chain" in result.output
    db.session.rollback()
    assert db.session.get(AuditChain, 1).last_seq == 120


def test_concurrent_readers_and_writers_never_fork_the_chain_or_share_an_id(app, db):
    """Reads take their ids under the head's lock; changes have theirs from the flush."""
    from clinic.auth.models import User
    from tests.factories import UserFactory

    reader_id = UserFactory().id
    db.session.commit()

    def read_and_change(number: int):
        # Loaded, then kept out of the session: a transaction that reads before it
        # writes is refused on SQLite in deferred mode (the tests' setting).
        reader = _db.session.get(User, reader_id)
        _db.session.expunge(reader)
        _db.session.commit()
        for t in range(10):
            audit.read(reader, "family", [(number * 100 + t, 1), (number * 100 + t + 50, 2)])
            if number % 2:
                audit.change("update", "family", number * 100 + t, user=reader)
            audit.read(reader, "child", [(number * 100 + t, 1)])
            _db.session.commit()

    all_at_once(app, read_and_change)
    # Two threads read twice a transaction, two read twice and change once: 4 × 10 × 2 + 2 × 10.
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "100 events in the chain" in result.output
    assert sorted(seq for seq, *_ in chain(db)) == list(range(1, 101))


def test_a_request_s_reads_are_inserted_in_their_place_in_the_chain(app, db):
    """One INSERT of the reads with their seq and hashes, under the head's lock: no
    second write of each event (an update of its seq rewrites every index of the row)."""
    from tests.factories import UserFactory

    reader = UserFactory()
    db.session.commit()
    write_events(1, per_transaction=1)  # the chain's head exists
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()[:3]) if statement.startswith(("INSERT", "UPDATE")) else statement)

    audit.read(reader, "family", [(1, 10), (2, 20)])
    audit.read(reader, "child", [(3, 10)])
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert [s for s in statements if "audit_events" in s] == ["INSERT INTO audit_events"]
    assert len([s for s in statements if "audit_chain" in s]) == 2  # the head locked, then moved
    assert chain(db) == [(1, "update", "", 0), (2, "view", ",1,2,", None), (3, "view", "", 3)]
    assert verify(app).exit_code == 0


def test_reaching_for_a_record_out_of_scope_is_audited(app, login, api, db):
    from tests.factories import ChildFactory, FamilyFactory, UserFactory

    snoop = UserFactory()
    family = FamilyFactory()  # another visitor's
    child = ChildFactory(family=family)

    assert login(snoop).get(f"/families/{family.id}").status_code == 404
    assert api(snoop).get(f"/children/{child.id}").status_code == 404
    assert login(snoop).get("/families/999999").status_code == 404  # no such record: nothing denied

    db.session.rollback()
    denied = db.session.execute(
        select(AuditEvent.record_type, AuditEvent.record_id, AuditEvent.user_id).where(AuditEvent.action == "denied")
    ).all()
    assert sorted(denied) == sorted([("family", family.id, snoop.id), ("child", child.id, snoop.id)])
    assert verify(app).exit_code == 0


def chain(db) -> list[tuple[int, str, str, int | None]]:
    """(seq, action, record_ids or "", record_id) of every event, in id order."""
    db.session.rollback()
    rows = db.session.execute(
        select(AuditEvent.seq, AuditEvent.action, AuditEvent.record_ids, AuditEvent.record_id).order_by(AuditEvent.id)
    )
    return [(seq, action, record_ids or "", record_id) for seq, action, record_ids, record_id in rows]


def test_reads_and_changes_of_one_transaction_are_all_chained(app, db):
    """Changes reach the database as the session flushes, reads together at commit:
    the chain follows the order the rows reached the database (their ids)."""
    from tests.factories import UserFactory

    reader = UserFactory()
    db.session.commit()
    audit.read(reader, "family", [(4, 40), (5, 50)])
    changed = audit.change("update", "family", 4, user=reader, detail="name")
    audit.read(reader, "child", [(7, 40)])
    db.session.commit()

    in_chain = chain(db)
    assert [seq for seq, *_ in in_chain] == [1, 2, 3]
    assert sorted(tuple(event) for _, *event in in_chain) == sorted([("view", ",4,5,", None), ("update", "", 4), ("view", "", 7)])
    assert (changed.seq, "update") in {(seq, action) for seq, action, *_ in in_chain}  # the session's object knows its place
    result = verify(app)
    assert result.exit_code == 0 and "3 events in the chain" in result.output


def test_a_rolled_back_savepoint_takes_its_changes_not_the_reads_and_leaves_no_hole(app, db):
    """The records were read (shown) even if the savepoint's writes failed; what it
    changed is gone, and so is its event. Changes reach the database as the session
    flushes, the request's reads together when it commits."""
    from tests.factories import UserFactory

    reader = UserFactory()
    db.session.commit()
    audit.read(reader, "family", [(1, 10)])
    audit.change("update", "family", 1, user=reader)
    try:
        with db.session.begin_nested():
            audit.change("update", "family", 2, user=reader)
            audit.read(reader, "family", [(2, 20)])
            raise RuntimeError("the savepoint's work failed")
    except RuntimeError:
        pass
    audit.read(reader, "family", [(3, 30)])
    db.session.commit()

    assert chain(db) == [(1, "update", "", 1), (2, "view", "", 1), (3, "view", "", 2), (4, "view", "", 3)]
    assert verify(app).exit_code == 0


def test_a_read_rolled_back_with_its_transaction_is_not_chained(app, db):
    from tests.factories import UserFactory

    reader = UserFactory()
    db.session.commit()
    audit.read(reader, "family", [(1, 10)])
    db.session.rollback()
    audit.change("update", "family", 2, user=reader)
    db.session.commit()

    assert chain(db) == [(1, "update", "", 2)]
    assert verify(app).exit_code == 0
