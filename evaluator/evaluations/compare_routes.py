"""Side-by-side comparison, the ranking as JSON, and the decision record."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import charts, scoring
from ..access import evaluation_for, membership_of
from ..extensions import db
from ..models import CaseStudy, InterviewAnswer, MemberRole, ShortlistEntry
from ..services import decisions as decision_service
from ..services import evaluations as evaluation_service
from ..services import ranking as ranking_service
from ..services import scoring_entry
from ..services.errors import WorkflowError
from ..web import page_cache, settings
from . import bp
from .forms import DecisionForm, ReopenForm
from .routes import load, require_unblinded


def comparison(evaluation, membership, lens: str | None) -> ranking_service.RankedEvaluation:
    """The ranking as the current user may see it; raises scoring.ScoringError."""
    return ranking_service.ranking_for(
        db.session, evaluation, reader=current_user, membership=membership, lens=lens,
        sampling=settings.sampling())


def _evidence_index(scores):
    cs_ids = {e["id"] for s in scores for e in (s.evidence or []) if e["type"] == "case_study"}
    ans_ids = {e["id"] for s in scores for e in (s.evidence or []) if e["type"] == "answer"}
    case_studies = {cs.id: cs for cs in db.session.scalars(
        select(CaseStudy).where(CaseStudy.id.in_(cs_ids)))} if cs_ids else {}
    answers = {a.id: a for a in db.session.scalars(
        select(InterviewAnswer).where(InterviewAnswer.id.in_(ans_ids)).options(
            selectinload(InterviewAnswer.question)))} if ans_ids else {}
    return case_studies, answers


@dataclass(frozen=True)
class Visible:
    """An evaluation the reader may compare: what its pages show of it around a cached part."""

    id: int
    title: str


def _visible(evaluation_id: int) -> tuple[page_cache.Version, Visible]:
    """Version of the data, then the evaluation if the reader may see it unblinded (else 404 or
    403). The decision is kept per reader and data version like a page part: membership, roles
    and submitted scores are data, so any change to them moves the version and it is taken
    again; a page served from the cache then needs no query of its own.

    The version is read first (web/page_cache.py explains why)."""
    version = page_cache.data_version(db.session)

    def decide() -> Visible:
        evaluation, membership = evaluation_for(db.session, current_user, evaluation_id)
        require_unblinded(membership)
        return Visible(evaluation.id, evaluation.title)

    return version, page_cache.cached(("visible", current_user.id, evaluation_id), version,
                                      decide, store="access")


def _for_rendering(evaluation_id: int):
    """The evaluation with what its pages show, and the reader's membership: a part rendered
    afresh (the cached access decision holds neither; _visible has checked the access)."""
    return (evaluation_service.load_detail(db.session, evaluation_id),
            membership_of(db.session, current_user, evaluation_id))


def _compare_body(evaluation_id: int, lens: str | None) -> bytes:
    evaluation, membership = _for_rendering(evaluation_id)
    ranked = comparison(evaluation, membership, lens)
    ranking, scores, evidence = ranked.ranking, ranked.scores, ranked.evidence
    by_cell: dict[tuple[int, int], list] = {}
    submitted: dict[int, int] = {}
    for s in scores:
        by_cell.setdefault((s.vendor_id, s.criterion_id), []).append(s)
        submitted[s.vendor_id] = submitted.get(s.vendor_id, 0) + bool(s.submitted)
    return page_cache.render_part(
        "evaluations/_compare_body.html", evaluation=evaluation,
        ranking=ranking, lens=lens, by_cell=by_cell, submitted=submitted, evidence=evidence,
        charts={
            "scores": charts.score_bars(ranking),
            "profile": charts.criterion_profile(ranking),
            "acceptability": charts.rank_acceptability(ranking),
            "flips": charts.flip_tornado(ranking),
            "lenses": charts.lens_comparison(ranking),
        },
    )


@bp.route("/<int:evaluation_id>/compare")
def compare(evaluation_id: int):
    version, evaluation = _visible(evaluation_id)
    lens = request.args.get("lens") or None
    try:
        body = page_cache.cached(("compare", evaluation.id, lens), version,
                                 lambda: _compare_body(evaluation.id, lens))
    except scoring.ScoringError as exc:
        flash(str(exc), "error")
        if lens:
            return redirect(url_for("evaluations.compare", evaluation_id=evaluation_id))
        return redirect(url_for("evaluations.detail", evaluation_id=evaluation_id))
    return page_cache.page("evaluations/compare.html", body, evaluation=evaluation)


def _evidence_body(evaluation_id: int, vendor) -> bytes:
    evaluation, membership = _for_rendering(evaluation_id)
    scores = [s for s in scoring_entry.visible_scores(db.session, evaluation, current_user,
                                                      membership, vendor_id=vendor.id)
              if s.submitted]
    case_studies, answers = _evidence_index(scores)
    return page_cache.render_part(
        "evaluations/_evidence_body.html", evaluation=evaluation, vendor=vendor, scores=scores,
        case_studies=case_studies, answers=answers,
        members={m.user_id: m.user for m in evaluation.members})


@bp.route("/<int:evaluation_id>/evidence/<int:vendor_id>")
def vendor_evidence(evaluation_id: int, vendor_id: int):
    """One shortlisted vendor's submitted scores, rationales and cited evidence."""
    version, evaluation = _visible(evaluation_id)
    entry = db.session.scalar(select(ShortlistEntry).where(
        ShortlistEntry.evaluation_id == evaluation.id, ShortlistEntry.vendor_id == vendor_id))
    if entry is None:
        abort(404)
    body = page_cache.cached(("evidence", evaluation.id, vendor_id), version,
                             lambda: _evidence_body(evaluation.id, entry.vendor))
    return page_cache.page("evaluations/evidence.html", body, evaluation=evaluation,
                           vendor=entry.vendor)


@bp.route("/<int:evaluation_id>/ranking.json")
def ranking_json(evaluation_id: int):
    version, evaluation = _visible(evaluation_id)
    lens = request.args.get("lens") or None

    def ranking():
        return comparison(*_for_rendering(evaluation.id), lens).ranking

    try:
        return jsonify(page_cache.cached(("ranking", evaluation.id, lens), version, ranking))
    except scoring.ScoringError as exc:
        return jsonify(error={"code": "invalid", "message": str(exc)}), 400


@bp.route("/<int:evaluation_id>/decide", methods=["GET", "POST"])
def decide(evaluation_id: int):
    evaluation, membership = load(evaluation_id, MemberRole.LEAD, MemberRole.OBSERVER)
    form = DecisionForm()
    form.vendor_id.choices = [(e.vendor_id, e.vendor.name) for e in evaluation.shortlist]
    status = 200
    if form.validate_on_submit():
        try:
            decision_service.record_decision(
                db.session, evaluation, current_user, membership,
                vendor_id=form.vendor_id.data, rationale=form.rationale.data,
                dissent=form.dissent.data or "",
                sampling=settings.sampling())
        except (WorkflowError, scoring.ScoringError) as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash("Decision recorded and frozen with a snapshot of the ranking.", "success")
            return redirect(url_for("evaluations.detail", evaluation_id=evaluation_id))
    elif request.method == "POST":
        status = 400
    ranking = None
    try:
        ranking = comparison(evaluation, membership, None).ranking
        if request.method == "GET" and ranking["winner"] is not None:
            form.vendor_id.data = ranking["winner"]
    except scoring.ScoringError as exc:
        flash(str(exc), "error")
    return render_template("evaluations/decide.html", evaluation=evaluation, form=form,
                           ranking=ranking), status


@bp.route("/<int:evaluation_id>/reopen", methods=["POST"])
def reopen(evaluation_id: int):
    """Revoke the decision (kept in history) and return the evaluation to review."""
    evaluation, membership = load(evaluation_id, MemberRole.LEAD)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            decision_service.reopen(db.session, evaluation, current_user, membership,
                                    form.reason.data)
        except WorkflowError as exc:
            flash(str(exc), "error")
        else:
            flash("The decision is revoked (kept in history) and the evaluation is back in "
                  "review.", "success")
    else:
        flash("Give the reason for reopening (at least 20 characters).", "error")
    return redirect(url_for("evaluations.detail", evaluation_id=evaluation_id))


@bp.route("/<int:evaluation_id>/decision/verify")
def verify_decision(evaluation_id: int):
    evaluation, membership = load(evaluation_id)
    require_unblinded(membership)
    try:
        result = decision_service.verify(
            db.session, evaluation, settings.sampling())
    except WorkflowError as exc:
        flash(str(exc), "error")
        return redirect(url_for("evaluations.detail", evaluation_id=evaluation_id))
    return render_template("evaluations/verify.html", evaluation=evaluation, result=result)
