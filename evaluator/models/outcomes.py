"""Past programs with known outcomes, the outcome models trained on them, and the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .users import User
from .vendors import Vendor


class PastProgram(db.Model):
    __tablename__ = "past_programs"
    __table_args__ = (UniqueConstraint("vendor_name", "program"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_name: Mapped[str] = mapped_column(String(200), index=True)
    vendor_id: Mapped[int | None] = mapped_column(
        ForeignKey("vendors.id", ondelete="SET NULL"), index=True
    )
    program: Mapped[str] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluations.id", ondelete="SET NULL"), index=True
    )
    success: Mapped[bool] = mapped_column(Boolean)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    on_budget: Mapped[bool | None] = mapped_column(Boolean)
    # Pre-award features by name (criterion keys take the criterion mean at award time).
    features: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    vendor: Mapped[Vendor | None] = relationship()


class AuditEvent(db.Model):
    """Append-only: written by the audit listener in the same transaction as the change."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: outlives users
    actor: Mapped[str] = mapped_column(String(254), default="system")
    # create, update, delete, or an explicit event such as export_memo, portal.email_invitation
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(60), index=True)
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    # Hash chain (evaluator/audit_chain.py): the previous row's hash and this row's SHA-256 over
    # its canonical content; `flask verify-audit` walks it.
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    hash: Mapped[str] = mapped_column(String(64), default="", server_default="")


class OutcomeModel(db.Model):
    """One trained version of the outcome model, kept forever; at most one is active.

    The model is stored as data (imputation medians, scaler, coefficients, intercept and
    sigmoid calibration in `params`, see scoring.outcome.ModelParams), never as a pickle.
    """

    __tablename__ = "outcome_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    trained_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    n_programs: Mapped[int] = mapped_column(Integer)
    features: Mapped[list] = mapped_column(JSON, default=list)  # feature names, model order
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # ModelParams.to_dict()
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)  # validation figures, data seen
    coefficients: Mapped[list] = mapped_column(JSON, default=list)  # standardised effects
    is_active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    trained_by: Mapped[User | None] = relationship()
