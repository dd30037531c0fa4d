"""Import of a validated interchange document: checks what only the database knows (archived
vendors, cited evidence, existing accounts) and writes everything in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import (
    CaseStudy,
    Conflict,
    Evaluation,
    EvaluationCriterion,
    Interview,
    InterviewAnswer,
    Lens,
    MemberRole,
    Membership,
    Role,
    Score,
    ShortlistEntry,
    Vendor,
)
from .. import users as user_service
from ..uow import transaction
from .document import (
    ACCOUNT_ROLE,
    MAX_ISSUES,
    EvaluationSpec,
    ImportResult,
    InterchangeError,
    Issue,
)
from .validation import _norm

# --- import -------------------------------------------------------------------------------------


@transaction
def import_evaluation(session: Session, spec: EvaluationSpec) -> ImportResult:
    """Create the evaluation (with accounts and vendors as needed) in one transaction.

    Raises InterchangeError for what only the database can tell; nothing is written then.
    """
    issues: list[Issue] = []
    vendors: list[Vendor | None] = []
    for i, name in enumerate(spec.vendors):
        vendor = _find_vendor(session, name)
        if vendor is not None and vendor.archived:
            issues.append(Issue(f"$.vendors[{i}].name", f"vendor {vendor.name!r} is archived in "
                                "the register; restore it before importing"))
        vendors.append(vendor)
    users = {}
    for i, member in enumerate(spec.evaluators):
        user = user_service.find_by_email(session, member.email)
        if (user is not None and member.role == MemberRole.LEAD
                and user.role not in (Role.LEAD, Role.ADMIN)):
            issues.append(Issue(f"$.evaluators[{i}].role", f"{member.email} is not a procurement "
                                "lead; only leads can lead an evaluation"))
        users[member.email] = user
    for score in spec.scores:
        for j, (kind, ref_id) in enumerate(score.evidence):
            owner = _evidence_owner(session, kind, ref_id)
            vendor = vendors[score.vendor]
            if owner is None or vendor is None or owner != vendor.id:
                issues.append(Issue(f"{score.path}.evidence[{j}]", f"{kind} {ref_id} is not "
                                    f"evidence of {spec.vendors[score.vendor]!r} in the register"))
    if issues:
        raise InterchangeError(issues[:MAX_ISSUES])

    created_vendors = accounts = 0
    for i, name in enumerate(spec.vendors):
        if vendors[i] is None:
            vendors[i] = Vendor(name=name)
            session.add(vendors[i])
            created_vendors += 1
    for member in spec.evaluators:
        if users[member.email] is None:
            users[member.email] = user_service.create_user(
                session, member.email, role=ACCOUNT_ROLE[member.role], password=None,
                name=member.name)
            accounts += 1

    evaluation = Evaluation(
        title=spec.title, program_context=spec.program_context, scale_min=spec.scale_min,
        scale_max=spec.scale_max, status=spec.status, context=dict(spec.context),
        relevance_weights=dict(spec.relevance_weights),
    )
    criteria = {}
    for position, x in enumerate(spec.criteria):
        criteria[x.key] = EvaluationCriterion(
            key=x.key, name=x.name, description=x.description, weight=x.weight,
            knockout_below=x.knockout_below, anchors=dict(x.anchors), position=position)
        evaluation.criteria.append(criteria[x.key])
    for lens in spec.lenses:
        evaluation.lenses.append(
            Lens(name=lens.name, description=lens.description, weights=dict(lens.weights)))
    for vendor in vendors:
        evaluation.shortlist.append(ShortlistEntry(vendor=vendor))
    scorers = {s.evaluator for s in spec.scores}
    now = datetime.now(UTC)
    for member in spec.evaluators:
        evaluation.members.append(Membership(
            user=users[member.email], role=member.role,
            submitted_at=now if member.email in scorers else None))
    for x in spec.conflicts:
        evaluation.conflicts.append(
            Conflict(user=users[x.evaluator], vendor=vendors[x.vendor], note=x.note))
    session.add(evaluation)
    session.flush()  # evaluation id for the scores
    for x in spec.scores:
        session.add(Score(
            evaluation_id=evaluation.id, evaluator=users[x.evaluator], vendor=vendors[x.vendor],
            criterion=criteria[x.criterion], value=x.value,
            insufficient_evidence=x.insufficient_evidence, rationale=x.rationale,
            evidence=[{"type": kind, "id": ref} for kind, ref in x.evidence], submitted=True))
    session.flush()
    abstentions = sum(1 for x in spec.scores if x.insufficient_evidence)
    return ImportResult(
        evaluation_id=evaluation.id, vendors_matched=len(vendors) - created_vendors,
        vendors_created=created_vendors, accounts_created=accounts,
        scores=len(spec.scores) - abstentions, abstentions=abstentions)


def _find_vendor(session: Session, name: str) -> Vendor | None:
    """The register's vendor of that name: exact first, else the one case-insensitive match."""
    exact = session.scalar(select(Vendor).where(Vendor.name == name))
    if exact is not None:
        return exact
    candidates = list(session.scalars(
        select(Vendor).where(func.lower(Vendor.name) == name.lower())))
    matches = [v for v in candidates if _norm(v.name) == _norm(name)]
    return matches[0] if len(matches) == 1 else None


def _evidence_owner(session: Session, kind: str, ref_id: int) -> int | None:
    if kind == "case_study":
        return session.scalar(select(CaseStudy.vendor_id).where(CaseStudy.id == ref_id))
    return session.scalar(
        select(Interview.vendor_id)
        .join(InterviewAnswer, InterviewAnswer.interview_id == Interview.id)
        .where(InterviewAnswer.id == ref_id))
