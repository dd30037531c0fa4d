from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import utcnow


class Role(StrEnum):
    """Platform-wide role. Membership roles inside one evaluation are separate."""

    ADMIN = "admin"
    LEAD = "lead"  # procurement lead
    EVALUATOR = "evaluator"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return {"lead": "Procurement lead"}.get(self.value, self.value.capitalize())


def password_hash_method() -> str:
    """werkzeug's method for new hashes: scrypt, unless the app's PASSWORD_HASH_METHOD says
    otherwise (the test suite uses a cheap one; production refuses anything but scrypt)."""
    if has_app_context():
        return current_app.config["PASSWORD_HASH_METHOD"]
    return "scrypt"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.EVALUATOR.value)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout-everywhere / password change: a session carrying an old value is refused.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
