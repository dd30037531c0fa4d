from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from ..extensions import db
from ..services import evaluations as evaluation_service

bp = Blueprint("main", __name__)


@bp.route("/")
def dashboard():
    board = evaluation_service.build_dashboard(db.session, current_user)
    return render_template("main/dashboard.html", board=board, evaluations=board.evaluations)


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
