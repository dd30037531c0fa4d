"""Conflicts of interest: the evaluator's attestation before scoring, declarations by a member
or the lead, and the lead's decision on a conflict declared after submission
(services/conflicts.py holds the rules)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import MemberRole
from ..services import conflicts as conflict_service
from ..services.errors import WorkflowError
from . import bp
from .forms import AttestationForm, ConflictForm, ResolveConflictForm
from .routes import load


def _declarations(evaluation) -> list[conflict_service.Declaration]:
    return [conflict_service.Declaration(e.vendor_id, request.form.get(f"note-{e.vendor_id}", ""))
            for e in evaluation.shortlist if request.form.get(f"conflict-{e.vendor_id}")]


@bp.route("/<int:evaluation_id>/attest", methods=["GET", "POST"])
def attest(evaluation_id: int):
    """Declare conflicts per vendor or attest to none, before first opening the sheet."""
    evaluation, membership = load(evaluation_id, MemberRole.EVALUATOR)
    if membership is None:  # an admin who is not an evaluator here
        abort(403)
    form = AttestationForm()
    status = 200
    if form.validate_on_submit():
        try:
            conflict_service.attest(db.session, evaluation, current_user, membership,
                                    _declarations(evaluation), none=bool(form.no_conflicts.data))
        except WorkflowError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash("Declaration recorded. You can now open the dossier and score.", "success")
            return redirect(url_for("evaluations.score", evaluation_id=evaluation_id))
    elif request.method == "POST":
        status = 400
    return render_template("evaluations/attest.html", evaluation=evaluation,
                           membership=membership, form=form, posted=request.form), status


@bp.route("/<int:evaluation_id>/conflicts", methods=["POST"])
def declare_conflict(evaluation_id: int):
    evaluation, membership = load(evaluation_id)
    form = ConflictForm()
    form.user_id.choices = [(m.user_id, m.user.display_name) for m in evaluation.members]
    form.vendor_id.choices = [(e.vendor_id, e.vendor.name) for e in evaluation.shortlist]
    is_lead = current_user.is_admin or (membership and membership.role == MemberRole.LEAD)
    if form.validate_on_submit():
        if not is_lead and form.user_id.data != current_user.id:
            flash("You can declare only your own conflicts of interest.", "error")
        else:
            try:
                conflict = conflict_service.declare(db.session, evaluation, form.user_id.data,
                                                    form.vendor_id.data, form.note.data)
            except WorkflowError as exc:
                flash(str(exc), "error")
            else:
                flash("Conflict of interest recorded. The scores already submitted stay on "
                      "record, flagged for the lead's decision." if conflict.after_submission
                      else "Conflict of interest recorded; that member cannot score the vendor.",
                      "success")
    else:
        flash("Describe the conflict and choose the member and vendor.", "error")
    target = "evaluations.setup" if is_lead else "evaluations.detail"
    return redirect(url_for(target, evaluation_id=evaluation_id))


@bp.route("/<int:evaluation_id>/conflicts/<int:conflict_id>/resolve", methods=["POST"])
def resolve_conflict(evaluation_id: int, conflict_id: int):
    evaluation, _ = load(evaluation_id, MemberRole.LEAD)
    form = ResolveConflictForm()
    if form.validate_on_submit():
        try:
            conflict_service.resolve(db.session, evaluation, conflict_id, form.resolution.data,
                                     form.note.data)
        except WorkflowError as exc:
            flash(str(exc), "error")
        else:
            flash("Decision on the conflict recorded.", "success")
    else:
        flash("Choose whether the scores are excluded or kept, and give the reason.", "error")
    return redirect(url_for("evaluations.detail", evaluation_id=evaluation_id) + "#conflicts")
