"""Setting up an evaluation: criteria, weights (ROC, AHP), lenses, shortlist, members, conflicts."""

from __future__ import annotations

from itertools import combinations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import scoring
from ..extensions import db
from ..forms import EmptyForm
from ..models import EvidenceRule, MemberRole, Vendor
from ..scoring.relevance import DEFAULT_WEIGHTS
from ..services import setup as setup_service
from ..services.errors import ConcurrentEdit, WorkflowError
from . import bp
from .forms import (
    AhpForm,
    ConflictForm,
    ContextForm,
    CriteriaForm,
    EvidenceRuleForm,
    LensForm,
    MemberForm,
    RocForm,
    SaveTemplateForm,
    ShortlistForm,
)
from .routes import load

LEAD = MemberRole.LEAD


def _levels(evaluation) -> list[int]:
    return list(range(evaluation.scale_min, evaluation.scale_max + 1))


def _criteria_form(evaluation, formdata=None) -> CriteriaForm:
    if formdata is not None:
        return CriteriaForm(formdata=formdata)
    form = CriteriaForm(formdata=None, version=evaluation.version)
    for c in evaluation.criteria:
        form.rows.append_entry({
            "id": c.id, "name": c.name, "description": c.description, "weight": c.weight,
            "knockout_below": c.knockout_below,
            "anchors": [c.anchors.get(str(level), "") for level in _levels(evaluation)],
        })
    return form


def _lens_form(evaluation, formdata=None) -> LensForm:
    if formdata is not None:
        return LensForm(formdata=formdata)
    form = LensForm(formdata=None)
    for c in evaluation.criteria:
        form.weights.append_entry(c.weight)
    return form


def _join(values) -> str:
    return ", ".join(values or [])


def _split(text: str | None) -> list[str]:
    return [v.strip() for v in (text or "").replace(";", ",").split(",") if v.strip()]


def _context_form(evaluation, formdata=None) -> ContextForm:
    if formdata is not None:
        return ContextForm(formdata=formdata)
    ctx, w = evaluation.context or {}, evaluation.relevance_weights or {}
    budget, months = ctx.get("budget_band") or [None, None], ctx.get("duration_band") or [
        None, None]

    weights = {**DEFAULT_WEIGHTS, **w}
    return ContextForm(
        formdata=None, version=evaluation.version, sector=ctx.get("sector", ""),
        org_size=ctx.get("org_size", ""), regimes=_join(ctx.get("regimes")),
        regions=_join(ctx.get("regions")), residency=_join(ctx.get("residency")),
        systems=_join(ctx.get("systems")), certifications=_join(ctx.get("certifications")),
        budget_low=budget[0], budget_high=budget[1], months_low=months[0],
        months_high=months[1], **{f"w_{k}": v for k, v in weights.items()},
    )


def _pairs(evaluation):
    return list(combinations(evaluation.criteria, 2))


def _render_setup(evaluation, membership, status=200, **forms):
    vendors = db.session.scalars(
        select(Vendor).where(Vendor.archived_at.is_(None)).order_by(Vendor.name)).all()
    shortlisted = {e.vendor_id for e in evaluation.shortlist}
    shortlist_form = forms.get("shortlist_form") or ShortlistForm(formdata=None)
    shortlist_form.vendor_ids.choices = [(v.id, v.name) for v in vendors if v.id not in shortlisted]
    conflict_form = forms.get("conflict_form") or ConflictForm(formdata=None)
    conflict_form.user_id.choices = [(m.user_id, m.user.display_name) for m in evaluation.members]
    conflict_form.vendor_id.choices = [(e.vendor_id, e.vendor.name) for e in evaluation.shortlist]
    roc_form = forms.get("roc_form") or RocForm(formdata=None, version=evaluation.version)
    if not roc_form.ranks.entries:
        order = sorted(evaluation.criteria, key=lambda c: -c.weight)
        rank_of = {c.id: i + 1 for i, c in enumerate(order)}
        for c in evaluation.criteria:
            roc_form.ranks.append_entry(rank_of[c.id])
    ahp_form = forms.get("ahp_form") or AhpForm(formdata=None, version=evaluation.version)
    if not ahp_form.pairs.entries:
        for _ in _pairs(evaluation):
            ahp_form.pairs.append_entry("1")
    total = sum(c.weight for c in evaluation.criteria) or 1.0
    return render_template(
        "evaluations/setup.html", evaluation=evaluation, membership=membership,
        criteria_form=forms.get("criteria_form") or _criteria_form(evaluation),
        roc_form=roc_form, ahp_form=ahp_form, pairs=_pairs(evaluation),
        ahp_result=forms.get("ahp_result"),
        lens_form=forms.get("lens_form") or _lens_form(evaluation),
        shortlist_form=shortlist_form, member_form=forms.get("member_form") or MemberForm(
            formdata=None),
        conflict_form=conflict_form, template_form=SaveTemplateForm(formdata=None),
        evidence_form=EvidenceRuleForm(formdata=None, evidence_rule=evaluation.evidence_rule),
        context_form=forms.get("context_form") or _context_form(evaluation),
        levels=_levels(evaluation), shares={c.id: c.weight / total for c in evaluation.criteria},
        editable=evaluation.status == "draft", empty=EmptyForm(),
    ), status


@bp.route("/<int:evaluation_id>/setup")
def setup(evaluation_id: int):
    evaluation, membership = load(evaluation_id, LEAD)
    return _render_setup(evaluation, membership)


def _float_or_none(value):
    return None if value is None or value == "" else float(value)


@bp.route("/<int:evaluation_id>/criteria", methods=["POST"])
def save_criteria(evaluation_id: int):
    evaluation, membership = load(evaluation_id, LEAD)
    form = _criteria_form(evaluation, request.form)
    if form.validate_on_submit():
        levels = [str(level) for level in _levels(evaluation)]
        edits = [
            setup_service.CriterionEdit(
                id=int(row.form.id.data), name=row.form.name.data,
                description=row.form.description.data or "", weight=row.form.weight.data,
                knockout_below=_float_or_none(row.form.knockout_below.data),
                anchors=dict(zip(levels, [a.data or "" for a in row.form.anchors], strict=False)),
            )
            for row in form.rows
        ]
        try:
            setup_service.update_criteria(
                db.session, evaluation, edits, int(form.version.data or 0))
        except (WorkflowError, scoring.ScoringError) as exc:
            flash(str(exc), "error")
            evaluation, membership = load(evaluation_id, LEAD)
            return _render_setup(evaluation, membership, 409 if isinstance(
                exc, ConcurrentEdit) else 400, criteria_form=form)
        flash("Criteria and weights saved.", "success")
        return redirect(url_for("evaluations.setup", evaluation_id=evaluation.id))
    flash("Check the highlighted fields.", "error")
    return _render_setup(evaluation, membership, 400, criteria_form=form)


@bp.route("/<int:evaluation_id>/weights/roc", methods=["POST"])
def apply_roc(evaluation_id: int):
    evaluation, membership = load(evaluation_id, LEAD)
    form = RocForm()
    if form.validate_on_submit() and len(form.ranks.data) == len(evaluation.criteria):
        ranked = sorted(zip(form.ranks.data, [c.key for c in evaluation.criteria], strict=True))
        if len({r for r, _ in ranked}) != len(ranked):
            flash("Give each criterion a different rank (1 = most important).", "error")
            return _render_setup(evaluation, membership, 400, roc_form=form)
        shares = scoring.rank_order_centroid([key for _, key in ranked])
        try:
            setup_service.apply_weights(db.session, evaluation, shares,
                                        int(form.version.data or 0))
        except WorkflowError as exc:
            flash(str(exc), "error")
            return redirect(url_for("evaluations.setup", evaluation_id=evaluation_id))
        flash("Rank-order centroid weights applied.", "success")
        return redirect(url_for("evaluations.setup", evaluation_id=evaluation.id))
    flash("Rank every criterion from 1 (most important).", "error")
    return _render_setup(evaluation, membership, 400, roc_form=form)


@bp.route("/<int:evaluation_id>/weights/ahp", methods=["POST"])
def apply_ahp(evaluation_id: int):
    evaluation, membership = load(evaluation_id, LEAD)
    form = AhpForm()
    pairs = _pairs(evaluation)
    if not form.validate_on_submit() or len(form.pairs.data) != len(pairs):
        flash("Answer every pairwise comparison.", "error")
        return _render_setup(evaluation, membership, 400, ahp_form=form)
    keys = [c.key for c in evaluation.criteria]
    index = {k: i for i, k in enumerate(keys)}
    matrix = [[1.0] * len(keys) for _ in keys]
    for (left, right), raw in zip(pairs, form.pairs.data, strict=True):
        v = int(raw)
        ratio = float(-v) if v < 0 else (1.0 / v if v > 1 else 1.0)  # left over right
        i, j = index[left.key], index[right.key]
        matrix[i][j], matrix[j][i] = ratio, 1.0 / ratio
    try:
        result = scoring.ahp_weights(keys, matrix)
        setup_service.apply_weights(db.session, evaluation, result.weights,
                                    int(form.version.data or 0))
    except (scoring.ScoringError, WorkflowError) as exc:
        flash(str(exc), "error")
        return _render_setup(evaluation, membership, 400, ahp_form=form)
    flash(f"AHP weights applied (consistency ratio {result.consistency_ratio:.3f}, "
          "below the 0.10 limit).", "success")
    return redirect(url_for("evaluations.setup", evaluation_id=evaluation.id))


@bp.route("/<int:evaluation_id>/lenses", methods=["POST"])
def save_lens(evaluation_id: int):
    evaluation, membership = load(evaluation_id, LEAD)
    form = _lens_form(evaluation, request.form)
    if form.validate_on_submit() and len(form.weights.data) == len(evaluation.criteria):
        weights = {c.key: w for c, w in zip(evaluation.criteria, form.weights.data, strict=True)}
        try:
            setup_service.save_lens(db.session, evaluation, form.name.data, weights,
                                    form.description.data or "")
        except (WorkflowError, scoring.ScoringError) as exc:
            flash(str(exc), "error")
            evaluation, membership = load(evaluation_id, LEAD)
            return _render_setup(evaluation, membership, 400, lens_form=form)
        flash(f"Lens {form.name.data!r} saved.", "success")
        return redirect(url_for("evaluations.setup", evaluation_id=evaluation.id) + "#lenses")
    flash("Check the lens fields.", "error")
    return _render_setup(evaluation, membership, 400, lens_form=form)


@bp.route("/<int:evaluation_id>/lenses/<int:lens_id>/delete", methods=["POST"])
def delete_lens(evaluation_id: int, lens_id: int):
    evaluation, _ = load(evaluation_id, LEAD)
    if EmptyForm().validate_on_submit():
        try:
            setup_service.delete_lens(db.session, evaluation, lens_id)
            flash("Lens removed.", "success")
        except WorkflowError as exc:
            flash(str(exc), "error")
    return redirect(url_for("evaluations.setup", evaluation_id=evaluation_id) + "#lenses")


@bp.route("/<int:evaluation_id>/shortlist", methods=["POST"])
def add_shortlist(evaluation_id: int):
    evaluation, membership = load(evaluation_id, LEAD)
    form = ShortlistForm()
    form.vendor_ids.choices = [(v.id, v.name) for v in db.session.scalars(select(Vendor))]
    if form.validate_on_submit():
        try:
            added = setup_service.add_to_shortlist(db.session, evaluation, form.vendor_ids.data)
            flash(f"{added} vendor(s) added to the shortlist.", "success")
        except WorkflowError as exc:
            flash(str(exc), "error")
    else:
        flash("Choose at least one vendor from the register.", "error")
    return redirect(url_for("evaluations.setup", evaluation_id=evaluation_id) + "#shortlist")


@bp.route("/<int:evaluation_id>/shortlist/<int:vendor_id>/remove", methods=["POST"])
def remove_shortlist(evaluation_id: int, vendor_id: int):
    evaluation, _ = load(evaluation_id, LEAD)
    if EmptyForm().validate_on_submit():
        try:
            setup_service.remove_from_shortlist(db.session, evaluation, vendor_id)
            flash("Vendor removed from the shortlist.", "success")
        except WorkflowError as exc:
            flash(str(exc), "error")
    return redirect(url_for("evaluations.setup", evaluation_id=evaluation_id) + "#shortlist")


@bp.route("/<int:evaluation_id>/members", methods=["POST"])
def add_member(evaluation_id: int):
    evaluation, membership = load(evaluation_id, LEAD)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            added = setup_service.add_member(db.session, evaluation, form.email.data,
                                             form.role.data)
            flash(f"{added.user.email} added as {added.role}.", "success")
            return redirect(url_for("evaluations.setup", evaluation_id=evaluation_id)
                            + "#members")
        except WorkflowError as exc:
            form.email.errors.append(str(exc))
    evaluation, membership = load(evaluation_id, LEAD)
    return _render_setup(evaluation, membership, 400, member_form=form)


@bp.route("/<int:evaluation_id>/members/<int:member_id>/remove", methods=["POST"])
def remove_member(evaluation_id: int, member_id: int):
    evaluation, _ = load(evaluation_id, LEAD)
    if EmptyForm().validate_on_submit():
        try:
            setup_service.remove_member(db.session, evaluation, member_id)
            flash("Member removed.", "success")
        except WorkflowError as exc:
            flash(str(exc), "error")
    return redirect(url_for("evaluations.setup", evaluation_id=evaluation_id) + "#members")


@bp.route("/<int:evaluation_id>/evidence-rule", methods=["POST"])
def save_evidence_rule(evaluation_id: int):
    evaluation, _ = load(evaluation_id, LEAD)
    form = EvidenceRuleForm()
    if form.validate_on_submit():
        try:
            setup_service.set_evidence_rule(db.session, evaluation, form.evidence_rule.data)
            flash(f"Evidence required: {EvidenceRule(form.evidence_rule.data).label}.", "success")
        except WorkflowError as exc:
            flash(str(exc), "error")
    else:
        flash("Choose an evidence rule.", "error")
    return redirect(url_for("evaluations.setup", evaluation_id=evaluation_id) + "#evidence-rule")


@bp.route("/<int:evaluation_id>/save-template", methods=["POST"])
def save_template(evaluation_id: int):
    evaluation, _ = load(evaluation_id, LEAD)
    form = SaveTemplateForm()
    if form.validate_on_submit():
        try:
            template = setup_service.save_as_template(db.session, evaluation, form.name.data)
            flash(f"Saved as template {template.name!r}.", "success")
        except WorkflowError as exc:
            flash(str(exc), "error")
    else:
        flash("Give the template a name.", "error")
    return redirect(url_for("evaluations.setup", evaluation_id=evaluation_id))


@bp.route("/<int:evaluation_id>/context", methods=["POST"])
def save_context(evaluation_id: int):
    evaluation, membership = load(evaluation_id, LEAD)
    form = _context_form(evaluation, request.form)
    if form.validate_on_submit():
        context = {
            "sector": (form.sector.data or "").strip(), "org_size": form.org_size.data or "",
            "regimes": _split(form.regimes.data), "regions": _split(form.regions.data),
            "residency": _split(form.residency.data), "systems": _split(form.systems.data),
            "certifications": _split(form.certifications.data),
            "budget_band": [form.budget_low.data, form.budget_high.data]
            if form.budget_low.data is not None or form.budget_high.data is not None else None,
            "duration_band": [form.months_low.data, form.months_high.data]
            if form.months_low.data is not None or form.months_high.data is not None else None,
        }
        weights = {k: getattr(form, f"w_{k}").data for k in
                   ("sector", "regimes", "org_size", "budget_band", "duration_band")}
        try:
            setup_service.update_context(db.session, evaluation, context, weights,
                                         int(form.version.data or 0))
        except (WorkflowError, scoring.ScoringError) as exc:
            flash(str(exc), "error")
            evaluation, membership = load(evaluation_id, LEAD)
            return _render_setup(evaluation, membership, 409 if isinstance(
                exc, ConcurrentEdit) else 400, context_form=form)
        flash("Program context saved: evidence is now ranked by relevance to it.", "success")
        return redirect(url_for("evaluations.setup", evaluation_id=evaluation.id) + "#context")
    flash("Check the program context fields.", "error")
    return _render_setup(evaluation, membership, 400, context_form=form)
