from __future__ import annotations

from sqlalchemy import func, select

from evaluator import create_app
from evaluator.extensions import db
from evaluator.models import (
    CaseStudy,
    Evaluation,
    InterviewAnswer,
    PastProgram,
    Score,
    TemplateCriterion,
    User,
    Vendor,
)
from evaluator.services.demo import seed_demo


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_is_realistic_and_labelled(app):
    result = seed_demo(db.session)
    assert result.created
    assert _count(Vendor) >= 12
    assert db.session.scalar(select(func.count()).where(Vendor.is_demo.is_(False))) == 0
    assert _count(CaseStudy) >= 24
    assert _count(InterviewAnswer) >= 12 * 9
    assert _count(Evaluation) == 2
    assert _count(PastProgram) >= 150
    assert _count(TemplateCriterion) >= 9
    evaluators = db.session.scalar(select(func.count(func.distinct(Score.evaluator_id))))
    assert evaluators >= 3
    # Candour differs: candid vendors describe setbacks, success-only vendors do not.
    candid = db.session.scalar(select(Vendor).where(Vendor.name == "Acme Delivery"))
    glossy = db.session.scalar(select(Vendor).where(Vendor.name == "Dunmore Digital"))
    assert all(cs.setbacks and cs.lessons for cs in candid.case_studies)
    assert all(not cs.setbacks for cs in glossy.case_studies)


def test_seed_demo_twice_does_not_duplicate(app):
    seed_demo(db.session)
    counts = [_count(m) for m in (Vendor, CaseStudy, Evaluation, Score, PastProgram, User)]
    second = seed_demo(db.session)
    assert not second.created
    assert [_count(m) for m in (Vendor, CaseStudy, Evaluation, Score, PastProgram, User)] == counts


def _score_fingerprint():
    return sorted(
        (s.vendor.name, s.criterion.key, s.evaluator.email, s.value or -1.0, s.submitted)
        for s in db.session.scalars(select(Score))
    )


def test_seed_demo_is_reproducible(app, tmp_path):
    seed_demo(db.session)
    first = _score_fingerprint()
    assert len({row[3] for row in first}) > 2  # not a constant
    other = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'again.db'}",
                        "SECRET_KEY": "k", "TESTING": True})
    with other.app_context():
        db.create_all()
        seed_demo(db.session)
        assert _score_fingerprint() == first
        db.session.remove()


def test_cli_seed_demo_and_create_user(app):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["seed-demo"])
    assert out.exit_code == 0 and "Seeded 14 vendors" in out.output
    out = runner.invoke(args=["seed-demo"])
    assert "already present" in out.output
    out = runner.invoke(args=["create-user", "Cli@Example.com", "--role", "lead"],
                        input="a-long-cli-password\n")
    assert out.exit_code == 0, out.output
    user = db.session.scalar(select(User).where(User.email == "cli@example.com"))
    assert user.role == "lead" and user.check_password("a-long-cli-password")


def test_cli_create_user_refuses_bad_input(app):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["create-user", "x@example.com"], input="short\n")
    assert out.exit_code != 0 and "at least 12 characters" in out.output
    out = runner.invoke(args=["create-user", "x@example.com", "--role", "king"], input="x" * 12)
    assert out.exit_code != 0
    assert db.session.scalar(select(User).where(User.email == "x@example.com")) is None
