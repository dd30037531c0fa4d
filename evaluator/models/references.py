"""Reference checks: a call with a vendor's client that confirms or contradicts its claims."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .users import User
from .vendors import CaseStudy


class ClaimType(StrEnum):
    TIMELINE = "timeline"
    BUDGET = "budget"
    SETBACK = "setback"
    LESSON = "lesson"
    OUTCOME = "outcome"
    OTHER = "other"


class Verdict(StrEnum):
    CONFIRMED = "confirmed"
    CONTRADICTED = "contradicted"
    NOT_VERIFIED = "not_verified"


class ReferenceCheck(db.Model):
    __tablename__ = "reference_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_study_id: Mapped[int] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), index=True
    )
    referee_name: Mapped[str] = mapped_column(String(120))
    referee_role: Mapped[str] = mapped_column(String(120), default="")
    called_on: Mapped[date | None] = mapped_column(Date)
    called_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case_study: Mapped[CaseStudy] = relationship()
    called_by: Mapped[User | None] = relationship()
    claims: Mapped[list[ReferenceClaim]] = relationship(
        back_populates="check", cascade="all, delete-orphan", order_by="ReferenceClaim.id"
    )


class ReferenceClaim(db.Model):
    __tablename__ = "reference_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(
        ForeignKey("reference_checks.id", ondelete="CASCADE"), index=True
    )
    claim_type: Mapped[str] = mapped_column(String(20))
    statement: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[str] = mapped_column(String(20), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    check: Mapped[ReferenceCheck] = relationship(back_populates="claims")
