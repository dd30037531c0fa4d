from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from ..extensions import db
from ..services import vendors as vendor_service

bp = Blueprint("vendors", __name__, url_prefix="/vendors")


@bp.route("/")
def index():
    flt = vendor_service.VendorFilter(
        q=request.args.get("q", "").strip()[:200],
        country=request.args.get("country", "")[:80],
        sector=request.args.get("sector", "")[:120],
        certification=request.args.get("certification", "")[:120],
        include_archived=request.args.get("archived") == "1",
    )
    page = vendor_service.list_vendors(
        db.session, flt, page=request.args.get("page", 1, type=int) or 1
    )
    return render_template(
        "vendors/index.html", page=page, flt=flt, choices=vendor_service.filter_choices(db.session)
    )


@bp.route("/<int:vendor_id>")
def detail(vendor_id: int):
    vendor = vendor_service.get_vendor(db.session, vendor_id)
    if vendor is None:
        abort(404)
    return render_template("vendors/detail.html", vendor=vendor)
