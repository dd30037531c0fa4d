"""Vendor portal: invitations with a single-purpose link, and the vendor's drafts and submission.

The link carries a secret of 32 random bytes (URL-safe base64 behind an ``evp_`` prefix, so an
API token can never pass for one); only its SHA-256 is stored. A plain hash is enough for the
same reason as API tokens (services.api_tokens): 256 bits cannot be guessed from the hash, and
the hash is the unique lookup key. Every failure (unknown, altered, expired, revoked, closed or
wrong section) gives the caller the same None, so the page cannot tell them apart.

Drafts live in PortalSubmission as JSON until a lead reviews them (services.portal_review).

Over 400 lines on purpose: the link's security rules and each section's draft rules are checked
together on every request; the lead's side already lives apart in portal_review.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..models import (
    InterviewGuide,
    InvitationStatus,
    PortalInvitation,
    PortalSection,
    PortalSubmission,
    User,
    Vendor,
)
from ..models.base import utcnow
from .dossier import CaseStudyData
from .uow import transaction
from .vendors import LIST_FIELDS, SCALAR_FIELDS, name_taken

TOKEN_PREFIX = "evp_"
TOKEN_RE = re.compile(r"^evp_[A-Za-z0-9_-]{43}$")
#: Hard limits on what one submission may hold (the forms say the same to the vendor).
MAX_CASE_STUDIES = 10
MAX_SUBMISSION_CHARS = 600_000  # the whole draft as JSON; fields are limited one by one too
MAX_VALID_DAYS = 90
DEFAULT_VALID_DAYS = 14
MAX_MESSAGE = 2000
#: Proposed profile fields (the vendor's name is the lead's to set: it is the register's key).
PROFILE_SCALARS = tuple(f for f in SCALAR_FIELDS if f != "name")
PROFILE_LISTS = LIST_FIELDS
PROFILE_FIELDS = PROFILE_SCALARS + PROFILE_LISTS
OPEN_STATUSES = (InvitationStatus.INVITED, InvitationStatus.OPENED, InvitationStatus.DRAFT)

audit.REDACTED_FIELDS.add("token_hash")


class PortalError(ValueError):
    """A portal request that cannot be carried out; nothing was written. Message for users."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class IssuedLink:
    invitation: PortalInvitation
    token: str  # the only time the secret exists outside the vendor's link


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes; compare everything as aware UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def effective_status(invitation: PortalInvitation, now: datetime | None = None) -> str:
    """The stored status, or "expired" for an open invitation past its deadline."""
    now = now or utcnow()
    if invitation.status in OPEN_STATUSES and aware(invitation.expires_at) <= now:
        return "expired"
    return invitation.status


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _new_token() -> tuple[str, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_secret(token)


def actor_name(invitation: PortalInvitation) -> str:
    """How the audit trail names what a vendor does through this invitation's link."""
    return f"vendor-portal:{invitation.id}"


# ---------------------------------------------------------------------------- invitations


@dataclass(frozen=True)
class InvitationRequest:
    contact_email: str
    sections: tuple[str, ...]
    vendor_id: int | None = None
    new_vendor_name: str = ""
    contact_name: str = ""
    guide_id: int | None = None
    valid_days: int = DEFAULT_VALID_DAYS
    message: str = ""


@transaction
def create_invitation(session: Session, lead: User, req: InvitationRequest) -> IssuedLink:
    sections = tuple(dict.fromkeys(req.sections))
    if not sections or not set(sections) <= {s.value for s in PortalSection}:
        raise PortalError("Choose what the vendor should send.", field="sections")
    if not 1 <= req.valid_days <= MAX_VALID_DAYS:
        raise PortalError(f"The link can stay valid for 1 to {MAX_VALID_DAYS} days.",
                          field="valid_days")
    if len(req.message) > MAX_MESSAGE:
        raise PortalError(f"The message can be at most {MAX_MESSAGE} characters.",
                          field="message")
    vendor = None
    if req.vendor_id:
        vendor = session.get(Vendor, req.vendor_id)
        if vendor is None:
            raise PortalError("This vendor does not exist.", field="vendor_id")
        if vendor.archived:
            raise PortalError(f"{vendor.name} is archived: restore it before inviting it.",
                              field="vendor_id")
    else:
        name = req.new_vendor_name.strip()
        if not name:
            raise PortalError("Choose a vendor, or name the new one.", field="new_vendor_name")
        if name_taken(session, name):
            raise PortalError(f"A vendor named {name!r} is already in the register: choose it "
                              "from the list.", field="new_vendor_name")
    guide = None
    if PortalSection.ANSWERS.value in sections:
        guide = session.get(InterviewGuide, req.guide_id) if req.guide_id else None
        if guide is None or not guide.questions:
            raise PortalError("Choose the interview guide whose questions the vendor answers.",
                              field="guide_id")
    token, token_hash = _new_token()
    now = utcnow()
    invitation = PortalInvitation(
        vendor=vendor, new_vendor_name="" if vendor else req.new_vendor_name.strip(),
        contact_email=req.contact_email.strip(), contact_name=req.contact_name.strip(),
        purpose=",".join(sections), guide=guide, message=req.message.strip(),
        token_hash=token_hash, status=InvitationStatus.INVITED.value,
        expires_at=now + timedelta(days=req.valid_days), created_by_id=lead.id,
        created_at=now, link_issued_at=now, submission=PortalSubmission(),
    )
    session.add(invitation)
    session.flush()
    audit.record(session, "portal.invite", "PortalInvitation", invitation.id,
                 {"vendor": invitation.vendor_name, "contact_email": invitation.contact_email,
                  "sections": list(sections), "expires_at": invitation.expires_at.isoformat()})
    return IssuedLink(invitation, token)


def get_invitation(session: Session, invitation_id: int) -> PortalInvitation | None:
    return session.scalar(
        select(PortalInvitation).where(PortalInvitation.id == invitation_id).options(
            selectinload(PortalInvitation.vendor), selectinload(PortalInvitation.submission),
            selectinload(PortalInvitation.guide).selectinload(InterviewGuide.questions),
            selectinload(PortalInvitation.created_by)))


def list_invitations(session: Session) -> list[PortalInvitation]:
    return list(session.scalars(
        select(PortalInvitation).options(
            selectinload(PortalInvitation.vendor), selectinload(PortalInvitation.submission),
            selectinload(PortalInvitation.created_by))
        .order_by(PortalInvitation.created_at.desc(), PortalInvitation.id.desc())))


def _for_lead(session: Session, invitation_id: int) -> PortalInvitation:
    invitation = get_invitation(session, invitation_id)
    if invitation is None:
        raise PortalError("This invitation does not exist.")
    return invitation


@transaction
def revoke(session: Session, invitation_id: int) -> PortalInvitation:
    """Withdraw the link at once (a submitted but unreviewed proposal can no longer be accepted)."""
    invitation = _for_lead(session, invitation_id)
    if invitation.status not in (*OPEN_STATUSES, InvitationStatus.SUBMITTED):
        raise PortalError(f"This invitation is already {invitation.status}.")
    invitation.status = InvitationStatus.REVOKED.value
    invitation.revoked_at = utcnow()
    audit.record(session, "portal.revoke", "PortalInvitation", invitation.id,
                 {"vendor": invitation.vendor_name})
    return invitation


@transaction
def reissue_link(session: Session, invitation_id: int, valid_days: int) -> IssuedLink:
    """A new secret (the old link stops working) and a new deadline, for a lost or late link."""
    invitation = _for_lead(session, invitation_id)
    if invitation.status not in OPEN_STATUSES:
        raise PortalError(f"This invitation is {invitation.status}: it needs no new link.")
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise PortalError(f"The link can stay valid for 1 to {MAX_VALID_DAYS} days.",
                          field="valid_days")
    token, token_hash = _new_token()
    now = utcnow()
    invitation.token_hash = token_hash
    invitation.link_issued_at = now
    invitation.expires_at = now + timedelta(days=valid_days)
    audit.record(session, "portal.reissue_link", "PortalInvitation", invitation.id,
                 {"expires_at": invitation.expires_at.isoformat()})
    return IssuedLink(invitation, token)


@transaction
def record_email(session: Session, invitation: PortalInvitation, kind: str) -> None:
    """Note in the audit trail that an invitation or reminder went out by email."""
    audit.record(session, f"portal.email_{kind}", "PortalInvitation", invitation.id,
                 {"to": invitation.contact_email})


# ------------------------------------------------------------------------- the vendor's side


@dataclass(frozen=True)
class VendorAccess:
    invitation: PortalInvitation
    editable: bool  # False once submitted: the vendor then sees a read-only summary


def find_for_vendor(session: Session, token: str, section: str | None = None
                    ) -> VendorAccess | None:
    """The invitation behind a link, or None whatever the reason (no oracle for attackers)."""
    if not TOKEN_RE.match(token or ""):
        return None
    invitation = session.scalar(
        select(PortalInvitation).where(PortalInvitation.token_hash == hash_secret(token))
        .options(selectinload(PortalInvitation.submission),
                 selectinload(PortalInvitation.guide).selectinload(InterviewGuide.questions)))
    if invitation is None:
        return None
    status = effective_status(invitation)
    if status not in (*OPEN_STATUSES, InvitationStatus.SUBMITTED):
        return None  # expired, revoked, accepted, rejected
    if aware(invitation.expires_at) <= utcnow():
        return None  # submitted, but past the deadline: even the read-only summary is closed
    if section is not None and section not in invitation.purpose.split(","):
        return None  # this link was not issued for that form
    return VendorAccess(invitation, editable=status != InvitationStatus.SUBMITTED)


def _editable(invitation: PortalInvitation) -> PortalSubmission:
    if effective_status(invitation) not in OPEN_STATUSES:
        raise PortalError("This submission can no longer be changed.")
    return invitation.submission


@transaction
def open_invitation(session: Session, invitation: PortalInvitation) -> None:
    """The vendor pressed Start (a POST: link scanners that prefetch GETs do not count)."""
    if invitation.status == InvitationStatus.INVITED:
        invitation.status = InvitationStatus.OPENED.value
        invitation.opened_at = utcnow()
        audit.record(session, "portal.open", "PortalInvitation", invitation.id, None)


@transaction
def _saved(session: Session, invitation: PortalInvitation, submission: PortalSubmission,
           what: str) -> None:
    size = len(json.dumps([submission.profile, submission.case_studies, submission.answers]))
    if size > MAX_SUBMISSION_CHARS:
        raise PortalError(f"The submission would be larger than {MAX_SUBMISSION_CHARS:,} "
                          "characters in all. Shorten some answers.")
    submission.saved_at = utcnow()
    if invitation.status in (InvitationStatus.INVITED, InvitationStatus.OPENED):
        invitation.status = InvitationStatus.DRAFT.value
        invitation.opened_at = invitation.opened_at or submission.saved_at
    audit.record(session, "portal.save_draft", "PortalSubmission", submission.id,
                 {"section": what})


def profile_to_json(values: dict) -> dict:
    """Keep the proposed profile fields that are filled in, as JSON (dates as ISO text)."""
    out: dict = {}
    for name in PROFILE_FIELDS:
        value = values.get(name)
        if value in (None, "", [], ()):
            continue
        if name in PROFILE_LISTS:
            value = [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in item.items()}
                     for item in value]
        out[name] = value
    return out


def save_profile(session: Session, invitation: PortalInvitation, values: dict) -> None:
    submission = _editable(invitation)
    submission.profile = profile_to_json(values)
    _saved(session, invitation, submission, "profile")


def _case_study_json(data: CaseStudyData, key: str) -> dict:
    return {"key": key, **asdict(data)}


def case_study_of(entry: dict) -> CaseStudyData:
    return CaseStudyData(**{k: v for k, v in entry.items() if k != "key"})


def find_case_study(submission: PortalSubmission, key: str) -> dict | None:
    return next((cs for cs in submission.case_studies if cs.get("key") == key), None)


def put_case_study(submission: PortalSubmission, data: CaseStudyData, key: str | None) -> str:
    """Add (key None) or replace one case study in the draft; checks the count and titles."""
    entries = [dict(cs) for cs in submission.case_studies]
    if key is not None and not any(cs["key"] == key for cs in entries):
        raise PortalError("This case study is not in the draft.")
    if key is None and len(entries) >= MAX_CASE_STUDIES:
        raise PortalError(f"A submission can hold at most {MAX_CASE_STUDIES} case studies. "
                          "Remove one before adding another.")
    if any(cs["title"].strip().lower() == data.title.strip().lower() and cs["key"] != key
           for cs in entries):
        raise PortalError("Another case study in this submission has the same title.",
                          field="title")
    if key is None:
        key = secrets.token_hex(4)
        entries.append(_case_study_json(data, key))
    else:
        entries = [_case_study_json(data, key) if cs["key"] == key else cs for cs in entries]
    submission.case_studies = entries  # a new list, so the JSON change is seen and audited
    return key


def save_case_study(session: Session, invitation: PortalInvitation, data: CaseStudyData,
                    key: str | None = None) -> str:
    submission = _editable(invitation)
    key = put_case_study(submission, data, key)
    _saved(session, invitation, submission, "case_studies")
    return key


def remove_case_study(session: Session, invitation: PortalInvitation, key: str) -> None:
    submission = _editable(invitation)
    if find_case_study(submission, key) is None:
        raise PortalError("This case study is not in the draft.")
    submission.case_studies = [cs for cs in submission.case_studies if cs["key"] != key]
    _saved(session, invitation, submission, "case_studies")


def answers_to_json(invitation: PortalInvitation, answers: dict[int, str]) -> dict:
    """Answers keyed by question id (as text, for JSON); only the guide's questions count."""
    questions = {q.id for q in invitation.guide.questions} if invitation.guide else set()
    if set(answers) - questions:
        raise PortalError("The answers do not match the interview guide's questions.")
    return {str(qid): text for qid, text in answers.items() if text}


def save_answers(session: Session, invitation: PortalInvitation, answers: dict[int, str]
                 ) -> None:
    submission = _editable(invitation)
    submission.answers = answers_to_json(invitation, answers)
    _saved(session, invitation, submission, "answers")


def section_filled(submission: PortalSubmission, section: str) -> bool:
    return bool({"profile": submission.profile, "case_studies": submission.case_studies,
                 "answers": submission.answers}[section])


@transaction
def submit(session: Session, invitation: PortalInvitation) -> None:
    """Hand the draft to the lead. It is frozen from now on and changes nothing in the dossier."""
    submission = _editable(invitation)
    if not any(section_filled(submission, s.value) for s in invitation.sections):
        raise PortalError("There is nothing to submit yet: fill in at least one section.")
    submission.submitted_at = utcnow()
    invitation.status = InvitationStatus.SUBMITTED.value
    audit.record(session, "portal.submit", "PortalSubmission", submission.id,
                 {"case_studies": len(submission.case_studies),
                  "profile_fields": sorted(submission.profile),
                  "answers": len(submission.answers)})


# ------------------------------------------------------------------------- texts to copy


def _what(invitation: PortalInvitation) -> str:
    labels = [s.label.lower() for s in invitation.sections]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _deadline(invitation: PortalInvitation) -> str:
    return aware(invitation.expires_at).strftime("%d %B %Y, %H:%M UTC")


def invitation_text(invitation: PortalInvitation, link: str, sender: str) -> str:
    greeting = f"Dear {invitation.contact_name}," if invitation.contact_name else "Hello,"
    parts = [
        greeting, "",
        f"As part of our vendor evaluation we would like {invitation.vendor_name} to send us "
        f"its {_what(invitation)} through our vendor portal. No account is needed: the link "
        "below is personal to you.", "",
        link, "",
        f"The link works until {_deadline(invitation)}. You can save drafts and come back; "
        "nothing is shared with us until you press Submit. We value candid accounts of "
        "setbacks and what you learned from them as much as successes.",
    ]
    if invitation.message:
        parts += ["", invitation.message]
    parts += ["", "Kind regards,", sender]
    return "\n".join(parts)


def reminder_text(invitation: PortalInvitation, sender: str, link: str | None = None) -> str:
    greeting = f"Dear {invitation.contact_name}," if invitation.contact_name else "Hello,"
    issued = aware(invitation.link_issued_at).strftime("%d %B %Y")
    where = (f"Here is your link:\n\n{link}\n" if link else
             f"Please use the link we sent you on {issued}. If you cannot find it, reply to "
             "this message and we will send you a new one.")
    days = (aware(invitation.expires_at) - utcnow()).days
    left = f" ({days} day{'s' if days != 1 else ''} left)" if days >= 0 else ""
    return "\n".join([
        greeting, "",
        f"A reminder that we are waiting for {invitation.vendor_name}'s {_what(invitation)} "
        f"in our vendor portal. The deadline is {_deadline(invitation)}{left}.", "",
        where, "",
        "Drafts you saved are kept; nothing is shared with us until you press Submit.", "",
        "Kind regards,", sender,
    ])
