"""The audit trail for admins: the filtered listing, its CSV export, the chain check."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request

from ..access import role_required
from ..extensions import db
from ..models import Role
from ..services import audit_trail
from ..web.args import page_number
from . import bp


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, f"'{name}' must be a date in the form YYYY-MM-DD.")


def _filter() -> audit_trail.AuditFilter:
    return audit_trail.AuditFilter(
        entity=request.args.get("entity", "").strip()[:60],
        actor=request.args.get("actor", "").strip()[:254],
        action=request.args.get("action", "").strip()[:60],
        since=_date_arg("since"), until=_date_arg("until"))


@bp.route("/audit")
@role_required(Role.ADMIN)
def audit():
    flt = _filter()
    page = audit_trail.events_page(db.session, flt, page_number())
    return render_template("admin/audit.html", page=page, flt=flt,
                           **audit_trail.filter_choices(db.session))


@bp.route("/audit.csv")
@role_required(Role.ADMIN)
def audit_csv():
    content = audit_trail.export_csv(db.session, _filter())
    return Response(content, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="audit-{date.today().isoformat()}.csv"'})


@bp.route("/audit/verify")
@role_required(Role.ADMIN)
def verify_audit():
    verdict = audit_trail.verify_chain(db.session)
    return render_template("admin/audit_verify.html", verdict=verdict)
