from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import evaluation_for
from ..extensions import db
from ..services import evaluations as evaluation_service

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")


@bp.route("/")
def index():
    evaluations = evaluation_service.visible_evaluations(db.session, current_user)
    return render_template("evaluations/index.html", evaluations=evaluations)


@bp.route("/<int:evaluation_id>")
def detail(evaluation_id: int):
    evaluation, membership = evaluation_for(db.session, current_user, evaluation_id)
    evaluation = evaluation_service.load_detail(db.session, evaluation.id)
    progress = evaluation_service.scoring_progress(db.session, evaluation)
    return render_template(
        "evaluations/detail.html",
        evaluation=evaluation,
        membership=membership,
        progress=progress,
    )
