"""Evaluations for the memo tests and benchmark: demo vendors, realistic rationales, citations.

memo_evaluation() adds one evaluation in review on top of the demo data set (seeded if absent),
with every evaluator submitted, each score citing a case study and, where the interview guide
has a question for the criterion, the vendor's answer to it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from evaluator.models import (
    Interview,
    InterviewAnswer,
    MemberRole,
    Membership,
    Score,
    ShortlistEntry,
    Status,
    User,
    Vendor,
)
from evaluator.services.demo import seed_demo
from evaluator.services.evaluations import create_from_template
from evaluator.services.templates import ensure_builtin_template

HIGH = [
    "Described the six-week migration slip candidly, named the root cause and showed the "
    "recovery plan; the reference confirmed it.",
    "Concrete before/after figures and a named owner for every corrective action.",
    "Strong, specific evidence from two comparable regulated programs.",
    "The interview answer matched the case study in detail, including what they would do "
    "differently.",
]
LOW = [
    "Only success claims; no setback, cause or lesson was described when asked directly.",
    "The plan assumes no rework at cut-over, which none of their case studies supports.",
    "Vague on data residency: could not say where backups are held.",
    "Estimates in the case studies overran by a quarter and the answer did not explain why.",
]


def memo_evaluation(session: Session, *, vendors: int = 12,
                    evaluators: tuple[str, ...] = ("ana", "raj", "mei", "tom"),
                    seed: int = 7, title: str = "Payments platform delivery partner") -> int:
    """Create the evaluation and return its id (commits)."""
    seed_demo(session)
    rng = random.Random(seed)
    template = ensure_builtin_template(session)
    users = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
    evaluation = create_from_template(
        session, title=title, template=template, created_by=users["lead"],
        program_context="Replace the card payments switch for a retail bank (6,000 staff); "
                        "PCI DSS and DORA apply, data resident in the EU.")
    evaluation.status = Status.REVIEW.value
    evaluation.members.append(Membership(user=users["cto"], role=MemberRole.OBSERVER.value))
    for key in evaluators:
        evaluation.members.append(Membership(user=users[key], role=MemberRole.EVALUATOR.value,
                                             submitted_at=datetime.now(UTC)))
    chosen = list(session.scalars(
        select(Vendor).where(Vendor.is_demo).order_by(Vendor.id).limit(vendors).options(
            selectinload(Vendor.case_studies),
            selectinload(Vendor.interviews).selectinload(Interview.answers)
            .selectinload(InterviewAnswer.question))))
    for vendor in chosen:
        evaluation.shortlist.append(ShortlistEntry(vendor=vendor))
    session.flush()
    quality = {v.id: rng.uniform(0.2, 0.9) for v in chosen}
    for key in evaluators:
        lean = rng.uniform(-0.4, 0.4)
        for vendor in chosen:
            answers = {a.question.criterion_key: a for iv in vendor.interviews for a in iv.answers}
            for i, criterion in enumerate(evaluation.criteria):
                latent = 1 + 4 * quality[vendor.id] + lean + rng.gauss(0, 0.6)
                value = float(min(5, max(1, round(latent))))
                bank = HIGH if value >= 3 else LOW
                evidence = []
                if vendor.case_studies:
                    cs = vendor.case_studies[i % len(vendor.case_studies)]
                    evidence.append({"type": "case_study", "id": cs.id})
                if criterion.key in answers:
                    evidence.append({"type": "answer", "id": answers[criterion.key].id})
                session.add(Score(
                    evaluation_id=evaluation.id, evaluator=users[key], vendor=vendor,
                    criterion=criterion, value=value, rationale=rng.choice(bank),
                    evidence=evidence, submitted=True))
    session.commit()
    return evaluation.id
