"""Jinja filters and globals used across templates."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from .models import Role


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def fmt_number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["date"] = fmt_date
    app.jinja_env.filters["num"] = fmt_number

    @app.context_processor
    def inject():
        return {"Role": Role, "today": date.today()}
