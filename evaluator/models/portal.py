"""Vendor portal: invitations (a single-purpose link per vendor contact) and their submissions.

A vendor never has an account. A lead invites a contact; the contact follows a random link whose
SHA-256 alone is stored here, saves drafts and submits. Nothing reaches the dossier until a lead
accepts the submission (services.portal_review), which records who reviewed it and what changed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .users import User
from .vendors import InterviewGuide, Vendor


class PortalSection(StrEnum):
    """What an invitation lets the vendor propose (its purpose; one link, only these forms)."""

    PROFILE = "profile"
    CASE_STUDIES = "case_studies"
    ANSWERS = "answers"

    @property
    def label(self) -> str:
        return {"profile": "Company profile", "case_studies": "Case studies",
                "answers": "Written answers"}[self.value]


class InvitationStatus(StrEnum):
    """Stored lifecycle. "expired" is never stored: it is derived from expires_at."""

    INVITED = "invited"
    OPENED = "opened"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REVOKED = "revoked"


class PortalInvitation(db.Model):
    """One vendor contact's link. ``vendor_id`` is None for a vendor not yet in the register;
    ``new_vendor_name`` then names the vendor that accepting the submission creates."""

    __tablename__ = "portal_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int | None] = mapped_column(
        ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    new_vendor_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    purpose: Mapped[str] = mapped_column(String(100))  # comma-separated PortalSection values
    guide_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview_guides.id", ondelete="SET NULL"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")  # from the lead, shown to the vendor
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the secret
    status: Mapped[str] = mapped_column(String(20), default=InvitationStatus.INVITED.value,
                                        index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    link_issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    vendor: Mapped[Vendor | None] = relationship()
    guide: Mapped[InterviewGuide | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    submission: Mapped[PortalSubmission] = relationship(
        back_populates="invitation", cascade="all, delete-orphan", uselist=False)

    @property
    def sections(self) -> tuple[PortalSection, ...]:
        return tuple(PortalSection(s) for s in self.purpose.split(",") if s)

    @property
    def vendor_name(self) -> str:
        return self.vendor.name if self.vendor is not None else self.new_vendor_name


class PortalSubmission(db.Model):
    """The vendor's proposal, as JSON drafts, until a lead accepts or rejects it.

    profile: {field: value} for the fields the vendor filled in (lists replace the dossier's);
    case_studies: [{CaseStudyData fields}], at most services.portal.MAX_CASE_STUDIES;
    answers: {question id (str): text}. ``applied`` records what accepting changed (ids).
    """

    __tablename__ = "portal_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("portal_invitations.id", ondelete="CASCADE"), unique=True)
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    case_studies: Mapped[list] = mapped_column(JSON, default=list)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    edited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str] = mapped_column(String(10), default="")  # accepted, rejected
    decision_note: Mapped[str] = mapped_column(Text, default="")
    applied: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)

    invitation: Mapped[PortalInvitation] = relationship(back_populates="submission")
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    __mapper_args__ = {"version_id_col": version}
