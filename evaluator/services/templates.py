"""Criteria templates and interview guides, including the shipped "Execution maturity" ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import catalog
from ..models import CriteriaTemplate, InterviewGuide, InterviewQuestion, TemplateCriterion


def ensure_builtin_template(session: Session) -> CriteriaTemplate:
    """Install the shipped template, lenses and interview guide once (idempotent, no commit)."""
    template = session.scalar(
        select(CriteriaTemplate)
        .where(CriteriaTemplate.name == catalog.EXECUTION_MATURITY)
        .options(selectinload(CriteriaTemplate.criteria))
    )
    if template is None:
        template = CriteriaTemplate(
            name=catalog.EXECUTION_MATURITY,
            description="Weighted execution-maturity criteria with behavioural anchors (1-5).",
            scale_min=1,
            scale_max=5,
            builtin=True,
            lenses=[dict(lens) for lens in catalog.LENSES],
        )
        for position, spec in enumerate(catalog.CRITERIA):
            template.criteria.append(TemplateCriterion(position=position, **spec))
        session.add(template)
        session.flush()
    guide = session.scalar(
        select(InterviewGuide).where(InterviewGuide.name == catalog.INTERVIEW_GUIDE)
    )
    if guide is None:
        guide = InterviewGuide(name=catalog.INTERVIEW_GUIDE, template_id=template.id)
        for position, (key, text) in enumerate(catalog.QUESTIONS):
            guide.questions.append(
                InterviewQuestion(criterion_key=key, text=text, position=position)
            )
        session.add(guide)
        session.flush()
    return template


def list_templates(session: Session) -> list[CriteriaTemplate]:
    return list(
        session.scalars(
            select(CriteriaTemplate)
            .options(selectinload(CriteriaTemplate.criteria))
            .order_by(CriteriaTemplate.builtin.desc(), CriteriaTemplate.name)
        )
    )
