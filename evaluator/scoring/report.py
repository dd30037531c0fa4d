"""The ranking object and the recommendation read from it: pure functions over plain data.

The ranking object is the one JSON shape (docs/formats.md) behind the comparison page, the
ranking JSON route, the API, `flask ranking --json`, the decision snapshot and the memo. It is
the core's `Analysis.to_dict()` with display labels added; services/ranking.py is its only
caller outside the core, so every reader gets the same object for the same evaluation and lens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .agreement import ALPHA_FLAG_BELOW
from .analysis import Analysis


def ranking_object(
    analysis: Analysis, *, evaluation_id: int, title: str, vendor_names: Mapping[int, str],
    evaluator_labels: Mapping[int, str], model: dict[str, Any] | None = None,
    predictions: Mapping[int, float] | None = None, process: dict[str, Any] | None = None,
    moderation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The documented ranking object: the analysis plus vendor names, evaluator labels and the
    outcome model's summary.

    Each leniency and leave-one-evaluator-out item keeps the evaluator's id (`evaluator_id`)
    beside its label (`evaluator`),
    so a reader can join on the id while people read the label. predictions: probability of
    success 0-1 per vendor id, for vendors the model predicts. process: process_status(); its
    "final" and counts are also copied to the top level, where every reader looks first.
    moderation: the moderation round's summary (services/moderation.py), or None.
    """
    process = process or process_status(status="review", evaluators=(), submitted=())
    out: dict[str, Any] = {"evaluation": {"id": evaluation_id, "title": title},
                           "final": process["final"],
                           "submitted_evaluators": process["submitted_evaluators"],
                           "expected_evaluators": process["expected_evaluators"],
                           "process": process,
                           "moderation": moderation}
    out.update(analysis.to_dict())
    for vendor in out["vendors"]:
        vendor["name"] = vendor_names.get(vendor["id"], str(vendor["id"]))
        vendor["predicted_success"] = (predictions or {}).get(vendor["id"])
    for item in [*out["leniency"], *out["sensitivity"]["leave_one_evaluator_out"]]:
        evaluator_id = item["evaluator"]
        item["evaluator_id"] = evaluator_id
        item["evaluator"] = evaluator_labels.get(evaluator_id, str(evaluator_id))
    out["model"] = model
    return out


#: Below this probability of ranking first, the leader is "not robust" (docs/scoring.md).
ROBUST_P_RANK1 = 0.5
#: Below this probability of ranking first, a winner is recommended with a caution.
CONFIDENT_P_RANK1 = 0.8
#: Below this overall Krippendorff alpha, the evaluators' agreement is too poor for an
#: unqualified recommendation (the flagging threshold of scoring/agreement.py).
AGREEMENT_CAUTION_BELOW = ALPHA_FLAG_BELOW

#: Statuses in which scoring is closed and no moderation round is open: the result is final.
FINAL_STATUSES = ("review", "decided")


def process_status(*, status: str, evaluators: Iterable[tuple[int, str]],
                   submitted: Iterable[int], closed_missing: Iterable[Mapping] = ()
                   ) -> dict[str, Any]:
    """Where the evaluation stands, and whether its ranking may be read as final.

    evaluators: (id, label) of every evaluator expected to score; submitted: ids of those who
    submitted; closed_missing: evaluators the lead closed scoring without ({"id", "name"}).
    Final only when scoring is closed (every evaluator submitted, or the lead closed it with
    the missing ones recorded) and no moderation round is open. `qualifier` is the sentence
    every output shows while the result is interim (None when final).
    """
    expected = list(evaluators)
    done = set(submitted)
    missing = [{"id": i, "name": name} for i, name in expected if i not in done]
    closed = [dict(m) for m in closed_missing]
    n_done = sum(1 for i, _ in expected if i in done)
    final = status in FINAL_STATUSES
    qualifier = None
    if status == "moderation":
        qualifier = ("Interim: moderation round open - scores may still be revised "
                     f"({n_done} of {len(expected)} evaluators submitted).")
    elif not final:
        qualifier = (f"Interim: {n_done} of {len(expected)} evaluators submitted; "
                     "scoring is still open.")
        if missing:
            qualifier += " Waiting for " + ", ".join(m["name"] for m in missing) + "."
    return {"status": status, "final": final, "submitted_evaluators": n_done,
            "expected_evaluators": len(expected), "missing_evaluators": missing,
            "closed_with_missing": closed, "qualifier": qualifier}


def recommend(ranking: Mapping[str, Any],
              delivery: Mapping[int, Mapping[str, float | None]] | None = None
              ) -> dict[str, Any]:
    """Who to pick, or a plain "no clear winner" when the lead is tied or not robust, worded
    for what the result is: interim results only name who is *currently leading*.

    kind: "winner" | "no_clear_winner" | "no_ranking"; leader and runner_up are ranking vendors
    (dicts of the ranking object); margin in score points 0-100; reasons: "tie", "not_robust".
    p_rank1 counts draws of evaluators and weights together (scoring/robustness.py).
    statistically_tied: vendors whose score reaches the leader's in at least 2.5 % of those
    draws (the leader's margin is within the noise): the recommendation names them.
    evaluator_flips: leave-one-evaluator-out items in which another vendor becomes first.
    delivery: per vendor id {"on_time_share" 0-1, "median_slip_pct" percent}, the hard delivery
    record from the case studies. cautions: [{"code", "text"}] for weak evidence behind a
    winner ("poor_agreement", "low_confidence", "weaker_delivery"); headline: the
    recommendation sentence itself, cautions included.
    """
    open_vendors = [v for v in ranking["vendors"]
                    if v["rank"] is not None and not v["knocked_out"] and not v["incomplete"]]
    leader = open_vendors[0] if open_vendors else None
    runner = open_vendors[1] if len(open_vendors) > 1 else None
    sensitivity = ranking.get("sensitivity") or {}
    out: dict[str, Any] = {"leader": leader, "runner_up": runner, "margin": None,
                           "tied": [], "reasons": [], "statistically_tied": [],
                           "evaluator_flips": []}
    if leader is None:
        out["kind"] = "no_ranking"
        return out
    if runner is not None:
        out["margin"] = leader["score"] - runner["score"]
    out["tied"] = [v for v in open_vendors if v["rank"] == leader["rank"]]
    p = leader["p_rank1"]
    if len(out["tied"]) > 1:
        out["kind"] = "no_clear_winner"
        out["reasons"].append("tie")
    if p is not None and p < ROBUST_P_RANK1:
        out["kind"] = "no_clear_winner"
        out["reasons"].append("not_robust")
    out.setdefault("kind", "winner")
    tied_ids = set(sensitivity.get("statistically_tied") or [])
    out["statistically_tied"] = [v for v in open_vendors
                                 if v["id"] in tied_ids and v not in out["tied"]]
    out["evaluator_flips"] = [d for d in sensitivity.get("leave_one_evaluator_out") or []
                              if d["winner_changes"]]
    out["final"] = bool(ranking.get("final", True))
    out["cautions"] = _cautions(ranking, leader, runner, delivery or {}) \
        if out["kind"] == "winner" else []
    out["headline"] = _headline(out, ranking)
    challengers = sorted((v for v in open_vendors if v is not leader and v["p_rank1"]),
                         key=lambda v: -v["p_rank1"])
    out["challenger"] = challengers[0] if challengers else None
    flips = [f for f in sensitivity.get("flips", []) if f["flip"] is not None]
    out["nearest_flip"] = min(flips, key=lambda f: abs(f["flip"] - f["current"]), default=None)
    return out


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"


def _delivery_worse(lead: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Worse on at least one of on-time share and median slip, better on neither."""
    worse = better = False
    a, b = lead.get("on_time_share"), other.get("on_time_share")
    if a is not None and b is not None:
        worse |= a < b
        better |= a > b
    a, b = lead.get("median_slip_pct"), other.get("median_slip_pct")
    if a is not None and b is not None:
        worse |= a > b
        better |= a < b
    return worse and not better


def _cautions(ranking: Mapping[str, Any], leader: Mapping[str, Any],
              runner: Mapping[str, Any] | None,
              delivery: Mapping[int, Mapping[str, float | None]]) -> list[dict[str, str]]:
    out = []
    name = leader.get("name", str(leader["id"]))
    alpha = ranking.get("agreement_alpha")
    if alpha is not None and alpha < AGREEMENT_CAUTION_BELOW:
        out.append({"code": "poor_agreement",
                    "text": f"the evaluators agree poorly (alpha {alpha:.2f}, below "
                            f"{AGREEMENT_CAUTION_BELOW:.3f})"})
    p = leader.get("p_rank1")
    if p is not None and p < CONFIDENT_P_RANK1:
        out.append({"code": "low_confidence",
                    "text": f"{name} ranks first in only {_pct(p)} of the plausible draws "
                            f"of evaluators and weights (below {_pct(CONFIDENT_P_RANK1)})"})
    if runner is not None:
        mine, theirs = delivery.get(leader["id"]), delivery.get(runner["id"])
        if mine and theirs and _delivery_worse(mine, theirs):
            out.append({"code": "weaker_delivery",
                        "text": f"{name}'s delivery record is weaker than "
                                f"{runner.get('name', runner['id'])}'s ({_record(mine)} vs {_record(theirs)})"})
    return out


def _record(figures: Mapping[str, Any]) -> str:
    parts = []
    if figures.get("on_time_share") is not None:
        parts.append(f"{_pct(figures['on_time_share'])} on time")
    if figures.get("median_slip_pct") is not None:
        parts.append(f"median slip {figures['median_slip_pct']:+.0f} %")
    return ", ".join(parts) or "no figures"


def _headline(rec: Mapping[str, Any], ranking: Mapping[str, Any]) -> str:
    """The recommendation sentence: only a final winner is 'award to'."""
    leader = rec["leader"]
    name = leader.get("name", str(leader["id"])) if leader else ""
    process = ranking.get("process") or {}
    if rec["kind"] == "no_ranking":
        text = "No vendor can be ranked yet"
    elif not rec["final"]:
        counts = (f"{process.get('submitted_evaluators', 0)} of "
                  f"{process.get('expected_evaluators', 0)} evaluators submitted")
        stage = ("moderation round open" if process.get("status") == "moderation"
                 else counts)
        who = (f"Currently leading: {name}" if rec["kind"] == "winner"
               else f"No clear leader so far ({name} is ahead)")
        return f"{who} (interim: {stage}; not a recommendation)"
    elif rec["kind"] == "winner":
        text = f"Recommendation: award to {name}"
    else:
        text = "No clear winner"
    if rec.get("cautions"):
        text += ", with caution: " + "; ".join(c["text"] for c in rec["cautions"])
    return text
