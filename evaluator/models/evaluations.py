"""Criteria templates, evaluations (shortlist rounds), members, scores and decisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .users import User
from .vendors import Vendor


class Status(StrEnum):
    DRAFT = "draft"
    SCORING = "scoring"
    REVIEW = "review"  # scoring closed: the independent scores are final
    MODERATION = "moderation"  # the lead's moderation round: reasoned, recorded revisions
    DECIDED = "decided"


class EvidenceRule(StrEnum):
    """Which scores must cite evidence before an evaluator can submit (docs/scoring.md)."""

    EXTREMES = "extremes"  # scores at either end of the scale, and every knockout score
    EVERY = "every"  # every score
    NONE = "none"  # citations optional

    @property
    def label(self) -> str:
        return {
            "extremes": "At the scale's ends and on knockout criteria (default)",
            "every": "Every score",
            "none": "Optional",
        }[self.value]


class ConflictResolution(StrEnum):
    """The lead's decision on a conflict declared after its member submitted."""

    PENDING = ""  # flagged, not yet decided
    EXCLUDE = "exclude"  # the member's scores of the vendor no longer count
    KEEP = "keep"  # the conflict is judged immaterial: the scores keep counting


class MemberRole(StrEnum):
    """Role inside one evaluation."""

    LEAD = "lead"
    EVALUATOR = "evaluator"
    OBSERVER = "observer"  # CTO, steering committee: reads the comparison, cannot score


class CriteriaTemplate(db.Model):
    __tablename__ = "criteria_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    scale_min: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=5)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"name": "Finance", "weights": {"key": weight}}]
    lenses: Mapped[list] = mapped_column(JSON, default=list)
    criteria: Mapped[list[TemplateCriterion]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="TemplateCriterion.position"
    )


class TemplateCriterion(db.Model):
    __tablename__ = "template_criteria"
    __table_args__ = (UniqueConstraint("template_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("criteria_templates.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    knockout_below: Mapped[float | None] = mapped_column(Float)
    anchors: Mapped[dict] = mapped_column(JSON, default=dict)  # {"1": "...", ..., "5": "..."}
    position: Mapped[int] = mapped_column(default=0)
    template: Mapped[CriteriaTemplate] = relationship(back_populates="criteria")


class Evaluation(db.Model):
    __tablename__ = "evaluations"
    __table_args__ = (CheckConstraint("scale_min < scale_max", name="scale_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    program_context: Mapped[str] = mapped_column(Text, default="")
    # Structured program context for relevance matching: {"sector", "org_size", "regimes": [],
    # "regions": [], "residency": [], "systems": [], "budget_band", "duration_band"}.
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    # Facet weights of the relevance similarity ({facet: weight}); empty = documented defaults.
    relevance_weights: Mapped[dict] = mapped_column(JSON, default=dict)
    scale_min: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=5)
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT.value, index=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("criteria_templates.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Which scores must cite evidence before submission (EvidenceRule).
    evidence_rule: Mapped[str] = mapped_column(String(20), default=EvidenceRule.EXTREMES.value)
    # Evaluators who had not submitted when the lead closed scoring anyway:
    # [{"id": user id, "name": display name}], recorded by name at that moment.
    closed_missing: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(default=1)

    criteria: Mapped[list[EvaluationCriterion]] = relationship(
        back_populates="evaluation",
        cascade="all, delete-orphan",
        order_by="EvaluationCriterion.position",
    )
    lenses: Mapped[list[Lens]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="Lens.name"
    )
    shortlist: Mapped[list[ShortlistEntry]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="ShortlistEntry.id"
    )
    members: Mapped[list[Membership]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="Membership.id"
    )
    conflicts: Mapped[list[Conflict]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan"
    )
    # Every decision ever recorded, newest last; a reopened evaluation keeps its revoked ones.
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="Decision.id"
    )
    # The decision in force: the one not revoked (at most one, services/decisions.py).
    decision: Mapped[Decision | None] = relationship(
        primaryjoin="and_(Decision.evaluation_id == Evaluation.id, Decision.revoked_at.is_(None))",
        uselist=False, viewonly=True,
    )
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class EvaluationCriterion(db.Model):
    __tablename__ = "evaluation_criteria"
    __table_args__ = (UniqueConstraint("evaluation_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)  # raw, normalised to shares by core
    knockout_below: Mapped[float | None] = mapped_column(Float)
    anchors: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    evaluation: Mapped[Evaluation] = relationship(back_populates="criteria")


class Lens(db.Model):
    """A stakeholder lens: the same scores ranked under another weight profile."""

    __tablename__ = "lenses"
    __table_args__ = (UniqueConstraint("evaluation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    weights: Mapped[dict] = mapped_column(JSON, default=dict)  # {criterion key: raw weight}
    evaluation: Mapped[Evaluation] = relationship(back_populates="lenses")


class ShortlistEntry(db.Model):
    __tablename__ = "shortlist_entries"
    __table_args__ = (UniqueConstraint("evaluation_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    evaluation: Mapped[Evaluation] = relationship(back_populates="shortlist")
    vendor: Mapped[Vendor] = relationship()


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("evaluation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=MemberRole.EVALUATOR.value)
    # Set when the evaluator submits its scores: from then on it may see the others' scores.
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the member declared its conflicts of interest (or attested to none) before
    # first opening the shortlist's dossier or scoring sheet.
    attested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    evaluation: Mapped[Evaluation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Conflict(db.Model):
    """A declared conflict of interest: the member may not score this vendor."""

    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("evaluation_id", "user_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Declared after the member submitted: the scores stay on record, flagged for the lead.
    after_submission: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[str] = mapped_column(String(20), default=ConflictResolution.PENDING.value)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[Evaluation] = relationship(back_populates="conflicts")
    user: Mapped[User] = relationship()
    vendor: Mapped[Vendor] = relationship()


class Score(db.Model):
    """One evaluator's score of one vendor on one criterion."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "evaluator_id", "vendor_id", "criterion_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_criteria.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[float | None] = mapped_column(Float)
    insufficient_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    rationale: Mapped[str] = mapped_column(Text, default="")
    # [{"type": "case_study" | "answer", "id": int}]
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The moderation round's revision: the independent value above is never overwritten.
    moderated_value: Mapped[float | None] = mapped_column(Float)
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    moderated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(default=1)

    @property
    def effective_value(self) -> float | None:
        """The value the ranking uses: the moderated one when there is one."""
        return self.value if self.moderated_value is None else self.moderated_value

    @property
    def moved(self) -> bool:
        """True when moderation changed this score (from a value or an abstention)."""
        return self.moderated_value is not None and (
            self.insufficient_evidence or self.moderated_value != self.value)

    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])
    moderated_by: Mapped[User | None] = relationship(foreign_keys=[moderated_by_id])
    vendor: Mapped[Vendor] = relationship()
    criterion: Mapped[EvaluationCriterion] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Decision(db.Model):
    """The recorded decision, frozen with a snapshot of what it was based on."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    rationale: Mapped[str] = mapped_column(Text)
    dissent: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    # Set when the lead reopens the evaluation: the decision stays in history, no longer in force.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[Evaluation] = relationship(back_populates="decisions")
    vendor: Mapped[Vendor] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
