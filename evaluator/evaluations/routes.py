"""Evaluation list, creation, overview and status steps. Setup, scoring and comparison views live
in setup_routes.py, scoring_routes.py and compare_routes.py on the same blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import evaluation_for, refuse_if_decided, role_required
from ..extensions import db
from ..models import MemberRole, Role, Status
from ..services import conflicts as conflict_service
from ..services import evaluations as evaluation_service
from ..services import ranking as ranking_service
from ..services import scoring_entry
from ..services import setup as setup_service
from ..services.errors import WorkflowError
from ..services.templates import list_templates
from ..web.args import page_number
from . import bp
from .forms import NewEvaluationForm, ReopenForm, ResolveConflictForm, StatusForm


def load(evaluation_id: int, *member_roles: MemberRole):
    """The evaluation with everything its pages show, after the object-level check."""
    evaluation, membership = evaluation_for(
        db.session, current_user, evaluation_id, member_roles=member_roles
    )
    return evaluation_service.load_detail(db.session, evaluation.id), membership


#: Write routes a decided evaluation still accepts: reopening it, and copying it as a new
#: template (the evaluation itself does not change).
WRITES_WHEN_DECIDED = frozenset({"evaluations.reopen", "evaluations.save_template"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@bp.before_request
def frozen_when_decided():
    """Every state-changing route under /evaluations/<id> of a decided evaluation answers 409
    naming the decision (the services refuse too: services/evaluations.require_undecided)."""
    evaluation_id = (request.view_args or {}).get("evaluation_id")
    if (request.method in SAFE_METHODS or evaluation_id is None
            or request.endpoint in WRITES_WHEN_DECIDED):
        return
    evaluation, _ = evaluation_for(db.session, current_user, evaluation_id)
    refuse_if_decided(evaluation)


def require_unblinded(membership):
    """403 while the user's own scoring is still blind (comparison, ranking JSON, memo)."""
    if not scoring_entry.can_see_all_scores(current_user, membership):
        abort(403, "Scoring is blind: submit your own scores first, then the comparison opens.")


@bp.route("/")
def index():
    page = evaluation_service.evaluation_page(
        db.session, current_user, page_number(), per_page=50)
    return render_template("evaluations/index.html", evaluations=page)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.LEAD)
def new():
    form = NewEvaluationForm()
    form.template_id.choices = [(t.id, t.name) for t in list_templates(db.session)]
    if form.validate_on_submit():
        try:
            evaluation = setup_service.create_evaluation(
                db.session, title=form.title.data, template_id=form.template_id.data,
                program_context=form.program_context.data or "", user=current_user,
            )
        except WorkflowError as exc:
            flash(str(exc), "error")
        else:
            flash("Evaluation created from the template. Next: review the weights, "
                  "shortlist vendors and invite evaluators.", "success")
            return redirect(url_for("evaluations.setup", evaluation_id=evaluation.id))
    return render_template("evaluations/new.html", form=form), 400 if form.errors else 200


@bp.route("/<int:evaluation_id>")
def detail(evaluation_id: int):
    evaluation, membership = load(evaluation_id)
    progress = evaluation_service.scoring_progress(db.session, evaluation)
    steps = {
        target: setup_service.missing_for(evaluation, target, progress)
        for target in (Status.SCORING, Status.REVIEW)
    }
    is_lead = current_user.is_admin or (membership and membership.role == MemberRole.LEAD)
    return render_template(
        "evaluations/detail.html", evaluation=evaluation, membership=membership,
        progress=progress, steps=steps, status_form=StatusForm(), is_lead=is_lead,
        flagged=conflict_service.pending(evaluation),
        resolve_form=ResolveConflictForm(formdata=None), reopen_form=ReopenForm(formdata=None),
        process=ranking_service.process_of(evaluation),
    )


@bp.route("/<int:evaluation_id>/status", methods=["POST"])
def change_status(evaluation_id: int):
    evaluation, membership = load(evaluation_id)
    form = StatusForm()
    if form.validate_on_submit():
        progress = evaluation_service.scoring_progress(db.session, evaluation)
        try:
            setup_service.change_status(db.session, evaluation, form.target.data, current_user,
                                        membership, progress,
                                        allow_missing=bool(form.allow_missing.data))
        except WorkflowError as exc:
            flash(str(exc), "error")
        else:
            flash(f"The evaluation is now in {evaluation.status}.", "success")
    return redirect(url_for("evaluations.detail", evaluation_id=evaluation.id))

