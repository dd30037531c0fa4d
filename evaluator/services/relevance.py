"""Relevant evidence for an evaluation: case-study relevance to the program context, per-vendor
summaries, integration/compliance fit, and contradicted reference claims. Reads only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    CaseStudy,
    Evaluation,
    ReferenceCheck,
    ReferenceClaim,
    Vendor,
    Verdict,
)
from ..scoring import relevance as core


@dataclass
class VendorEvidence:
    vendor: Vendor
    relevance: dict[int, core.Relevance]  # case study id -> relevance
    summary: core.EvidenceSummary
    fit: list[core.FitCell]
    contradicted: list[tuple[CaseStudy, ReferenceClaim]] = field(default_factory=list)

    def ordered_case_studies(self) -> list[CaseStudy]:
        """Most relevant first (unknown relevance last), then newest."""
        return sorted(
            self.vendor.case_studies,
            key=lambda cs: (-(self.relevance[cs.id].score or -1), -(cs.year or 0), cs.id),
        )


def case_facts(cs: CaseStudy) -> core.CaseFacts:
    regimes = tuple(r.strip() for r in (cs.regulatory_regime or "").replace(";", ",").split(",")
                    if r.strip())
    return core.CaseFacts(sector=cs.client_sector or "", org_size=cs.org_size or "",
                          regimes=regimes, budget=cs.planned_budget, months=cs.planned_months)


def contradicted_claims(session: Session, case_study_ids: list[int]
                        ) -> dict[int, list[ReferenceClaim]]:
    if not case_study_ids:
        return {}
    rows = session.scalars(
        select(ReferenceClaim).join(ReferenceCheck)
        .where(ReferenceCheck.case_study_id.in_(case_study_ids),
               ReferenceClaim.verdict == Verdict.CONTRADICTED.value)
        .options(selectinload(ReferenceClaim.check))
    )
    out: dict[int, list[ReferenceClaim]] = {}
    for claim in rows:
        out.setdefault(claim.check.case_study_id, []).append(claim)
    return out


def for_evaluation(session: Session, evaluation: Evaluation, today: date | None = None
                   ) -> dict[int, VendorEvidence]:
    """Per shortlisted vendor id; a constant number of queries whatever the shortlist size."""
    today = today or date.today()
    program = core.ProgramContext.from_dict(evaluation.context)
    weights = evaluation.relevance_weights or None
    vendor_ids = [e.vendor_id for e in evaluation.shortlist]
    vendors = session.scalars(
        select(Vendor).where(Vendor.id.in_(vendor_ids)).options(
            selectinload(Vendor.case_studies), selectinload(Vendor.integrations),
            selectinload(Vendor.certifications))
    ).all() if vendor_ids else []
    claims = contradicted_claims(session, [cs.id for v in vendors for cs in v.case_studies])
    out = {}
    for vendor in vendors:
        rel = {cs.id: core.relevance(program, case_facts(cs), weights)
               for cs in vendor.case_studies}
        on_time = [
            None if not cs.planned_months or cs.actual_months is None
            else cs.actual_months <= cs.planned_months
            for cs in vendor.case_studies
        ]
        out[vendor.id] = VendorEvidence(
            vendor=vendor,
            relevance=rel,
            summary=core.summarise([rel[cs.id] for cs in vendor.case_studies], on_time),
            fit=core.fit(program, [(i.kind, i.product) for i in vendor.integrations],
                         [(c.name, c.expires_on) for c in vendor.certifications], today),
            contradicted=[(cs, claim) for cs in vendor.case_studies
                          for claim in claims.get(cs.id, [])],
        )
    return out
