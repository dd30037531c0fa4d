"""Database rows -> core inputs -> the core analysis, cached (services/ranking.py builds the
ranking object from it).

Robustness sampling is the expensive part, so results are cached by a SHA-256 of exactly what
they depend on (scale, criteria, weights, lenses, submitted scores, sampling
settings): any change of the scores or weights gives a new key, and a page view with no change
reuses the result. The cache is per process (each gunicorn worker computes a result once).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import scoring
from ..models import ConflictResolution, Evaluation, Score

CACHE_SIZE = 256
_cache: OrderedDict[str, scoring.Analysis] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Inputs:
    scale: scoring.Scale
    criteria: tuple[scoring.Criterion, ...]
    vendors: tuple[int, ...]
    scores: tuple[scoring.ScoreValue, ...]
    lenses: tuple[scoring.Lens, ...]

    def fingerprint(self, **settings: Any) -> str:
        payload = {
            "scale": [self.scale.min, self.scale.max],
            "criteria": [[c.key, c.name, c.weight, c.knockout_below] for c in self.criteria],
            "vendors": list(self.vendors),
            "scores": sorted([s.evaluator, s.vendor, s.criterion, s.value] for s in self.scores),
            "lenses": [[lens.name, sorted(lens.weights.items())] for lens in self.lenses],
            "settings": settings,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def submitted_scores(session: Session, evaluation_id: int) -> list[Score]:
    """Submitted scores (values and abstentions) of an evaluation."""
    return list(
        session.scalars(
            select(Score).where(Score.evaluation_id == evaluation_id, Score.submitted.is_(True))
        )
    )


def counted_value(score: Score, *, independent: bool = False) -> float | None:
    """The value a score contributes: the moderated one when moderation set it (unless the
    independent view is asked for), else the submitted value; None for an abstention."""
    if not independent and score.moderated_value is not None:
        return float(score.moderated_value)
    if score.insufficient_evidence or score.value is None:
        return None
    return float(score.value)


def excluded_pairs(evaluation: Evaluation) -> set[tuple[int, int]]:
    """(evaluator, vendor) pairs whose scores do not count: conflicts the lead excluded."""
    return {(c.user_id, c.vendor_id) for c in evaluation.conflicts
            if c.resolution == ConflictResolution.EXCLUDE}


def build_inputs(evaluation: Evaluation, scores: list[Score], *,
                 independent: bool = False) -> Inputs:
    """Core inputs from loaded rows: drafts and abstentions are not values, moderated values
    replace independent ones (independent=True: the values as submitted, before moderation),
    and scores under an excluded conflict do not count."""
    key_of = {c.id: c.key for c in evaluation.criteria}
    vendor_ids = tuple(entry.vendor_id for entry in evaluation.shortlist)
    shortlisted = set(vendor_ids)
    excluded = excluded_pairs(evaluation)
    values = tuple(
        scoring.ScoreValue(s.evaluator_id, s.vendor_id, key_of[s.criterion_id], value)
        for s in scores
        if s.submitted
        and (value := counted_value(s, independent=independent)) is not None
        and s.vendor_id in shortlisted
        and s.criterion_id in key_of
        and (s.evaluator_id, s.vendor_id) not in excluded
    )
    return Inputs(
        scale=scoring.Scale(evaluation.scale_min, evaluation.scale_max),
        criteria=tuple(
            scoring.Criterion(
                c.key, c.name, float(c.weight),
                None if c.knockout_below is None else float(c.knockout_below),
            )
            for c in evaluation.criteria
        ),
        vendors=vendor_ids,
        scores=values,
        lenses=tuple(scoring.Lens(lens.name, dict(lens.weights)) for lens in evaluation.lenses),
    )


@dataclass(frozen=True)
class Sampling:
    """How the robustness analysis samples weights: draws, Dirichlet concentration, seed."""

    samples: int = 10_000
    concentration: float = 100.0
    seed: int = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Sampling:
        """From the app's config (ROBUSTNESS_SAMPLES, ROBUSTNESS_CONCENTRATION)."""
        return cls(int(config["ROBUSTNESS_SAMPLES"]),
                   float(config["ROBUSTNESS_CONCENTRATION"]))

    def as_dict(self) -> dict[str, Any]:
        return {"samples": self.samples, "concentration": self.concentration, "seed": self.seed}


#: The production sampling (config.py's defaults), for callers that pass none.
DEFAULT_SAMPLING = Sampling()


def analyse(inputs: Inputs, lens: str | None = None,
            sampling: Sampling = DEFAULT_SAMPLING) -> scoring.Analysis:
    """Run (or reuse) the core analysis for these inputs. Raises scoring.ScoringError."""
    settings = {"lens": lens, **sampling.as_dict()}
    key = inputs.fingerprint(**settings)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    result = scoring.analyse(
        inputs.scale, inputs.criteria, inputs.vendors, inputs.scores, lenses=inputs.lenses,
        lens=lens, samples=settings["samples"], concentration=settings["concentration"],
        seed=settings["seed"],
    )
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def clear_cache() -> None:
    with _lock:
        _cache.clear()

