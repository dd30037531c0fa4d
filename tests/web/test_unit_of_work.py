"""The transaction rule (services/uow.py): a write use case that fails after its changes are
made leaves nothing behind.

Each case runs a service on the demo data twice. First the commit fails after every change has
been flushed (the latest point a use case can fail): the database must then equal its state
before the call, row for row in every table (audit rows included). Then the same call runs with
a working commit, which must change the database, so a case that writes nothing cannot pass.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import (
    CaseStudy,
    CriteriaTemplate,
    Evaluation,
    MemberRole,
    Membership,
    Score,
    Status,
    User,
    Vendor,
)
from evaluator.services import (
    api_tokens,
    conflicts,
    decisions,
    dossier,
    dossier_import,
    interchange,
    outcome_import,
    scoring_entry,
    setup,
    users,
    vendors,
)
from evaluator.services.demo import seed_demo
from evaluator.services.dossier import CaseStudyData
from evaluator.services.vendors import VendorData


class CommitFailed(RuntimeError):
    pass


def database_state(session) -> dict[str, list[str]]:
    return {table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
            for table in db.metadata.sorted_tables}


def _evaluation(session, status: Status) -> Evaluation:
    return session.scalar(select(Evaluation).where(Evaluation.status == status.value)
                          .order_by(Evaluation.id))


def _unsubmitted_evaluator(session, evaluation):
    return session.scalar(select(Membership).where(
        Membership.evaluation_id == evaluation.id, Membership.role == MemberRole.EVALUATOR.value,
        Membership.submitted_at.is_(None)))


def create_vendor(s):
    vendors.create_vendor(s, VendorData(name="Unit Of Work Ltd", country="Norway"))


def update_vendor(s):
    vendor = s.scalar(select(Vendor).order_by(Vendor.id))
    data = replace(vendors.vendor_data(vendor), name=vendor.name + " Group")
    vendors.update_vendor(s, vendor.id, data, vendor.version)


def create_case_study(s):
    vendor = s.scalar(select(Vendor).order_by(Vendor.id))
    dossier.create_case_study(s, vendor.id, CaseStudyData(title="Payments migration", year=2024))


def delete_case_study(s):
    case = s.scalar(select(CaseStudy).order_by(CaseStudy.id))
    dossier.delete_case_study(s, case.vendor_id, case.id)


def create_user(s):
    users.create_user(s, "new.person@example.com", role="evaluator",
                      password="a-long-enough-password", name="New Person")


def create_evaluation(s):
    lead = s.scalar(select(User).where(User.role == "lead").order_by(User.id))
    template = s.scalar(select(CriteriaTemplate).order_by(CriteriaTemplate.id))
    setup.create_evaluation(s, title="Data platform partner", template_id=template.id,
                            program_context="A two-year data platform program.", user=lead)


def declare_conflict(s):
    evaluation = _evaluation(s, Status.SCORING)
    score = s.scalar(select(Score).where(Score.evaluation_id == evaluation.id).order_by(Score.id))
    conflicts.declare(s, evaluation, score.evaluator_id, score.vendor_id, "Former employer.")


def save_scores(s):
    evaluation = _evaluation(s, Status.SCORING)
    member = _unsubmitted_evaluator(s, evaluation)
    entries = [scoring_entry.ScoreEntry(entry.vendor_id, criterion.id, 3.0,
                                        rationale="Steady delivery record.")
               for entry in evaluation.shortlist for criterion in evaluation.criteria]
    result = scoring_entry.save_scores(s, evaluation, member.user, member, entries)
    assert not getattr(result, "errors", None), result


def submit_scores(s):
    evaluation = _evaluation(s, Status.SCORING)
    member = _unsubmitted_evaluator(s, evaluation)
    existing = {(sc.vendor_id, sc.criterion_id): sc.version for sc in s.scalars(
        select(Score).where(Score.evaluation_id == evaluation.id, Score.evaluator_id == member.user_id))}
    entries = [scoring_entry.ScoreEntry(entry.vendor_id, criterion.id, 4.0, rationale="Solid.",
                                        # knockout criteria need a citation for every score
                                        evidence=(("case_study",
                                                   entry.vendor.case_studies[0].id),),
                                        version=existing.get((entry.vendor_id, criterion.id)))
               for entry in evaluation.shortlist for criterion in evaluation.criteria]
    scoring_entry.save_scores(s, evaluation, member.user, member, entries)
    scoring_entry.submit(s, evaluation, member.user, member)


def record_decision(s):
    evaluation = _evaluation(s, Status.REVIEW)
    lead = s.scalar(select(Membership).where(Membership.evaluation_id == evaluation.id,
                                             Membership.role == MemberRole.LEAD.value))
    vendor_id = evaluation.shortlist[0].vendor_id
    decisions.record_decision(s, evaluation, lead.user, lead, vendor_id=vendor_id,
                              rationale="Best record on recovering from setbacks.", dissent="")


def import_outcomes(s):
    outcome_import.import_outcomes(s, "vendor,program,success,setbacks\n"
                                "Unit Vendor A,Billing rebuild,1,4\n"
                                "Unit Vendor B,CRM rollout,0,2\n")


def import_vendors_csv(s):
    dossier_import.run_import(s, "vendors", b"name,country\nCsv One,Spain\nCsv Two,Chile\n")


def import_evaluation(s):
    document = interchange.export_document(s, _evaluation(s, Status.REVIEW).id)
    document["title"] = "Imported copy"
    interchange.import_evaluation(s, interchange.validate_document(json.loads(json.dumps(document))))


def create_token(s):
    api_tokens.create_token(s, s.scalar(select(User).order_by(User.id)), scope="read",
                            name="reporting")


def demote_lead(s):
    users.set_role(s, users.find_by_email(s, "lead@example.com"), "viewer")


CASES = [create_vendor, update_vendor, create_case_study, delete_case_study, create_user,
         create_evaluation, declare_conflict, save_scores, submit_scores, record_decision,
         import_outcomes, import_vendors_csv, import_evaluation, create_token,
         demote_lead]


def _failing_commit(session):
    def commit():
        session.flush()  # every change reaches the database, then the commit fails
        raise CommitFailed("the database went away at commit")
    return commit


@pytest.mark.parametrize("use_case", CASES, ids=[c.__name__ for c in CASES])
def test_a_use_case_failing_at_commit_leaves_nothing_behind(app, monkeypatch, use_case):
    session = db.session
    seed_demo(session)
    session.expire_all()
    before = database_state(session)

    with monkeypatch.context() as patch:
        patch.setattr(session, "commit", _failing_commit(session))
        with pytest.raises(CommitFailed):
            use_case(session)
    session.expire_all()
    assert database_state(session) == before

    use_case(session)  # the same call with a working commit does write
    session.expire_all()
    assert database_state(session) != before


def test_seeding_the_demo_failing_at_commit_leaves_an_empty_database(app, monkeypatch):
    session = db.session
    before = database_state(session)
    with monkeypatch.context() as patch:
        patch.setattr(session, "commit", _failing_commit(session))
        with pytest.raises(CommitFailed):
            seed_demo(session)
    assert database_state(session) == before
    seed_demo(session)
    assert session.scalar(select(Vendor.id).limit(1)) is not None
