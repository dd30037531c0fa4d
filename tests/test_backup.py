"""Restore drill: back up, damage, restore, and find every row as it was."""

from __future__ import annotations

from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import AuditEvent, Score, Vendor
from evaluator.services.demo import seed_demo


def _fingerprint():
    return (
        db.session.scalar(select(func.count()).select_from(Vendor)),
        db.session.scalar(select(func.count()).select_from(Score)),
        db.session.scalar(select(func.sum(Score.value))),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
        sorted(db.session.scalars(select(Vendor.name))),
    )


def test_backup_and_restore_drill(app, tmp_path):
    seed_demo(db.session)
    before = _fingerprint()
    runner = app.test_cli_runner()
    target = tmp_path / "evaluator.backup"
    out = runner.invoke(args=["backup", str(target)])
    assert out.exit_code == 0, out.output
    assert target.stat().st_size > 0
    # Damage: delete vendors (cascades to scores) and add a stray one.
    for vendor in db.session.scalars(select(Vendor).limit(3)):
        db.session.delete(vendor)
    db.session.add(Vendor(name="Stray Co"))
    db.session.commit()
    assert _fingerprint() != before
    db.session.remove()
    out = runner.invoke(args=["restore", str(target), "--yes"])
    assert out.exit_code == 0, out.output
    db.session.remove()
    assert _fingerprint() == before


def test_backup_refuses_to_overwrite_and_restore_refuses_garbage(app, tmp_path):
    runner = app.test_cli_runner()
    existing = tmp_path / "exists.bak"
    existing.write_text("x")
    out = runner.invoke(args=["backup", str(existing)])
    assert out.exit_code != 0 and "already exists" in out.output
    db.session.add(Vendor(name="Kept Co"))
    db.session.commit()
    db.session.remove()
    out = runner.invoke(args=["restore", str(existing), "--yes"])
    assert out.exit_code != 0
    db.session.remove()
    assert db.session.scalar(select(Vendor.name)) == "Kept Co"
