"""Database-level guard: audit_events rows can be inserted, never updated or deleted.

The application never updates or deletes them (audit.py refuses it in the ORM too); these
triggers make the database itself refuse it, whatever role or tool connects. On PostgreSQL a
statement-level trigger refuses TRUNCATE too (migration 0008); only the table's owner can
disable it (the test suite's table reset does, inside its own transaction). SQLite has no
TRUNCATE, and a file owner can drop triggers: there the hash chain (audit_chain.py) reveals
edits afterwards.
The same statements are applied by migrations 0005 and 0008 and, for create_all in tests, by
the DDL listeners below.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from .outcomes import AuditEvent

POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_append_only()",
]
POSTGRES_TRUNCATE_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_events_no_truncate() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: TRUNCATE is refused';
END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_no_truncate()""",
]
POSTGRES_TRUNCATE_DROP = [
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_no_truncate()",
]
SQLITE_CREATE = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_events_no_update",
    "DROP TRIGGER IF EXISTS audit_events_no_delete",
]

for _statement in POSTGRES_CREATE + POSTGRES_TRUNCATE_CREATE:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_CREATE:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="sqlite"))
