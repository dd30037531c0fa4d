"""The moderation round page: divergent cells, independent and moderated scores side by side,
and the form to record a moderated score with its reason (services/moderation.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import MemberRole, Status
from ..services import moderation as moderation_service
from ..services import ranking as ranking_service
from ..services import scoring_entry
from ..services.errors import ConcurrentEdit, WorkflowError
from . import bp
from .forms import ModerationForm
from .routes import load, require_unblinded


def _page(evaluation, membership, form=None, status=200):
    scores = scoring_entry.visible_scores(db.session, evaluation, current_user, membership)
    is_lead = current_user.is_admin or (membership and membership.role == MemberRole.LEAD)
    levels = [(float(v), str(v)) for v in range(evaluation.scale_min, evaluation.scale_max + 1)]
    open_round = evaluation.status == Status.MODERATION
    forms = {}
    for s in scores:
        may = open_round and s.submitted and (
            is_lead or (membership and membership.role == MemberRole.EVALUATOR
                        and s.evaluator_id == current_user.id))
        if may:
            f = form if form is not None and form.score_id.data == str(s.id) else ModerationForm(
                formdata=None, score_id=s.id, version=s.version,
                value=s.effective_value if s.effective_value is not None else None)
            f.value.choices = levels
            forms[s.id] = f
    return render_template(
        "evaluations/moderation.html", evaluation=evaluation, membership=membership,
        cells=moderation_service.divergent_cells(evaluation, scores), forms=forms,
        moved=[s for s in scores if s.submitted and s.moved], open_round=open_round,
        labels=ranking_service.evaluator_labels(evaluation), is_lead=is_lead,
        divergent_range=moderation_service.DIVERGENT_RANGE,
    ), status


@bp.route("/<int:evaluation_id>/moderation", methods=["GET", "POST"])
def moderation(evaluation_id: int):
    evaluation, membership = load(evaluation_id)
    require_unblinded(membership)
    if request.method == "GET":
        return _page(evaluation, membership)
    form = ModerationForm()
    form.value.choices = [(float(v), str(v))
                          for v in range(evaluation.scale_min, evaluation.scale_max + 1)]
    if not form.validate_on_submit():
        flash("Choose the moderated score and give the reason.", "error")
        return _page(evaluation, membership, form, 400)
    try:
        moderation_service.moderate(db.session, evaluation, current_user, membership, [
            moderation_service.Revision(
                score_id=int(form.score_id.data), value=float(form.value.data),
                reason=form.reason.data or "",
                version=int(form.version.data) if form.version.data else None)])
    except ConcurrentEdit as exc:
        flash(str(exc), "error")
        return _page(evaluation, membership, form, 409)
    except WorkflowError as exc:
        flash(str(exc), "error")
        return _page(evaluation, membership, form, 400)
    flash("Moderated score recorded beside the independent one.", "success")
    return redirect(url_for("evaluations.moderation", evaluation_id=evaluation_id))
