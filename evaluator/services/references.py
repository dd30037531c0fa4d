"""Reference checks: record a call with a vendor's client and what it confirmed or contradicted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import CaseStudy, ClaimType, ReferenceCheck, ReferenceClaim, User, Verdict
from .uow import transaction

#: The reference-call guide: what to ask for each claim type.
GUIDE: dict[str, str] = {
    ClaimType.TIMELINE: "Was the program delivered when the vendor says? Ask for the original "
                        "and the actual go-live dates.",
    ClaimType.BUDGET: "Did it cost what the vendor says? Ask how much the final cost differed "
                      "from the contract and why.",
    ClaimType.SETBACK: "Ask the referee to describe the setback in their words: when it was "
                       "found, who raised it, how the vendor handled it.",
    ClaimType.LESSON: "Did the vendor change how it worked afterwards? Ask for a concrete "
                      "example the referee saw.",
    ClaimType.OUTCOME: "Would the referee hire the vendor again for a program like ours?",
}


class ReferenceError(ValueError):
    """A reference check that cannot be recorded as entered."""


@dataclass(frozen=True)
class ClaimInput:
    claim_type: str
    statement: str
    verdict: str
    note: str = ""


@transaction
def record_check(
    session: Session, case_study: CaseStudy, user: User, *, referee_name: str,
    referee_role: str, called_on: date | None, notes: str, claims: list[ClaimInput],
) -> ReferenceCheck:
    if not referee_name.strip():
        raise ReferenceError("Name the referee you spoke to.")
    if called_on and called_on > date.today():
        raise ReferenceError("The call date cannot be in the future.")
    if not claims:
        raise ReferenceError("Record at least one claim you checked, with its verdict.")
    for claim in claims:
        if claim.claim_type not in {c.value for c in ClaimType}:
            raise ReferenceError(f"Unknown claim type {claim.claim_type!r}.")
        if claim.verdict not in {v.value for v in Verdict}:
            raise ReferenceError("Each claim needs a verdict: confirmed, contradicted or not "
                                 "verified.")
        if claim.verdict == Verdict.CONTRADICTED and not claim.note.strip():
            raise ReferenceError(f"Say what the referee said against the {claim.claim_type} "
                                 "claim.")
    check = ReferenceCheck(
        case_study=case_study, referee_name=referee_name.strip(),
        referee_role=referee_role.strip(), called_on=called_on, called_by=user,
        notes=notes.strip(),
        claims=[ReferenceClaim(claim_type=c.claim_type, statement=c.statement.strip(),
                               verdict=c.verdict, note=c.note.strip()) for c in claims],
    )
    session.add(check)
    return check


def checks_by_case_study(session: Session, vendor_id: int) -> dict[int, list[ReferenceCheck]]:
    rows = session.scalars(
        select(ReferenceCheck).join(CaseStudy)
        .where(CaseStudy.vendor_id == vendor_id)
        .options(selectinload(ReferenceCheck.claims), selectinload(ReferenceCheck.called_by))
        .order_by(ReferenceCheck.id)
    )
    out: dict[int, list[ReferenceCheck]] = {}
    for check in rows:
        out.setdefault(check.case_study_id, []).append(check)
    return out
