"""Jinja filters and globals used across templates."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, request, url_for

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


MENU = ("main.dashboard", "evaluations.index", "vendors.index", "outcomes.index",
        "portal.lead.index", "admin.users", "admin.audit", "integration.tokens",
        "auth.change_password", "auth.logout")


def menu_urls() -> dict[str, str]:
    """The menu's links (base.html), built once per script root: the menu is on every page,
    and building its eleven URLs took about a tenth of a cached page's time. None outside a
    request (a memo or an email rendered by the CLI or a background job has no menu)."""
    if not has_request_context():
        return {}
    known = current_app.extensions.setdefault("menu_urls", {})
    root = request.script_root
    if root not in known:
        known[root] = {endpoint: url_for(endpoint) for endpoint in MENU}
    return known[root]


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["date"] = fmt_date
    app.jinja_env.filters["num"] = fmt_number

    @app.context_processor
    def inject():
        return {"Role": Role, "today": date.today(), "menu": menu_urls()}
