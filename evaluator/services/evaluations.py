"""Reading evaluations: which ones a user may see, the dashboard's work lists, one evaluation with
everything its pages show, scoring progress, and creating an evaluation from a template."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    Evaluation,
    EvaluationCriterion,
    Lens,
    MemberRole,
    Membership,
    Score,
    ShortlistEntry,
    Status,
)
from .errors import EvaluationDecided
from .paging import Page, fetch_page


def visible_to(stmt, user):
    """Restrict an Evaluation query to those the user may see: as a member, or all for an admin
    (the list form of access.evaluation_for's rule)."""
    if user.is_admin:
        return stmt
    return stmt.join(Membership, Membership.evaluation_id == Evaluation.id).where(
        Membership.user_id == user.id)


@dataclass(frozen=True)
class ScoringGap:
    """How far one evaluator is with one evaluation: cells given (a value or "insufficient
    evidence") out of the cells expected (criteria x shortlisted vendors without a conflict)."""

    evaluation: Evaluation
    membership: Membership
    given: int
    expected: int

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.given)


@dataclass(frozen=True)
class LeadFollowUp:
    """An evaluation in scoring that the lead runs, with the evaluators yet to submit."""

    evaluation: Evaluation
    gaps: list[ScoringGap]

    @property
    def missing(self) -> int:
        return sum(g.missing for g in self.gaps)


@dataclass
class Dashboard:
    """What each role does next. A user can hold several roles across evaluations, so every
    list is filled from the user's membership in each evaluation (admins act as leads)."""

    evaluations: Page  # every evaluation the user may see, newest first, one page of them
    scoring_tasks: list[ScoringGap] = field(default_factory=list)  # evaluator: still to submit
    submitted: list[ScoringGap] = field(default_factory=list)  # evaluator: done, scoring open
    follow_ups: list[LeadFollowUp] = field(default_factory=list)  # lead: missing scores
    to_set_up: list[Evaluation] = field(default_factory=list)  # lead: drafts
    in_review: list[Evaluation] = field(default_factory=list)  # lead/observer: ready to compare

    @property
    def leads_any(self) -> bool:
        return bool(self.follow_ups or self.to_set_up)


OPEN_STATUSES = (Status.DRAFT.value, Status.SCORING.value, Status.REVIEW.value,
                 Status.MODERATION.value)
DASHBOARD_PAGE_SIZE = 25


def evaluation_page(session: Session, user, page: int = 1,
                    per_page: int = DASHBOARD_PAGE_SIZE) -> Page:
    """One page of the evaluations the user may see, newest first (members and shortlist
    loaded for the page's rows only)."""
    return fetch_page(
        session, visible_to(select(Evaluation), user),
        order=(Evaluation.created_at.desc(), Evaluation.id.desc()), page=page, per_page=per_page,
        options=(selectinload(Evaluation.members), selectinload(Evaluation.shortlist)), clamp=True)


def build_dashboard(session: Session, user, page: int = 1) -> Dashboard:
    """The user's next steps from the open evaluations (draft, scoring, review: three queries
    with members, shortlist, criteria and conflicts eager-loaded, one aggregate count of given
    scores) plus one page of all evaluations: constant in the number of rows."""
    stmt = select(Evaluation).where(Evaluation.status.in_(OPEN_STATUSES)).options(
        selectinload(Evaluation.members).selectinload(Membership.user),
        selectinload(Evaluation.shortlist),
        selectinload(Evaluation.criteria),
        selectinload(Evaluation.conflicts),
    )
    evaluations = list(session.scalars(
        visible_to(stmt, user).order_by(Evaluation.created_at.desc(), Evaluation.id.desc())))
    board = Dashboard(evaluations=evaluation_page(session, user, page))
    scoring_ids = [e.id for e in evaluations if e.status == Status.SCORING.value]
    given: dict[tuple[int, int], int] = {}
    if scoring_ids:
        rows = session.execute(
            select(Score.evaluation_id, Score.evaluator_id, func.count())
            .where(
                Score.evaluation_id.in_(scoring_ids),
                or_(Score.value.is_not(None), Score.insufficient_evidence.is_(True)),
            )
            .group_by(Score.evaluation_id, Score.evaluator_id)
        )
        given = {(eid, uid): n for eid, uid, n in rows}

    def gap(evaluation: Evaluation, member: Membership) -> ScoringGap:
        conflicted = {c.vendor_id for c in evaluation.conflicts if c.user_id == member.user_id}
        vendors = sum(1 for s in evaluation.shortlist if s.vendor_id not in conflicted)
        return ScoringGap(evaluation, member, given.get((evaluation.id, member.user_id), 0),
                          vendors * len(evaluation.criteria))

    for evaluation in evaluations:
        mine = next((m for m in evaluation.members if m.user_id == user.id), None)
        role = mine.role if mine else None
        is_lead = user.is_admin or role == MemberRole.LEAD.value
        status = evaluation.status
        if status == Status.SCORING.value and role == MemberRole.EVALUATOR.value:
            entry = gap(evaluation, mine)
            (board.submitted if mine.submitted_at else board.scoring_tasks).append(entry)
        if status == Status.DRAFT.value and is_lead:
            board.to_set_up.append(evaluation)
        if status == Status.SCORING.value and is_lead:
            gaps = [gap(evaluation, m) for m in evaluation.members
                    if m.role == MemberRole.EVALUATOR.value and not m.submitted_at]
            board.follow_ups.append(LeadFollowUp(evaluation, gaps))
        if status in (Status.REVIEW.value, Status.MODERATION.value) and (
                is_lead or role == MemberRole.OBSERVER.value):
            board.in_review.append(evaluation)
    return board


def load_detail(session: Session, evaluation_id: int) -> Evaluation | None:
    return session.scalar(
        select(Evaluation)
        .where(Evaluation.id == evaluation_id)
        .options(
            selectinload(Evaluation.criteria),
            selectinload(Evaluation.lenses),
            selectinload(Evaluation.shortlist).selectinload(ShortlistEntry.vendor),
            selectinload(Evaluation.members).selectinload(Membership.user),
            selectinload(Evaluation.decision),
            selectinload(Evaluation.conflicts),
        )
    )


def decided_message(evaluation: Evaluation) -> str:
    """The refusal every write under a decided evaluation gets, naming the decision."""
    decision = evaluation.decision
    if decision is None:
        return (f"Evaluation {evaluation.id} is decided and frozen. The lead can reopen it, with "
                "a reason, to change anything.")
    who = decision.decided_by.display_name if decision.decided_by else "unknown"
    return (f"Evaluation {evaluation.id} is decided ({decision.vendor.name}, recorded by {who} on "
            f"{decision.decided_at:%Y-%m-%d}) and frozen: nothing under it can change. The lead "
            "can reopen it, with a reason, which revokes the decision and keeps it in history.")


def require_undecided(evaluation: Evaluation) -> None:
    """Raise EvaluationDecided for a decided evaluation: scores, conflicts, members, criteria,
    lenses and the shortlist are frozen once a decision is recorded."""
    if evaluation.status == Status.DECIDED:
        raise EvaluationDecided(decided_message(evaluation))


def scoring_progress(session: Session, evaluation: Evaluation) -> dict[int, dict[str, int]]:
    """Per evaluator: submitted and draft score counts, and how many are expected."""
    rows = session.execute(
        select(Score.evaluator_id, Score.submitted, func.count())
        .where(Score.evaluation_id == evaluation.id)
        .group_by(Score.evaluator_id, Score.submitted)
    )
    expected = len(evaluation.criteria) * len(evaluation.shortlist)
    out: dict[int, dict[str, int]] = {}
    for evaluator_id, submitted, count in rows:
        entry = out.setdefault(evaluator_id, {"submitted": 0, "draft": 0, "expected": expected})
        entry["submitted" if submitted else "draft"] += count
    return out


def create_from_template(
    session: Session,
    *,
    title: str,
    template,
    created_by,
    program_context: str = "",
    is_demo: bool = False,
) -> Evaluation:
    """A new draft evaluation copying the template's scale, criteria, anchors and lenses.

    The creator becomes its lead. No commit: callers (a service or the seed) own the transaction.
    """

    evaluation = Evaluation(
        title=title.strip(),
        program_context=program_context,
        scale_min=template.scale_min,
        scale_max=template.scale_max,
        template_id=template.id,
        created_by=created_by,
        is_demo=is_demo,
    )
    for position, tc in enumerate(template.criteria):
        evaluation.criteria.append(
            EvaluationCriterion(
                key=tc.key,
                name=tc.name,
                description=tc.description,
                weight=tc.weight,
                knockout_below=tc.knockout_below,
                anchors=dict(tc.anchors),
                position=position,
            )
        )
    for lens in template.lenses or []:
        evaluation.lenses.append(
            Lens(
                name=lens["name"],
                description=lens.get("description", ""),
                weights=dict(lens["weights"]),
            )
        )
    if created_by is not None:
        evaluation.members.append(Membership(user=created_by, role=MemberRole.LEAD.value))
    session.add(evaluation)
    return evaluation
