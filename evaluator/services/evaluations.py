"""Reading evaluations a user may see (the workflow issue adds setup, scoring and decisions)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..models import Evaluation, Membership, Score, ShortlistEntry


def visible_evaluations(session: Session, user) -> list[Evaluation]:
    stmt = select(Evaluation).options(
        selectinload(Evaluation.members), selectinload(Evaluation.shortlist)
    )
    if not user.is_admin:
        stmt = stmt.join(Membership, Membership.evaluation_id == Evaluation.id).where(
            Membership.user_id == user.id
        )
    return list(session.scalars(stmt.order_by(Evaluation.created_at.desc(), Evaluation.id.desc())))


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
        )
    )


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
    from ..models import EvaluationCriterion, Lens, MemberRole

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
