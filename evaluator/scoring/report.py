"""The ranking object and the recommendation read from it: pure functions over plain data.

The ranking object is the one JSON shape (docs/formats.md) behind the comparison page, the
ranking JSON route, the API, `flask ranking --json`, the decision snapshot and the memo. It is
the core's `Analysis.to_dict()` with display labels added; services/ranking.py is its only
caller outside the core, so every reader gets the same object for the same evaluation and lens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .analysis import Analysis


def ranking_object(
    analysis: Analysis, *, evaluation_id: int, title: str, vendor_names: Mapping[int, str],
    evaluator_labels: Mapping[int, str], model: dict[str, Any] | None = None,
    predictions: Mapping[int, float] | None = None,
) -> dict[str, Any]:
    """The documented ranking object: the analysis plus vendor names, evaluator labels and the
    outcome model's summary.

    Each leniency and leave-one-evaluator-out item keeps the evaluator's id (`evaluator_id`)
    beside its label (`evaluator`),
    so a reader can join on the id while people read the label. predictions: probability of
    success 0-1 per vendor id, for vendors the model predicts.
    """
    out: dict[str, Any] = {"evaluation": {"id": evaluation_id, "title": title}}
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


def recommend(ranking: Mapping[str, Any]) -> dict[str, Any]:
    """Who to pick, or a plain "no clear winner" when the lead is tied or not robust.

    kind: "winner" | "no_clear_winner" | "no_ranking"; leader and runner_up are ranking vendors
    (dicts of the ranking object); margin in score points 0-100; reasons: "tie", "not_robust".
    p_rank1 counts draws of evaluators and weights together (scoring/robustness.py).
    statistically_tied: vendors whose score reaches the leader's in at least 2.5 % of those
    draws (the leader's margin is within the noise): the recommendation names them.
    evaluator_flips: leave-one-evaluator-out items in which another vendor becomes first.
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
    challengers = sorted((v for v in open_vendors if v is not leader and v["p_rank1"]),
                         key=lambda v: -v["p_rank1"])
    out["challenger"] = challengers[0] if challengers else None
    flips = [f for f in sensitivity.get("flips", []) if f["flip"] is not None]
    out["nearest_flip"] = min(flips, key=lambda f: abs(f["flip"] - f["current"]), default=None)
    return out
