"""A lead reviews a vendor's portal submission: diff against the dossier, edit, accept or reject.

Accepting applies the chosen parts through the dossier's own helpers (apply_vendor_data,
apply_case_study_data) in ONE transaction with the decision, so the dossier never holds half a
submission. Case studies match the dossier's on title (the CSV import's natural key): a match is
updated, anything else is added. Written answers become a new interview record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..models import (
    CaseStudy,
    Interview,
    InterviewAnswer,
    InvitationStatus,
    PortalInvitation,
    PortalSubmission,
    User,
    Vendor,
)
from ..models.base import utcnow
from .dossier import CASE_STUDY_FIELDS, CaseStudyData, apply_case_study_data
from .portal import (
    PROFILE_FIELDS,
    PortalError,
    _for_lead,
    answers_to_json,
    aware,
    case_study_of,
    profile_to_json,
    put_case_study,
)
from .uow import transaction
from .vendors import (
    CertificationData,
    ContactData,
    IntegrationData,
    VendorData,
    apply_vendor_data,
    display_value,
    name_taken,
    vendor_data,
)

PROFILE_LABELS = {
    "country": "Country", "sector": "Sector", "website": "Website", "headcount": "Headcount",
    "regions": "Regions served", "data_residency": "Data residency options",
    "description": "Description", "contacts": "Contacts", "certifications": "Certifications",
    "integrations": "Integrations",
}
CASE_STUDY_LABELS = {
    "title": "Title", "year": "Year", "client_sector": "Client sector",
    "org_size": "Organisation size", "regulatory_regime": "Regulatory regime",
    "planned_months": "Planned duration (months)", "actual_months": "Actual duration (months)",
    "planned_budget": "Planned budget", "actual_budget": "Actual budget", "outcome": "Outcome",
    "summary": "Summary", "setbacks": "Setbacks", "response": "How the vendor responded",
    "lessons": "Lessons learned", "reference_name": "Reference contact",
    "reference_email": "Reference email",
}


def proposed_vendor_data(name: str, profile: dict) -> tuple[VendorData, frozenset[str]]:
    """The proposal as VendorData, and the fields it proposes (only those are applied)."""
    values: dict = {k: v for k, v in profile.items() if k in PROFILE_FIELDS}
    if "contacts" in values:
        values["contacts"] = tuple(ContactData(c["name"], c.get("email", ""),
                                               c.get("phone", ""), c.get("title", ""))
                                   for c in values["contacts"])
    if "certifications" in values:
        values["certifications"] = tuple(
            CertificationData(c["name"], date.fromisoformat(c["expires_on"])
                              if c.get("expires_on") else None, c.get("issuer", ""))
            for c in values["certifications"])
    if "integrations" in values:
        values["integrations"] = tuple(IntegrationData(i["kind"], i.get("product", ""),
                                                       i.get("notes", ""))
                                       for i in values["integrations"])
    return VendorData(name=name, **values), frozenset(values)


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    current: str
    proposed: str

    @property
    def changed(self) -> bool:
        return self.current != self.proposed


@dataclass(frozen=True)
class CaseStudyProposal:
    key: str
    data: CaseStudyData
    existing: CaseStudy | None  # the dossier's case study with the same title, if any
    changes: list[FieldChange]

    @property
    def changed_count(self) -> int:
        return sum(1 for c in self.changes if c.changed)


@dataclass(frozen=True)
class AnswerProposal:
    question_id: int
    question: str
    criterion_key: str
    text: str


@dataclass(frozen=True)
class Review:
    invitation: PortalInvitation
    submission: PortalSubmission
    vendor: Vendor | None
    profile: list[FieldChange]
    case_studies: list[CaseStudyProposal]
    answers: list[AnswerProposal]


def _shown(value, name: str = "") -> str:
    """A value as the diff shows it: 3,200,000 rather than 3200000.0; lists one per line."""
    if value in (None, "", ()):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and name != "year":
        return f"{value:,}"
    if isinstance(value, tuple):
        return display_value(value).replace("; ", "\n")
    return display_value(value)


def _match(vendor: Vendor | None, title: str) -> CaseStudy | None:
    if vendor is None:
        return None
    by_case = [cs for cs in vendor.case_studies if cs.title.lower() == title.strip().lower()]
    exact = [cs for cs in by_case if cs.title == title]
    return (exact or by_case or [None])[0]


def review_of(invitation: PortalInvitation) -> Review:
    """Proposed against current, field by field (the vendor's own words, never re-scored)."""
    submission, vendor = invitation.submission, invitation.vendor
    data, only = proposed_vendor_data(invitation.vendor_name, submission.profile)
    current = vendor_data(vendor) if vendor is not None else None
    profile = [FieldChange(n, PROFILE_LABELS[n],
                           _shown(getattr(current, n)) if current else "",
                           _shown(getattr(data, n)))
               for n in PROFILE_FIELDS if n in only]
    proposals = []
    for entry in submission.case_studies:
        cs = case_study_of(entry)
        existing = _match(vendor, cs.title)
        proposals.append(CaseStudyProposal(entry["key"], cs, existing, [
            FieldChange(n, CASE_STUDY_LABELS[n],
                        _shown(getattr(existing, n), n) if existing else "",
                        _shown(getattr(cs, n), n))
            for n in CASE_STUDY_FIELDS if getattr(cs, n) not in (None, "") or existing]))
    questions = invitation.guide.questions if invitation.guide else []
    answers = [AnswerProposal(q.id, q.text, q.criterion_key, submission.answers[str(q.id)])
               for q in questions if submission.answers.get(str(q.id))]
    return Review(invitation, submission, vendor, profile, proposals, answers)


# ------------------------------------------------------------------------------ decisions


def _submitted(session: Session, invitation_id: int, expected_version: int | None
               ) -> PortalInvitation:
    invitation = _for_lead(session, invitation_id)
    if invitation.status != InvitationStatus.SUBMITTED:
        raise PortalError(f"Only a submitted proposal can be reviewed; this one is "
                          f"{invitation.status}.")
    if expected_version is not None and invitation.submission.version != expected_version:
        raise PortalError("The submission changed since you opened this page (someone edited "
                          "or decided it). Reload the page and review it again.")
    return invitation


def _reviewed(invitation: PortalInvitation, lead: User, decision: str, note: str) -> None:
    submission = invitation.submission
    submission.decision = decision
    submission.decision_note = note
    submission.reviewed_by_id = lead.id
    submission.reviewed_at = utcnow()
    invitation.status = decision


@transaction
def accept(session: Session, invitation_id: int, lead: User, *, profile: bool,
           case_study_keys: set[str], answers: bool, expected_version: int | None = None,
           note: str = "") -> dict:
    """Apply the chosen parts to the dossier with the decision, all in one transaction."""
    invitation = _submitted(session, invitation_id, expected_version)
    submission = invitation.submission
    keys = {cs["key"] for cs in submission.case_studies}
    if case_study_keys - keys:
        raise PortalError("Those case studies are not part of this submission.")
    profile = profile and bool(submission.profile)
    answers = answers and bool(submission.answers) and invitation.guide is not None
    if not (profile or case_study_keys or answers):
        raise PortalError("Choose at least one part to accept, or reject the submission.")
    applied: dict = {"profile_fields": [], "case_studies_created": [],
                     "case_studies_updated": [], "interview_id": None, "vendor_created": False}
    vendor = invitation.vendor
    if vendor is None:
        if name_taken(session, invitation.new_vendor_name):
            raise PortalError(f"A vendor named {invitation.new_vendor_name!r} was added to the "
                              "register meanwhile. Reject this submission and invite that "
                              "vendor instead.")
        vendor = Vendor(name=invitation.new_vendor_name)
        session.add(vendor)
        invitation.vendor = vendor
        applied["vendor_created"] = True
    if profile:
        data, only = proposed_vendor_data(vendor.name, submission.profile)
        applied["profile_fields"] = apply_vendor_data(vendor, data, only)
    created, updated = [], []
    for entry in submission.case_studies:
        if entry["key"] not in case_study_keys:
            continue
        data = case_study_of(entry)
        existing = _match(vendor, data.title)
        if existing is None:
            cs = CaseStudy(vendor=vendor)
            apply_case_study_data(cs, data)
            session.add(cs)
            created.append(cs)
        else:
            apply_case_study_data(existing, data)
            updated.append(existing)
    interview = None
    if answers:
        guide = invitation.guide
        interview = Interview(
            vendor=vendor, guide=guide, held_on=aware(submission.submitted_at).date(),
            interviewers=(f"Written answers via the vendor portal ({invitation.contact_email}); "
                          f"accepted by {lead.email}")[:300])
        for question in guide.questions:
            text = submission.answers.get(str(question.id))
            if text:
                interview.answers.append(InterviewAnswer(question=question, text=text))
        session.add(interview)
    _reviewed(invitation, lead, InvitationStatus.ACCEPTED.value, note.strip())
    try:
        session.flush()
        applied.update(vendor_id=vendor.id,
                       case_studies_created=[cs.id for cs in created],
                       case_studies_updated=[cs.id for cs in updated],
                       interview_id=interview.id if interview else None)
        submission.applied = applied
        audit.record(session, "portal.accept", "PortalSubmission", submission.id,
                     {**applied, "submitted_by": f"{invitation.contact_email} "
                                                 f"(vendor-portal:{invitation.id})"})
    except IntegrityError:
        raise PortalError("The dossier refused the change (a duplicate name or title). "
                          "Nothing was applied.") from None
    return applied


@transaction
def reject(session: Session, invitation_id: int, lead: User, note: str,
           expected_version: int | None = None) -> None:
    note = (note or "").strip()
    if not note:
        raise PortalError("Say why the submission is rejected.", field="note")
    invitation = _submitted(session, invitation_id, expected_version)
    _reviewed(invitation, lead, InvitationStatus.REJECTED.value, note)
    audit.record(session, "portal.reject", "PortalSubmission", invitation.submission.id,
                 {"note": note})


# ------------------------------------------------------------------- lead edits before accept


@transaction
def _edited(session: Session, invitation: PortalInvitation, lead: User, what: str) -> None:
    submission = invitation.submission
    submission.edited_by_id = lead.id
    submission.edited_at = utcnow()
    audit.record(session, "portal.edit_submission", "PortalSubmission", submission.id,
                 {"section": what})


def edit_profile(session: Session, invitation_id: int, lead: User, values: dict) -> None:
    invitation = _submitted(session, invitation_id, None)
    invitation.submission.profile = profile_to_json(values)
    _edited(session, invitation, lead, "profile")


def edit_case_study(session: Session, invitation_id: int, lead: User, key: str,
                    data: CaseStudyData) -> None:
    invitation = _submitted(session, invitation_id, None)
    put_case_study(invitation.submission, data, key)
    _edited(session, invitation, lead, "case_studies")


def edit_answers(session: Session, invitation_id: int, lead: User,
                 answers: dict[int, str]) -> None:
    invitation = _submitted(session, invitation_id, None)
    invitation.submission.answers = answers_to_json(invitation, answers)
    _edited(session, invitation, lead, "answers")
