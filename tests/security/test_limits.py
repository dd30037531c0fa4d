"""The documented limits (services/limits.py) hold on the web, CSV and service paths alike, and
a refusal adds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import CriteriaTemplate, Evaluation, Role, ShortlistEntry, User, Vendor
from evaluator.services import limits
from evaluator.services import setup as setup_service
from evaluator.services.demo import seed_demo
from evaluator.services.errors import WorkflowError
from tests.conftest import make_user


@pytest.fixture
def draft(app):
    seed_demo(db.session)
    lead = db.session.scalar(select(User).where(User.email == "lead@example.com"))
    template_id = db.session.scalar(select(CriteriaTemplate.id))
    return setup_service.create_evaluation(db.session, title="Limits", template_id=template_id,
                                           program_context="", user=lead)


def _shortlist_size(evaluation_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ShortlistEntry).where(
        ShortlistEntry.evaluation_id == evaluation_id))


def test_the_shortlist_stops_at_its_limit_and_a_refused_batch_adds_nothing(draft):
    vendors = [Vendor(name=f"Limit vendor {i}") for i in range(limits.MAX_SHORTLIST + 5)]
    db.session.add_all(vendors)
    db.session.commit()
    ids = [v.id for v in vendors]
    setup_service.add_to_shortlist(db.session, draft, ids[:limits.MAX_SHORTLIST - 1])
    assert _shortlist_size(draft.id) == limits.MAX_SHORTLIST - 1
    with pytest.raises(WorkflowError, match=f"at most {limits.MAX_SHORTLIST} vendors"):
        setup_service.add_to_shortlist(db.session, draft, ids[limits.MAX_SHORTLIST - 1:])
    db.session.expire_all()
    assert _shortlist_size(draft.id) == limits.MAX_SHORTLIST - 1  # all or nothing


def test_lenses_stop_at_their_limit(draft):
    keys = [c.key for c in draft.criteria]
    for i in range(limits.MAX_LENSES - len(draft.lenses)):  # the template brings some
        setup_service.save_lens(db.session, draft, f"Lens {i}", {keys[0]: 1.0})
    assert len(draft.lenses) == limits.MAX_LENSES
    with pytest.raises(WorkflowError, match=f"at most {limits.MAX_LENSES} lenses"):
        setup_service.save_lens(db.session, draft, "One too many", {keys[0]: 1.0})
    # editing an existing lens is still fine
    setup_service.save_lens(db.session, draft, "Lens 0", {keys[0]: 2.0})
    db.session.expire_all()
    assert len(db.session.get(Evaluation, draft.id).lenses) == limits.MAX_LENSES


def test_members_stop_at_their_limit(draft, monkeypatch):
    monkeypatch.setattr(limits, "MAX_MEMBERS", len(draft.members) + 1)
    make_user("first@example.com", Role.EVALUATOR)
    make_user("second@example.com", Role.EVALUATOR)
    setup_service.add_member(db.session, draft, "first@example.com", "evaluator")
    with pytest.raises(WorkflowError, match="at most"):
        setup_service.add_member(db.session, draft, "second@example.com", "evaluator")
    db.session.expire_all()
    assert len(db.session.get(Evaluation, draft.id).members) == limits.MAX_MEMBERS


def test_absurd_weights_are_refused_on_the_setup_path(draft):
    keys = [c.key for c in draft.criteria]
    with pytest.raises(WorkflowError, match="at most"):
        setup_service.save_lens(db.session, draft, "Huge", {keys[0]: 1e308})
    db.session.expire_all()
    assert "Huge" not in [lens.name for lens in db.session.get(Evaluation, draft.id).lenses]


def test_a_csv_file_over_the_size_limit_is_refused(app, tmp_path):
    path = tmp_path / "vendors.csv"
    row = "Some Vendor,Norway," + "x" * 1000 + "\n"
    path.write_text("name,country,description\n" + row * (limits.MAX_CSV_BYTES // len(row) + 1))
    result = app.test_cli_runner().invoke(args=["import-vendors", str(path)])
    assert result.exit_code != 0 and "larger than 2 MB" in result.output
    assert db.session.scalar(select(func.count()).select_from(Vendor)) == 0


def test_an_interchange_file_over_the_size_limit_is_refused(app, tmp_path):
    path = tmp_path / "evaluation.json"
    path.write_text('{"title": "' + "x" * limits.MAX_INTERCHANGE_BYTES + '"}')
    result = app.test_cli_runner().invoke(args=["import-evaluation", str(path)])
    assert result.exit_code == 1 and "larger than 5 MB" in result.output
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0
