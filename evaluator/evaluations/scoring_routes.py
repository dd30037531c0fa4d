"""The evaluator's scoring screen: one vendor at a time or one criterion across vendors."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from .. import scoring
from ..extensions import db
from ..forms import EmptyForm
from ..models import MemberRole
from ..services import relevance as relevance_service
from ..services import scoring_entry
from ..services import vendors as vendor_service
from ..services.errors import ConcurrentEdit, WorkflowError
from . import bp
from .forms import ScoreSheetForm
from .routes import load


def _evidence_choices(vendor) -> list[tuple[str, str]]:
    choices = [(f"case_study:{cs.id}", f"Case study: {cs.title}") for cs in vendor.case_studies]
    for interview in vendor.interviews:
        for answer in interview.answers:
            label = answer.question.text[:70] + ("…" if len(answer.question.text) > 70 else "")
            choices.append((f"answer:{answer.id}", f"Answer: {label}"))
    return choices


def _sheet_cells(evaluation, vendor_id: int | None, criterion_id: int | None):
    """The (vendor entry, criterion) pairs on this sheet."""
    conflicted = scoring_entry.conflicted_vendor_ids(evaluation, current_user.id)
    entries = [e for e in evaluation.shortlist if e.vendor_id not in conflicted]
    if criterion_id is not None:
        criterion = next((c for c in evaluation.criteria if c.id == criterion_id), None)
        if criterion is None:
            abort(404)
        return [(e, criterion) for e in entries]
    entry = next((e for e in entries if e.vendor_id == vendor_id), None)
    if entry is None:
        abort(404)
    return [(entry, c) for c in evaluation.criteria]


def _build_form(evaluation, cells, own, vendors, formdata=None) -> ScoreSheetForm:
    levels = [(str(v), str(v)) for v in range(evaluation.scale_min, evaluation.scale_max + 1)]
    if formdata is not None:
        form = ScoreSheetForm(formdata=formdata)
    else:
        form = ScoreSheetForm(formdata=None)
        for entry, criterion in cells:
            score = own.get((entry.vendor_id, criterion.id))
            form.rows.append_entry({
                "criterion_id": criterion.id, "vendor_id": entry.vendor_id,
                "version": score.version if score else "",
                "value": (f"{score.value:g}" if score and score.value is not None else None),
                "insufficient": bool(score and score.insufficient_evidence),
                "rationale": score.rationale if score else "",
                "evidence": [f"{e['type']}:{e['id']}" for e in (score.evidence if score else [])],
            })
    for row in form.rows:
        row.form.value.choices = levels
        raw_id = str(row.form.vendor_id.data or "")
        vendor = vendors.get(int(raw_id)) if raw_id.isascii() and raw_id.isdigit() else None
        row.form.evidence.choices = _evidence_choices(vendor) if vendor else []
    return form


def _entries(form) -> list[scoring_entry.ScoreEntry]:
    out = []
    for row in form.rows:
        f = row.form
        evidence = []
        for ref in f.evidence.data or []:
            kind, _, ref_id = ref.partition(":")
            evidence.append((kind, int(ref_id)))
        out.append(scoring_entry.ScoreEntry(
            vendor_id=int(f.vendor_id.data), criterion_id=int(f.criterion_id.data),
            value=float(f.value.data) if f.value.data not in (None, "", "None") else None,
            insufficient_evidence=bool(f.insufficient.data),
            rationale=f.rationale.data or "", evidence=tuple(evidence),
            version=int(f.version.data) if f.version.data else None,
        ))
    return out


def _context(evaluation, membership):
    vendor_id = request.args.get("vendor", type=int)
    criterion_id = request.args.get("criterion", type=int)
    if vendor_id is None and criterion_id is None:
        conflicted = scoring_entry.conflicted_vendor_ids(evaluation, current_user.id)
        first = next((e for e in evaluation.shortlist if e.vendor_id not in conflicted), None)
        if first is None:
            abort(404)
        vendor_id = first.vendor_id
    cells = _sheet_cells(evaluation, vendor_id, criterion_id)
    vendor_ids = dict.fromkeys(e.vendor_id for e, _ in cells)  # unique, in order
    vendors = {vid: vendor_service.get_vendor(db.session, vid) for vid in vendor_ids}
    own = {(s.vendor_id, s.criterion_id): s for s in scoring_entry.visible_scores(
        db.session, evaluation, current_user, None)}
    return vendor_id, criterion_id, cells, vendors, own


def _render(evaluation, membership, form, vendor_id, criterion_id, cells, vendors, status=200):
    missing = scoring_entry.missing_scores(db.session, evaluation, current_user)
    # The evidence panel shows on the per-vendor sheet only, not in the per-criterion view.
    evidence = ({} if criterion_id is not None
                else relevance_service.for_evaluation(db.session, evaluation))
    highlights = {
        vid: vendor_service_highlights(vendor, evidence.get(vid))
        for vid, vendor in vendors.items()
    } if criterion_id is None else {}
    return render_template(
        "evaluations/score.html", evaluation=evaluation, membership=membership, form=form,
        vendor_id=vendor_id, criterion_id=criterion_id, cells=cells, vendors=vendors,
        highlights=highlights, missing=missing, submit_form=EmptyForm(), evidence=evidence,
        locked=membership.submitted_at is not None or evaluation.status != "scoring",
        conflicted=scoring_entry.conflicted_vendor_ids(evaluation, current_user.id),
    ), status


def vendor_service_highlights(vendor, evidence=None):
    """Labelled sentences of each case study (most relevant first) and answer."""
    out = {"case_studies": [], "answers": []}
    ordered = evidence.ordered_case_studies() if evidence else vendor.case_studies
    for cs in ordered:
        text = " ".join(t for t in (cs.summary, cs.setbacks, cs.response, cs.lessons) if t)
        out["case_studies"].append((cs, scoring.label_sentences(text)))
    for interview in vendor.interviews:
        for answer in interview.answers:
            out["answers"].append((answer, scoring.label_sentences(answer.text)))
    return out


@bp.route("/<int:evaluation_id>/score", methods=["GET", "POST"])
def score(evaluation_id: int):
    evaluation, membership = load(evaluation_id, MemberRole.EVALUATOR)
    if membership is None:  # an admin who is not an evaluator here
        abort(403)
    if membership.attested_at is None:  # conflicts first, before the dossier is seen
        flash("Before you see the dossier: declare your conflicts of interest, or attest that "
              "you have none.", "info")
        return redirect(url_for("evaluations.attest", evaluation_id=evaluation_id))
    vendor_id, criterion_id, cells, vendors, own = _context(evaluation, membership)
    if request.method == "POST":
        form = _build_form(evaluation, cells, own, vendors, request.form)
        if form.validate_on_submit():
            try:
                scoring_entry.save_scores(db.session, evaluation, current_user, membership,
                                          _entries(form))
            except ConcurrentEdit as exc:
                flash(str(exc), "error")
                return _render(evaluation, membership, form, vendor_id, criterion_id, cells,
                               vendors, 409)
            except WorkflowError as exc:
                flash(str(exc), "error")
                return _render(evaluation, membership, form, vendor_id, criterion_id, cells,
                               vendors, 400)
            flash("Draft saved.", "success")
            return redirect(request.full_path.rstrip("?"))
        flash("Check the highlighted scores.", "error")
        return _render(evaluation, membership, form, vendor_id, criterion_id, cells, vendors, 400)
    form = _build_form(evaluation, cells, own, vendors)
    return _render(evaluation, membership, form, vendor_id, criterion_id, cells, vendors)


@bp.route("/<int:evaluation_id>/score/autosave", methods=["POST"])
def autosave(evaluation_id: int):
    """JSON endpoint for the scoring page's autosave (progressive enhancement)."""
    evaluation, membership = load(evaluation_id, MemberRole.EVALUATOR)
    if membership is None:
        abort(403)
    vendor_id, criterion_id, cells, vendors, own = _context(evaluation, membership)
    form = _build_form(evaluation, cells, own, vendors, request.form)
    if not form.validate_on_submit():
        return jsonify(error={"code": "invalid", "message": "Check the highlighted scores.",
                              "fields": form.errors}), 400
    try:
        result = scoring_entry.save_scores(db.session, evaluation, current_user, membership,
                                           _entries(form))
    except ConcurrentEdit as exc:
        return jsonify(error={"code": "conflict", "message": str(exc)}), 409
    except WorkflowError as exc:
        return jsonify(error={"code": "invalid", "message": str(exc)}), 400
    return jsonify(saved=len(result.saved), versions={
        f"{s.vendor_id}-{s.criterion_id}": s.version for s in result.saved})


@bp.route("/<int:evaluation_id>/submit", methods=["POST"])
def submit(evaluation_id: int):
    evaluation, membership = load(evaluation_id, MemberRole.EVALUATOR)
    if membership is None:
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            count = scoring_entry.submit(db.session, evaluation, current_user, membership)
        except WorkflowError as exc:
            flash(str(exc), "error")
            return redirect(url_for("evaluations.score", evaluation_id=evaluation_id))
        flash(f"Scores submitted ({count}). They are locked as your independent scores; you can "
              "now see the comparison.", "success")
    return redirect(url_for("evaluations.compare", evaluation_id=evaluation_id))
