"""The recommendation memo: everything the PDF shows, gathered in a constant number of queries.

`build_memo` loads the evaluation with its criteria, lenses, shortlisted vendors (case studies,
interviews and answers), members and decision in one eager-loaded query, the submitted scores in a
second, and the active outcome model in the model service's own fixed queries; the rest is the
pure scoring core and plain Python, so the cost does not grow in queries with the shortlist.

The memo's fingerprint is a SHA-256 of the canonical inputs (docs in `fingerprint_payload`): the
same inputs always give the same fingerprint, and any changed score, weight, lens, rationale,
cited evidence text or decision gives a different one. It never includes the time or the reader.

Over 400 lines on purpose: loading, the fingerprint and the memo's sections are one use case
whose parts must stay in step (a field shown must be a field fingerprinted).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import charts, scoring
from ..audit import record
from ..models import (
    Decision,
    Evaluation,
    Interview,
    InterviewAnswer,
    MemberRole,
    Membership,
    Score,
    ShortlistEntry,
    Vendor,
)
from ..scoring.report import recommend
from . import decisions as decision_service
from .dossier import narrative_texts
from .errors import EvaluationNotFound
from .ranking import DEFAULT_SAMPLING, Sampling, evaluator_labels, ranking_for
from .uow import transaction
from .vendors import realism_of

#: Bumped when the memo's content rules change, so an old fingerprint is never matched by a memo
#: built differently from the same data.
MEMO_FORMAT = 2
#: A quote longer than this (characters) is cut at a word boundary with an ellipsis.
QUOTE_CHARS = 320
#: How much each vendor section shows: the leading vendors in full, the rest more briefly, so a
#: long shortlist stays readable (and renders quickly). Per vendor, at most: strengths and
#: weaknesses each, cited case studies and cited interview answers (the most cited first),
#: highlighted sentences per item.
LEADING_VENDORS = 3
DETAIL = {
    True: {"criteria": 3, "case_studies": 2, "answers": 1, "highlights": 2, "quote": QUOTE_CHARS},
    False: {"criteria": 1, "case_studies": 1, "answers": 0, "highlights": 1, "quote": 160},
}
#: An evaluator's score this many scale points from the others' mean counts as dissent.
DISSENT_POINTS = 1.5
#: The flip-weight chart goes into the memo when the leader changes within this share (0-1) of
#: a criterion's current weight: then the decision hinges on a weight and the chart shows how.
#: Otherwise the table of flips says it all (and the chart, mostly "robust" rows, would cost
#: about 0.1 s of rendering; docs/PERFORMANCE.md).
FLIP_CHART_WITHIN = 0.10
#: Differences from the shortlist's average smaller than this (scale points) are neither a
#: strength nor a weakness: they would print as +0.00 / -0.00.
NOISE = 0.005
CASE_STUDY_TEXT = ("summary", "setbacks", "response", "lessons")


@dataclass
class Memo:
    """The memo context (see templates/memos/memo.html). Units as in docs/scoring.md."""

    evaluation: Evaluation
    lens: str | None
    ranking: dict[str, Any]
    recommendation: dict[str, Any]
    decision: dict[str, Any] | None
    vendors: list[dict[str, Any]]
    dissent: dict[str, Any]
    model: dict[str, Any] | None
    matrix: dict[str, Any]
    fingerprint: str
    charts: dict[str, Markup | None]
    prepared_by: str
    generated_at: datetime
    criteria: dict[str, Any] = field(default_factory=dict)  # key -> EvaluationCriterion
    leading_count: int = 0  # vendors shown in full detail
    relevance: dict[int, Any] = field(default_factory=dict)  # vendor id -> VendorEvidence
    flip_chart_within: float = 0.0  # share: the flip chart is shown for flips this close
    # Per evaluator: when it declared its conflicts (or attested to none) and what it declared.
    attestations: list[dict[str, Any]] = field(default_factory=list)


def _attestations(evaluation: Evaluation) -> list[dict[str, Any]]:
    names = {e.vendor_id: e.vendor.name for e in evaluation.shortlist}
    out = []
    for m in evaluation.members:
        if m.role != MemberRole.EVALUATOR:
            continue
        declared = [c for c in evaluation.conflicts if c.user_id == m.user_id]
        out.append({
            "who": m.user.display_name, "at": m.attested_at,
            "conflicts": [{"vendor": names.get(c.vendor_id, str(c.vendor_id)), "note": c.note,
                           "after_submission": c.after_submission,
                           "resolution": c.resolution} for c in declared]})
    return out


def load_evaluation(session: Session, evaluation_id: int) -> Evaluation:
    """The evaluation with everything the memo shows, in one statement plus selectin loads."""
    evaluation = session.scalar(
        select(Evaluation).where(Evaluation.id == evaluation_id).options(
            selectinload(Evaluation.criteria),
            selectinload(Evaluation.lenses),
            selectinload(Evaluation.members).selectinload(Membership.user),
            selectinload(Evaluation.conflicts),
            selectinload(Evaluation.decision).selectinload(Decision.vendor),
            selectinload(Evaluation.decision).selectinload(Decision.decided_by),
            selectinload(Evaluation.shortlist).selectinload(ShortlistEntry.vendor)
            .selectinload(Vendor.case_studies),
            selectinload(Evaluation.shortlist).selectinload(ShortlistEntry.vendor)
            .selectinload(Vendor.interviews).selectinload(Interview.answers)
            .selectinload(InterviewAnswer.question),
        )
    )
    if evaluation is None:
        raise EvaluationNotFound(evaluation_id)
    return evaluation


def build_memo(session: Session, evaluation_id: int, *, lens: str | None = None,
               prepared_by: str = "", sampling: Sampling = DEFAULT_SAMPLING) -> Memo:
    """Gather and compute the memo. Raises EvaluationNotFound or scoring.ScoringError."""
    evaluation = load_evaluation(session, evaluation_id)
    ranked = ranking_for(session, evaluation, lens=lens, sampling=sampling)
    ranking, scores, inputs, relevance = ranked.ranking, ranked.scores, ranked.inputs, ranked.evidence
    model = ranking["model"]
    names = {e.vendor_id: e.vendor.name for e in evaluation.shortlist}
    people = evaluator_labels(evaluation)
    evidence = _evidence_index(evaluation)
    criteria = {c.key: c for c in evaluation.criteria}
    vendors = _vendor_sections(evaluation, ranking, scores, evidence, people)
    settings = sampling.as_dict()
    delivery = {}
    for section in vendors:
        realism = section["realism"]
        if realism is not None and realism.n:
            delivery[section["ranking"]["id"]] = {
                "on_time_share": realism.on_time_share,
                "median_slip_pct": realism.median_slip_pct}
    recommendation = recommend(ranking, delivery)
    nearest = recommendation.get("nearest_flip")
    hinges = nearest is not None and abs(nearest["flip"] - nearest["current"]) <= FLIP_CHART_WITHIN
    return Memo(
        evaluation=evaluation, lens=lens, ranking=ranking,
        recommendation=recommendation,
        decision=_decision(session, evaluation, ranking, sampling),
        vendors=vendors,
        dissent=_dissent(evaluation, inputs, scores, ranking, people, names, lens),
        model=model, matrix=_matrix(evaluation, ranking, scores, people),
        fingerprint=fingerprint(fingerprint_payload(evaluation, scores, lens, settings, evidence,
                                                    model)),
        charts={
            "acceptability": charts.rank_acceptability(ranking),
            "flips": charts.flip_tornado(ranking) if hinges else None,
            "lenses": charts.lens_comparison(ranking),
        },
        relevance=relevance, attestations=_attestations(evaluation),
        prepared_by=prepared_by, generated_at=datetime.now(UTC), criteria=criteria,
        leading_count=min(LEADING_VENDORS, len(vendors)), flip_chart_within=FLIP_CHART_WITHIN,
    )


@transaction
def record_export(session: Session, memo: Memo, *, pages: int, size: int, via: str) -> None:
    """Leave the audit row for a generated memo and commit it."""
    record(session, "export_memo", "Evaluation", memo.evaluation.id, {
        "fingerprint": memo.fingerprint, "lens": memo.lens, "format": "pdf",
        "pages": pages, "bytes": size, "via": via,
    })


def _decision(session: Session, evaluation: Evaluation, ranking: dict[str, Any],
              sampling: Sampling) -> dict[str, Any] | None:
    decision = evaluation.decision
    if decision is None:
        return None
    snapshot = decision_service.current_snapshot(session, evaluation, sampling)
    return {
        "vendor": decision.vendor.name, "vendor_id": decision.vendor_id,
        "rationale": decision.rationale, "dissent": decision.dissent,
        "decided_by": decision.decided_by.display_name if decision.decided_by else "unknown",
        "decided_at": decision.decided_at, "sha256": decision.snapshot_sha256,
        "reproduced": decision_service.digest(snapshot) == decision.snapshot_sha256,
        "inputs_unchanged": decision_service.inputs_unchanged(decision.snapshot, snapshot),
        "matches_ranking": decision.vendor_id == ranking["winner"],
    }


# ------------------------------------------------------------------------------ per vendor


def _evidence_index(evaluation: Evaluation) -> dict[tuple[str, int], Any]:
    """Every case study and interview answer of the shortlisted vendors (already loaded)."""
    index: dict[tuple[str, int], Any] = {}
    for entry in evaluation.shortlist:
        for cs in entry.vendor.case_studies:
            index[("case_study", cs.id)] = cs
        for interview in entry.vendor.interviews:
            for answer in interview.answers:
                index[("answer", answer.id)] = answer
    return index


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def signal_sentences(text: str, wanted=("setback", "lesson")) -> list[dict[str, Any]]:
    """Sentences of ``text`` the text signals label setback or lesson (a guide, never a score)."""
    return [{"text": quote(s.text), "labels": [lb for lb in s.labels if lb in wanted]}
            for s in scoring.label_sentences(text or "") if set(s.labels) & set(wanted)]


def _case_study_view(cs, highlights_shown: int) -> dict[str, Any]:
    found = [s for name in CASE_STUDY_TEXT for s in signal_sentences(getattr(cs, name))]
    # One setback and one lesson when there are both: the pair says most about the vendor.
    setback = [s for s in found if "setback" in s["labels"]][:1]
    lesson = [s for s in found if "lesson" in s["labels"] and s not in setback][:1]
    highlights = setback + lesson + [s for s in found if s not in setback + lesson]
    return {
        "title": cs.title, "year": cs.year, "client_sector": cs.client_sector,
        "outcome": cs.outcome, "planned_months": cs.planned_months,
        "actual_months": cs.actual_months,
        "slip_pct": scoring.schedule_slip_pct(cs.planned_months, cs.actual_months),
        "overrun_pct": scoring.budget_overrun_pct(cs.planned_budget, cs.actual_budget),
        "summary": quote(cs.summary, 240), "highlights": highlights[:highlights_shown],
    }


def _answer_view(answer, highlights_shown: int) -> dict[str, Any]:
    return {"question": answer.question.text, "text": quote(answer.text),
            "highlights": signal_sentences(answer.text)[:highlights_shown]}


def _criterion_row(c: dict, v: dict, cell: list[Score], average: float | None,
                   scale_mid: float) -> dict[str, Any]:
    mean = v["criterion_means"].get(c["key"])
    said = [s for s in cell if s.rationale.strip()]
    return {
        "key": c["key"], "name": c["name"], "weight": c["weight"], "mean": mean,
        "average": average, "delta": None if mean is None or average is None else mean - average,
        "knocked_out": c["key"] in v["knockouts"],
        "below_mid": mean is not None and mean < scale_mid,
        "values": ["–" if s.value is None else f"{s.value:g}" for s in cell],
        "said": said,
        "quote": None,
    }


def _quote_of(score: Score, people: dict[int, str], limit: int) -> dict[str, Any]:
    return {"who": people.get(score.evaluator_id, f"Evaluator #{score.evaluator_id}"),
            "value": score.value, "abstained": score.insufficient_evidence,
            "text": quote(score.rationale, limit)}


def _vendor_sections(evaluation: Evaluation, ranking: dict[str, Any], scores: list[Score],
                     evidence: dict, people: dict[int, str]) -> list[dict[str, Any]]:
    """Per vendor: strengths and weaknesses against the shortlist, quoted, and cited evidence.

    A strength is a criterion where the vendor's mean is above the shortlist's average (and
    not below the scale's midpoint); a weakness one below it, below the midpoint or under a
    knockout. The largest each way are shown (DETAIL), each with the rationale of the
    evaluator who scored it highest (strength) or lowest (weakness).
    """
    scale_mid = (evaluation.scale_min + evaluation.scale_max) / 2
    key_of = {c.id: c.key for c in evaluation.criteria}
    by_cell: dict[tuple[int, str], list[Score]] = {}
    for s in sorted(scores, key=lambda s: s.evaluator_id):
        if s.criterion_id in key_of:
            by_cell.setdefault((s.vendor_id, key_of[s.criterion_id]), []).append(s)
    averages = {}
    for c in ranking["criteria"]:
        means = [m for v in ranking["vendors"]
                 if (m := v["criterion_means"].get(c["key"])) is not None]
        averages[c["key"]] = sum(means) / len(means) if means else None
    vendors_by_id = {e.vendor_id: e.vendor for e in evaluation.shortlist}
    sections = []
    for position, v in enumerate(ranking["vendors"]):
        detail = DETAIL[position < LEADING_VENDORS]
        rows = [_criterion_row(c, v, by_cell.get((v["id"], c["key"]), []), averages[c["key"]],
                               scale_mid) for c in ranking["criteria"]]
        rated = [r for r in rows if r["delta"] is not None]
        strengths = sorted((r for r in rated if r["delta"] > NOISE and not r["knocked_out"]
                            and not r["below_mid"]), key=lambda r: -r["delta"])[:detail["criteria"]]
        weaknesses = sorted((r for r in rated if r["delta"] < -NOISE or r["knocked_out"]
                             or r["below_mid"]),
                            key=lambda r: (not r["knocked_out"], r["delta"]))[:detail["criteria"]]
        for row in strengths:
            if row["said"]:
                row["quote"] = _quote_of(max(row["said"], key=lambda s: s.value or 0), people,
                                         detail["quote"])
        for row in weaknesses:
            if row["said"]:
                row["quote"] = _quote_of(min(row["said"], key=lambda s: s.value or 0), people,
                                         detail["quote"])
        lowest = None if weaknesses or not rated else min(rated, key=lambda r: r["mean"])
        citations: dict[tuple[str, int], int] = {}
        for c in ranking["criteria"]:
            for s in by_cell.get((v["id"], c["key"]), []):
                for ref in s.evidence or []:
                    ref_key = (ref.get("type"), ref.get("id"))
                    citations[ref_key] = citations.get(ref_key, 0) + 1
        most_cited = sorted(citations, key=lambda k: (-citations[k], str(k)))
        vendor = vendors_by_id.get(v["id"])
        sections.append({
            "ranking": v, "vendor": vendor, "strengths": strengths, "weaknesses": weaknesses,
            "lowest": lowest, "realism": realism_of(vendor) if vendor is not None else None,
            "case_studies": [
                _case_study_view(evidence[k], detail["highlights"]) | {"citations": citations[k]}
                for k in [k for k in most_cited if k in evidence and k[0] == "case_study"]
                [:detail["case_studies"]]],
            "answers": [
                _answer_view(evidence[k], detail["highlights"]) | {"citations": citations[k]}
                for k in [k for k in most_cited if k in evidence and k[0] == "answer"]
                [:detail["answers"]]],
            "leading": position < LEADING_VENDORS,
            "cited_total": len(citations),
            "gaps": [r for r in rows if r["mean"] is None],
            "candour": (scoring.candour_summary(narrative_texts(vendor)).label
                        if vendor is not None else None),
        })
    return sections


# ------------------------------------------------------------------- agreement and dissent


def _dissent(evaluation: Evaluation, inputs, scores: list[Score], ranking: dict[str, Any],
             people: dict[int, str], names: dict[int, str], lens: str | None) -> dict[str, Any]:
    """Who disagreed: each evaluator's own first choice, and scores far from the others'."""
    weights = None
    if lens is not None:
        weights = next((dict(x.weights) for x in evaluation.lenses if x.name == lens), None)
    by_evaluator: dict[int, list[scoring.ScoreValue]] = {}
    for value in inputs.scores:
        by_evaluator.setdefault(value.evaluator, []).append(value)
    own = []
    for evaluator, values in sorted(by_evaluator.items()):
        try:
            result = scoring.rank_vendors(inputs.scale, inputs.criteria, inputs.vendors, values,
                                          weights=weights)
        except scoring.ScoringError:
            continue
        firsts = [r.vendor for r in result.results
                  if r.rank == 1 and not r.knocked_out and not r.incomplete]
        own.append({"who": people.get(evaluator, f"Evaluator #{evaluator}"),
                    "first": [names.get(x, str(x)) for x in firsts],
                    "agrees": ranking["winner"] in firsts,
                    "n": len(values)})
    crit_name = {c.key: c.name for c in evaluation.criteria}
    cells: dict[tuple[int, str], list[scoring.ScoreValue]] = {}
    for value in inputs.scores:
        cells.setdefault((value.vendor, value.criterion), []).append(value)
    outliers = []
    for (vendor, key), values in cells.items():
        for value in values:
            others = [o.value for o in values if o.evaluator != value.evaluator]
            if not others:
                continue
            gap = value.value - sum(others) / len(others)
            if abs(gap) >= DISSENT_POINTS:
                outliers.append({"who": people.get(value.evaluator, f"Evaluator #{value.evaluator}"),
                                 "vendor": names.get(vendor, str(vendor)),
                                 "criterion": crit_name.get(key, key), "value": value.value,
                                 "others": sum(others) / len(others), "gap": gap})
    outliers.sort(key=lambda o: (-abs(o["gap"]), o["vendor"], o["criterion"], o["who"]))
    return {"own_choice": own, "outliers": outliers[:6], "outlier_count": len(outliers),
            "points": DISSENT_POINTS}


def _matrix(evaluation: Evaluation, ranking: dict[str, Any], scores: list[Score],
            people: dict[int, str]) -> dict[str, Any]:
    """Appendix: every submitted value per vendor and criterion, evaluators in a fixed order."""
    evaluator_ids = sorted({s.evaluator_id for s in scores})
    key_of = {c.id: c.key for c in evaluation.criteria}
    cells: dict[tuple[int, str], dict[int, str]] = {}
    for s in scores:
        if s.criterion_id in key_of:
            shown = "–" if s.insufficient_evidence or s.value is None else f"{s.value:g}"
            if s.moved:  # independent -> moderated
                shown += f"→{s.moderated_value:g}"
            cells.setdefault((s.vendor_id, key_of[s.criterion_id]), {})[s.evaluator_id] = shown
    return {
        "evaluators": [{"id": e, "name": people.get(e, f"Evaluator #{e}"), "tag": f"E{i + 1}"}
                       for i, e in enumerate(evaluator_ids)],
        "values": {f"{vendor}:{key}": [cell.get(e, "·") for e in evaluator_ids]
                   for (vendor, key), cell in cells.items()},
    }


# -------------------------------------------------------------------------------- fingerprint


def _text_digest(*parts: str | None) -> str:
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()


def fingerprint_payload(evaluation: Evaluation, scores: list[Score], lens: str | None,
                        settings: dict[str, Any], evidence: dict, model: dict | None
                        ) -> dict[str, Any]:
    """The canonical inputs of a memo: what it would take to produce the same memo again.

    Scale, criteria (key, name, raw weight, knockout), every lens's weights, the primary lens,
    the shortlist, the submitted scores (value or abstention, rationale, citations, moderated
    value and reason), whether the result is interim (status, who submitted), the conflicts, the
    sampling settings, the text of the cited evidence (as SHA-256), the recorded decision and
    the outcome model version. Not the generation time, nor who generated it.
    """
    key_of = {c.id: c.key for c in evaluation.criteria}
    submitted = [s for s in scores if s.submitted and s.criterion_id in key_of]
    cited = sorted({(ref.get("type"), ref.get("id")) for s in submitted
                    for ref in (s.evidence or [])}, key=str)
    texts = []
    for kind, ref in cited:
        item = evidence.get((kind, ref))
        if item is None:
            texts.append([kind, ref, None])
        elif kind == "case_study":
            texts.append([kind, ref, _text_digest(item.title, *(getattr(item, n) for n in
                                                                  CASE_STUDY_TEXT))])
        else:
            texts.append([kind, ref, _text_digest(item.question.text, item.text)])
    decision = evaluation.decision
    return {
        "memo_format": MEMO_FORMAT,
        "evaluation": evaluation.id,
        "scale": [evaluation.scale_min, evaluation.scale_max],
        "criteria": [[c.key, c.name, c.weight, c.knockout_below] for c in evaluation.criteria],
        "lenses": sorted([x.name, sorted(x.weights.items())] for x in evaluation.lenses),
        "lens": lens,
        "shortlist": [[e.vendor_id, e.vendor.name] for e in evaluation.shortlist],
        "scores": sorted(
            [s.evaluator_id, s.vendor_id, key_of[s.criterion_id], s.value,
             bool(s.insufficient_evidence), s.rationale or "",
             sorted([str(r.get("type")), r.get("id")] for r in (s.evidence or [])),
             s.moderated_value, s.moderation_reason or "", s.moderated_by_id]
            for s in submitted),
        # Interim or final, and who submitted: the watermark and header depend on it.
        "process": [evaluation.status,
                    sorted(m.user_id for m in evaluation.members
                           if m.role == MemberRole.EVALUATOR and m.submitted_at is not None),
                    sorted(m.user_id for m in evaluation.members
                           if m.role == MemberRole.EVALUATOR),
                    sorted(x["id"] for x in evaluation.closed_missing or [])],
        "conflicts": sorted([c.user_id, c.vendor_id, c.resolution] for c in evaluation.conflicts),
        "settings": settings,
        "evidence": texts,
        "decision": None if decision is None else [
            decision.vendor_id, decision.rationale, decision.dissent, decision.snapshot_sha256],
        "model": None if not model else [model.get("id"), model.get("version")],
    }


def fingerprint(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str,
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
