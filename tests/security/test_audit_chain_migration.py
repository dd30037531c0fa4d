"""Migration 0008 chains the audit rows written before it, and adds the TRUNCATE guard."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from evaluator import create_app
from evaluator.extensions import db
from evaluator.services import audit_trail
from tests.test_migrations import fresh_url  # noqa: F401 - the fixture


def test_upgrade_chains_existing_rows_and_guards_truncate(fresh_url):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "SECRET_KEY": "k", "TESTING": True})
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            for i in range(5):
                conn.execute(text(
                    "INSERT INTO audit_events (at, actor, action, entity_type, entity_id, after) "
                    "VALUES (CURRENT_TIMESTAMP, 'old@example.com', 'create', 'Vendor', :i, "
                    "'{\"name\": \"Old\"}')"), {"i": i})
        upgrade()
        verdict = audit_trail.verify_chain(db.session)
        assert verdict.ok and verdict.rows == 5
        hashes = db.session.execute(text("SELECT hash FROM audit_events")).scalars().all()
        assert len(set(hashes)) == 5 and all(len(h) == 64 for h in hashes)
        db.session.remove()
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET actor = 'y'"))
        if db.engine.dialect.name == "postgresql":
            with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
                conn.execute(text("TRUNCATE audit_events"))
        downgrade(revision="0007")
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
        downgrade(revision="base")
        db.engine.dispose()
