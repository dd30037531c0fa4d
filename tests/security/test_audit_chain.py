"""The audit trail is tamper-evident: every row is hashed and chained to the row before it;
`flask verify-audit` and /admin/audit/verify name the first broken link. PostgreSQL refuses
TRUNCATE of the trail. Auditors export it as CSV, filtered."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from evaluator import audit_chain
from evaluator.audit import acting_as, record
from evaluator.extensions import db
from evaluator.models import AuditEvent, Role, Vendor
from evaluator.services import audit_trail
from evaluator.services.demo import seed_demo
from tests.conftest import login, make_user

# ------------------------------------------------------------------------------ pure chain

ROWS = st.lists(st.fixed_dictionaries({
    "at": st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                       timezones=st.just(UTC)),
    "actor_id": st.none() | st.integers(1, 10_000),
    "actor": st.text(max_size=20),
    "action": st.sampled_from(["create", "update", "delete", "export_memo"]),
    "entity_type": st.sampled_from(["Vendor", "Score", "Evaluation"]),
    "entity_id": st.none() | st.integers(1, 10_000),
    "before": st.none() | st.dictionaries(st.text(max_size=5), st.integers() | st.text()),
    "after": st.none() | st.dictionaries(st.text(max_size=5), st.floats(allow_nan=False)),
}), min_size=1, max_size=12)


def _chained(rows):
    rows = [dict(r, id=i + 1) for i, r in enumerate(rows)]
    audit_chain.chain(audit_chain.GENESIS, rows)
    return rows


@settings(max_examples=60, deadline=None)
@given(rows=ROWS)
def test_an_untouched_chain_verifies(rows):
    rows = _chained(rows)
    verdict = audit_chain.verify(rows)
    assert verdict.ok and verdict.rows == len(rows) and verdict.head == rows[-1]["hash"]


@settings(max_examples=60, deadline=None)
@given(rows=ROWS, data=st.data())
def test_any_edit_is_found_at_its_row(rows, data):
    rows = _chained(rows)
    index = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.sampled_from(["actor", "action", "entity_id", "at", "after"]))
    row = rows[index]
    if field == "at":
        row["at"] = row["at"] + timedelta(microseconds=1)
    elif field == "entity_id":
        row["entity_id"] = (row["entity_id"] or 0) + 1
    elif field == "after":
        row["after"] = {"tampered": True}
    else:
        row[field] = row[field] + "x"
    verdict = audit_chain.verify(rows)
    assert verdict.broken_id == row["id"] and "edited" in verdict.reason


@settings(max_examples=40, deadline=None)
@given(rows=ROWS.filter(lambda r: len(r) >= 2), data=st.data())
def test_a_removed_row_is_found_at_the_next_row(rows, data):
    rows = _chained(rows)
    index = data.draw(st.integers(0, len(rows) - 2))
    del rows[index]
    verdict = audit_chain.verify(rows)
    assert verdict.broken_id == rows[index]["id"] and "link" in verdict.reason


def test_timestamps_compare_in_utc_whatever_the_offset():
    aware = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    naive = datetime(2026, 12, 5, 13, 0)  # SQLite hands back naive UTC
    offset = aware.astimezone(timezone(timedelta(hours=2)))
    assert (audit_chain.canonical_time(aware) == audit_chain.canonical_time(naive)
            == audit_chain.canonical_time(offset))


# ------------------------------------------------------------------------- in the database


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_every_row_written_by_the_app_is_chained(app):
    seed_demo(db.session)
    with acting_as(None, "test"):
        record(db.session, "export_memo", "Evaluation", 1, {"format": "pdf"})
        db.session.commit()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert len(events) > 100
    assert events[0].prev_hash == audit_chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert all(len(e.hash) == 64 for e in events)
    assert audit_trail.verify_chain(db.session).ok


def test_verify_audit_exits_0_on_an_untouched_database(app):
    seed_demo(db.session)
    result = _run(app, "verify-audit")
    assert result.exit_code == 0, result.output
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert f"Audit trail intact: {count} rows" in result.output


def _sqlite_path(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("edits the SQLite file directly")
    return url.removeprefix("sqlite:///")


def test_verify_audit_exits_1_naming_a_row_edited_directly_in_sqlite(app):
    seed_demo(db.session)
    target = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "Vendor")
                                .order_by(AuditEvent.id)).first()
    db.session.remove()
    db.engine.dispose()
    conn = sqlite3.connect(_sqlite_path(app))
    # what a file owner can do: drop the guard, rewrite history, keep the stored hash
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("UPDATE audit_events SET actor = 'someone-else@example.com' WHERE id = ?",
                 (target.id,))
    conn.commit()
    conn.close()
    result = _run(app, "verify-audit")
    assert result.exit_code == 1
    assert f"Audit trail BROKEN at row {target.id}" in result.output
    assert "edited" in result.output


def test_verify_audit_names_the_row_after_a_deleted_one(app):
    seed_demo(db.session)
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.session.remove()
    db.engine.dispose()
    conn = sqlite3.connect(_sqlite_path(app))
    conn.execute("DROP TRIGGER audit_events_no_delete")
    conn.execute("DELETE FROM audit_events WHERE id = ?", (ids[10],))
    conn.commit()
    conn.close()
    result = _run(app, "verify-audit")
    assert result.exit_code == 1
    assert f"BROKEN at row {ids[11]}" in result.output and "link" in result.output


def test_a_noted_head_must_stay_in_the_trail(app):
    seed_demo(db.session)
    head = audit_trail.verify_chain(db.session).head
    assert _run(app, "verify-audit", "--head", head).exit_code == 0
    result = _run(app, "verify-audit", "--head", "f" * 64)
    assert result.exit_code == 1 and "no longer in the trail" in result.output


def test_postgres_refuses_truncate_update_and_delete_of_the_trail(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    seed_demo(db.session)
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    for statement in ("TRUNCATE audit_events", "TRUNCATE audit_events CASCADE",
                      "UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == count
    assert audit_trail.verify_chain(db.session).ok


def test_concurrent_writers_keep_one_unbroken_chain(app):
    make_user("lead@example.com", Role.LEAD)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        with app.app_context():
            try:
                for i in range(5):
                    with acting_as(None, f"writer-{n}"):
                        db.session.add(Vendor(name=f"Vendor {n}-{i}"))
                        db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Vendor)) == 30
    verdict = audit_trail.verify_chain(db.session)
    assert verdict.ok, verdict
    assert verdict.rows == db.session.scalar(select(func.count()).select_from(AuditEvent))


# ------------------------------------------------------------------------------ admin pages


@pytest.fixture
def admin(client):
    seed_demo(db.session)
    make_user("root@example.com", Role.ADMIN)
    assert login(client, "root@example.com").status_code == 302
    return client


def test_the_verify_page_says_intact_with_the_head(admin):
    response = admin.get("/admin/audit/verify")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Intact." in body
    assert audit_trail.verify_chain(db.session).head in body


def test_the_verify_page_names_the_broken_row(app, admin):
    target = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    db.session.remove()
    db.engine.dispose()
    conn = sqlite3.connect(_sqlite_path(app))
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("UPDATE audit_events SET after = '{}' WHERE id = ?", (target.id,))
    conn.commit()
    conn.close()
    body = admin.get("/admin/audit/verify").get_data(as_text=True)
    assert f"Broken at row {target.id}" in body


def test_csv_export_is_filtered_complete_and_itself_recorded(admin):
    vendor_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity_type == "Vendor"))
    response = admin.get("/admin/audit.csv?entity=Vendor")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == vendor_events > 0
    assert {r["entity_type"] for r in rows} == {"Vendor"}
    assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    first = db.session.get(AuditEvent, int(rows[0]["id"]))
    assert rows[0]["hash"] == first.hash and rows[0]["actor"] == first.actor
    export = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "export_audit_csv")).one()
    assert export.actor == "root@example.com" and export.after["rows"] == vendor_events
    assert export.after["entity"] == "Vendor"
    assert audit_trail.verify_chain(db.session).ok


def test_csv_export_by_actor_and_dates(admin):
    today = datetime.now(UTC).date()
    response = admin.get(f"/admin/audit.csv?actor=nobody-at-all&since={today}")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == []
    tomorrow = today + timedelta(days=1)
    response = admin.get(f"/admin/audit.csv?until={today - timedelta(days=1)}")
    assert list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
                ) == []
    all_rows = admin.get(f"/admin/audit.csv?since={today}&until={tomorrow}")
    assert len(all_rows.get_data(as_text=True).splitlines()) > 100
    assert admin.get("/admin/audit.csv?since=yesterday").status_code == 400


def test_the_audit_page_filters_and_pages(admin):
    body = admin.get("/admin/audit?entity=Vendor&action=create").get_data(as_text=True)
    assert "Vendor #" in body and "Score #" not in body
    assert admin.get("/admin/audit?until=2026-13-01").status_code == 400


def test_only_admins_see_export_and_verify(client):
    make_user("lead@example.com", Role.LEAD)
    login(client, "lead@example.com")
    assert client.get("/admin/audit.csv").status_code == 403
    assert client.get("/admin/audit/verify").status_code == 403


def test_a_rolled_back_savepoint_does_not_fork_the_chain(app):
    """The head is cached per transaction; a savepoint rolled back must not leave it pointing
    at a row that no longer exists."""
    with acting_as(None, "test"):
        db.session.add(Vendor(name="Before savepoint"))
        db.session.flush()
        savepoint = db.session.begin_nested()
        db.session.add(Vendor(name="Rolled back"))
        db.session.flush()
        savepoint.rollback()
        db.session.add(Vendor(name="After savepoint"))
        db.session.commit()
    names = set(db.session.scalars(select(Vendor.name)))
    assert names == {"Before savepoint", "After savepoint"}
    verdict = audit_trail.verify_chain(db.session)
    assert verdict.ok and verdict.rows == 2, verdict
