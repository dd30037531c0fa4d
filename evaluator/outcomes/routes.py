"""Past programs (list, import, record an outcome) and the outcome model page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import evaluation_for, role_required
from ..extensions import db
from ..forms import EmptyForm
from ..models import OutcomeModel, Role
from ..scoring.outcome import MIN_PER_OUTCOME, MIN_PROGRAMS, VALIDATION_VERSION, OutcomeModelError
from ..services import outcome_import
from ..services import outcomes as outcome_service
from ..services.errors import OutcomeError
from ..web.args import page_number
from . import bp
from .chart import calibration_svg
from .forms import ConfirmImportForm, ImportForm, OutcomeForm


def _flag(value: str) -> bool | None:
    return None if value == "" else value == "1"


def _index_page(import_form=None, confirm_form=None, preview=None, import_errors=None,
                status: int = 200):
    flt = outcome_service.ProgramFilter(
        q=request.args.get("q", "").strip()[:200],
        outcome=request.args.get("outcome", "") if request.args.get("outcome") in (
            "success", "failure") else "",
        source=request.args.get("source", "") if request.args.get("source") in (
            "recorded", "imported", "demo") else "",
    )
    page = outcome_service.list_programs(
        db.session, flt, page=page_number())
    active = outcome_service.active_model(db.session)
    return render_template(
        "outcomes/index.html", page=page, flt=flt, labels=outcome_service.criterion_labels(
            db.session),
        import_form=import_form or ImportForm(), confirm_form=confirm_form, preview=preview,
        import_errors=import_errors or [],
        awaiting=outcome_service.decided_evaluations_for(db.session, current_user),
        active=active, active_withheld=outcome_service.withheld_reason(active) if active else None,
    ), status


@bp.route("/")
def index():
    return _index_page()


@bp.route("/import", methods=["POST"])
@role_required(Role.LEAD)
def import_csv():
    """Upload: 'Check file' shows a preview (nothing saved); 'Import' saves every row or none."""
    confirm = ConfirmImportForm()
    form = ImportForm()
    if confirm.confirm.data and confirm.validate_on_submit():
        data, direct = confirm.content.data, True
    elif form.validate_on_submit():
        data, direct = form.file.data.read(), bool(form.submit.data)
    else:
        return _index_page(import_form=form, status=400)
    try:
        if direct:
            preview = outcome_import.import_outcomes(db.session, data)
        else:
            preview = outcome_import.parse_outcomes_csv(db.session, data)
    except outcome_import.OutcomeImportError as exc:
        return _index_page(import_form=form, import_errors=exc.errors, status=400)
    if direct:
        flash(f"Imported {len(preview.rows)} past programs ({preview.successes} successes).",
              "success")
        return redirect(url_for("outcomes.index"))
    text = data if isinstance(data, str) else data.decode("utf-8-sig")
    return _index_page(confirm_form=ConfirmImportForm(content=text), preview=preview)


@bp.route("/evaluations/<int:evaluation_id>", methods=["GET", "POST"])
def record(evaluation_id: int):
    evaluation, _ = evaluation_for(db.session, current_user, evaluation_id)
    existing = outcome_service.outcome_for(db.session, evaluation.id)
    form = OutcomeForm()
    if request.method == "GET" and existing is not None:
        form.success.data = "1" if existing.success else "0"
        form.on_time.data = "" if existing.on_time is None else str(int(existing.on_time))
        form.on_budget.data = "" if existing.on_budget is None else str(int(existing.on_budget))
        form.notes.data = existing.notes
    if form.validate_on_submit():
        try:
            outcome_service.record_outcome(
                db.session, evaluation, success=form.success.data == "1",
                on_time=_flag(form.on_time.data), on_budget=_flag(form.on_budget.data),
                notes=form.notes.data or "")
        except OutcomeError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Outcome of \u201c{evaluation.title}\u201d saved. It will count when the "
                  "outcome model is next trained.", "success")
            return redirect(url_for("outcomes.index"))
    status = 400 if form.errors else 200
    return render_template("outcomes/record.html", evaluation=evaluation, form=form,
                           existing=existing), status


def _model_page(model: OutcomeModel | None):
    labels = outcome_service.criterion_labels(db.session)
    return render_template(
        "outcomes/model.html", model=model, models=outcome_service.list_models(db.session),
        effects=outcome_service.describe_effects(model, labels) if model else [],
        limits=outcome_service.limits_text(model) if model else "",
        withheld=outcome_service.withheld_reason(model) if model else None,
        chart=calibration_svg(model.metrics["calibration"]["bins"]) if model else None,
        labels=labels, form=EmptyForm(), min_programs=MIN_PROGRAMS,
        validation_version=VALIDATION_VERSION,
        min_per_outcome=MIN_PER_OUTCOME,
    )


@bp.route("/model")
def model():
    return _model_page(outcome_service.active_model(db.session))


@bp.route("/models/<int:model_id>")
def model_version(model_id: int):
    return _model_page(db.session.get(OutcomeModel, model_id) or abort(404))


@bp.route("/model/train", methods=["POST"])
@role_required(Role.ADMIN)
def train():
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        model = outcome_service.train_model(db.session, user=current_user)
    except OutcomeModelError as exc:
        flash(str(exc), "error")
        return redirect(url_for("outcomes.model"))
    auc = model.metrics["auc"]["mean"]
    flash(f"Model version {model.version} trained and active: cross-validated AUC "
          f"{'not estimable' if auc is None else f'{auc:.2f}'}. {model.metrics['skill_text']}",
          "success")
    return redirect(url_for("outcomes.model"))


@bp.route("/models/<int:model_id>/activate", methods=["POST"])
@role_required(Role.ADMIN)
def activate(model_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        model = outcome_service.activate_model(db.session, model_id)
    except OutcomeError:
        abort(404)
    flash(f"Model version {model.version} is now the active model.", "success")
    return redirect(url_for("outcomes.model"))
