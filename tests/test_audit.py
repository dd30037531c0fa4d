"""The audit trail: a row for every change, in the same transaction, never edited."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from evaluator.audit import acting_as, record
from evaluator.extensions import db
from evaluator.models import (
    AuditEvent,
    Evaluation,
    EvaluationCriterion,
    Score,
    ShortlistEntry,
    User,
    Vendor,
)
from evaluator.services.demo import seed_demo


def _events(entity_type, entity_id=None):
    stmt = select(AuditEvent).where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    return db.session.scalars(stmt.order_by(AuditEvent.id)).all()


def test_vendor_create_update_delete_are_audited_with_actor(app):
    with acting_as(7, "lead@example.com"):
        vendor = Vendor(name="Audit Co", country="UK")
        db.session.add(vendor)
        db.session.commit()
        vendor.country = "Ireland"
        db.session.commit()
        vendor_id = vendor.id
        db.session.delete(vendor)
        db.session.commit()
    events = _events("Vendor", vendor_id)
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert events[0].after["name"] == "Audit Co"
    assert events[1].before == {"country": "UK"} and events[1].after == {"country": "Ireland"}
    assert events[2].before["country"] == "Ireland" and events[2].after is None
    assert {e.actor for e in events} == {"lead@example.com"}
    assert {e.actor_id for e in events} == {7}


def test_rolled_back_change_leaves_no_audit_row(app):
    vendor = Vendor(name="Never Co")
    db.session.add(vendor)
    db.session.flush()
    db.session.rollback()
    assert _events("Vendor") == []


def test_evaluation_criteria_and_scores_are_audited(app):
    seed_demo(db.session)
    evaluation = db.session.scalars(select(Evaluation)).first()
    criterion = db.session.scalars(
        select(EvaluationCriterion).where(EvaluationCriterion.evaluation_id == evaluation.id)
    ).first()
    score = db.session.scalars(select(Score).where(Score.evaluation_id == evaluation.id)).first()
    evaluation.title = "Renamed"
    criterion.weight = 42
    old_value = score.value
    score.value = 1.0 if old_value != 1.0 else 2.0
    db.session.commit()
    assert _events("Evaluation", evaluation.id)[-1].after == {"title": "Renamed"}
    assert _events("EvaluationCriterion", criterion.id)[-1].after == {"weight": 42}
    assert _events("Score", score.id)[-1].before == {"value": old_value}
    assert _events("ShortlistEntry")  # shortlist rows were created and audited
    assert db.session.scalar(select(ShortlistEntry).limit(1)) is not None


def test_passwords_are_redacted_in_the_audit_trail(app):
    user = User(email="p@example.com")
    user.set_password("a-secret-password")
    db.session.add(user)
    db.session.commit()
    event = _events("User", user.id)[0]
    assert event.after["password_hash"] == "[redacted]"
    assert "a-secret" not in str(event.after)


def test_audit_events_cannot_be_updated_or_deleted_through_the_app(app):
    db.session.add(Vendor(name="Trail Co"))
    db.session.commit()
    event = _events("Vendor")[0]
    event.actor = "someone else"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).actor == "system"


def test_explicit_events_are_recorded_with_actor(app):
    with acting_as(3, "cto@example.com"):
        record(db.session, "export", "Evaluation", 12, {"format": "pdf"})
        db.session.commit()
    event = _events("Evaluation", 12)[0]
    assert (event.action, event.actor, event.after) == ("export", "cto@example.com",
                                                        {"format": "pdf"})


def test_database_refuses_update_and_delete_of_audit_rows(app):
    """Even raw SQL, bypassing the ORM, cannot change the trail."""

    db.session.add(Vendor(name="Raw Co"))
    db.session.commit()
    event_id = _events("Vendor")[0].id
    for statement in ("UPDATE audit_events SET actor = 'x' WHERE id = :id",
                      "DELETE FROM audit_events WHERE id = :id"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement), {"id": event_id})
        db.session.rollback()
    assert db.session.get(AuditEvent, event_id).actor == "system"
