from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import text

from ..extensions import db
from ..services import evaluations as evaluation_service
from ..web import page_cache
from ..web.args import page_number
from . import bp


@bp.route("/")
def dashboard():
    version = page_cache.data_version(db.session)  # before the data: see web/page_cache.py
    page = page_number()

    def body() -> bytes:
        board = evaluation_service.build_dashboard(db.session, current_user, page)
        return page_cache.render_part(
            "main/_dashboard_body.html", board=board, evaluations=board.evaluations)

    return page_cache.page("main/dashboard.html", page_cache.cached(
        ("dashboard", current_user.id, page), version, body))


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
