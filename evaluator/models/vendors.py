"""The vendor dossier: profile, contacts, certifications, integrations, case studies, interviews."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class Vendor(db.Model):
    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # natural key for imports
    country: Mapped[str] = mapped_column(String(80), default="", index=True)
    sector: Mapped[str] = mapped_column(String(120), default="", index=True)
    website: Mapped[str] = mapped_column(String(300), default="")
    headcount: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    regions: Mapped[str] = mapped_column(String(300), default="")  # comma-separated
    data_residency: Mapped[str] = mapped_column(String(300), default="")  # comma-separated
    is_demo: Mapped[bool] = mapped_column(default=False)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(default=1)

    contacts: Mapped[list[VendorContact]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="VendorContact.id"
    )
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="Certification.name"
    )
    integrations: Mapped[list[Integration]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="Integration.kind"
    )
    case_studies: Mapped[list[CaseStudy]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="CaseStudy.id"
    )
    interviews: Mapped[list[Interview]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="Interview.held_on"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class VendorContact(db.Model):
    __tablename__ = "vendor_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    title: Mapped[str] = mapped_column(String(120), default="")
    vendor: Mapped[Vendor] = relationship(back_populates="contacts")


class Certification(db.Model):
    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), index=True)  # e.g. ISO 27001, SOC 2 Type II
    issuer: Mapped[str] = mapped_column(String(120), default="")
    expires_on: Mapped[date | None] = mapped_column(Date)
    vendor: Mapped[Vendor] = relationship(back_populates="certifications")


class Integration(db.Model):
    """An integration the vendor has proven in a delivered program."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # erp, crm, mainframe, file_drop, other
    product: Mapped[str] = mapped_column(String(120), default="")  # e.g. SAP S/4HANA
    notes: Mapped[str] = mapped_column(Text, default="")
    vendor: Mapped[Vendor] = relationship(back_populates="integrations")


class CaseStudy(db.Model):
    """A past program the vendor delivered, told by the vendor (planned vs actual, setbacks)."""

    __tablename__ = "case_studies"
    __table_args__ = (UniqueConstraint("vendor_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    client_sector: Mapped[str] = mapped_column(String(120), default="")
    org_size: Mapped[str] = mapped_column(String(40), default="")  # small, medium, large, enterprise
    regulatory_regime: Mapped[str] = mapped_column(String(200), default="")
    planned_months: Mapped[float | None] = mapped_column(Float)
    actual_months: Mapped[float | None] = mapped_column(Float)
    planned_budget: Mapped[float | None] = mapped_column(Float)  # currency units, as stated
    actual_budget: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(40), default="")  # delivered, partial, cancelled
    summary: Mapped[str] = mapped_column(Text, default="")
    setbacks: Mapped[str] = mapped_column(Text, default="")
    response: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    reference_name: Mapped[str] = mapped_column(String(120), default="")
    reference_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    vendor: Mapped[Vendor] = relationship(back_populates="case_studies")
    __mapper_args__ = {"version_id_col": version}


class InterviewGuide(db.Model):
    __tablename__ = "interview_guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("criteria_templates.id", ondelete="SET NULL"), index=True
    )
    questions: Mapped[list[InterviewQuestion]] = relationship(
        back_populates="guide", cascade="all, delete-orphan", order_by="InterviewQuestion.position"
    )


class InterviewQuestion(db.Model):
    __tablename__ = "interview_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(
        ForeignKey("interview_guides.id", ondelete="CASCADE"), index=True
    )
    criterion_key: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    guide: Mapped[InterviewGuide] = relationship(back_populates="questions")


class Interview(db.Model):
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    guide_id: Mapped[int | None] = mapped_column(
        ForeignKey("interview_guides.id", ondelete="SET NULL"), index=True
    )
    held_on: Mapped[date | None] = mapped_column(Date)
    interviewers: Mapped[str] = mapped_column(String(300), default="")
    vendor: Mapped[Vendor] = relationship(back_populates="interviews")
    guide: Mapped[InterviewGuide | None] = relationship()
    answers: Mapped[list[InterviewAnswer]] = relationship(
        back_populates="interview", cascade="all, delete-orphan", order_by="InterviewAnswer.id"
    )


class InterviewAnswer(db.Model):
    __tablename__ = "interview_answers"
    __table_args__ = (UniqueConstraint("interview_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("interview_questions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    interview: Mapped[Interview] = relationship(back_populates="answers")
    question: Mapped[InterviewQuestion] = relationship()


