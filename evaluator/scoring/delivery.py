"""Delivery realism from a vendor's past programs: schedule slip and budget overrun.

A vendor whose case studies all landed exactly on plan is either exceptional or not telling the
whole story; the figures put planned vs actual side by side so the evaluator can judge.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidDeliveryFigure

Figure = float | int | None


def _check(name: str, value: Figure) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidDeliveryFigure(f"{name} must be a finite number, got {value!r}")
    if value < 0:
        raise InvalidDeliveryFigure(f"{name} must not be negative, got {value!r}")
    return float(value)


def _change_pct(planned: Figure, actual: Figure, what: str) -> float | None:
    p = _check(f"planned {what}", planned)
    a = _check(f"actual {what}", actual)
    if p is None or a is None or p == 0:
        return None
    return 100.0 * (a - p) / p


def schedule_slip_pct(planned_months: Figure, actual_months: Figure) -> float | None:
    """Schedule slip in percent of the plan: 100 * (actual - planned) / planned.

    Negative means early. None when either duration is missing or the plan is 0 (a slip
    relative to nothing is meaningless). Raises InvalidDeliveryFigure for negative figures.
    """
    return _change_pct(planned_months, actual_months, "duration")


def budget_overrun_pct(planned_budget: Figure, actual_budget: Figure) -> float | None:
    """Budget overrun in percent of the plan: 100 * (actual - planned) / planned.

    Negative means under budget; None when either figure is missing or the plan is 0.
    """
    return _change_pct(planned_budget, actual_budget, "budget")


@dataclass(frozen=True)
class Realism:
    """Delivery realism across a vendor's case studies.

    median_slip_pct / median_overrun_pct: medians over case studies where the figure exists
    (None if none). on_time_share: share (0-1) of case studies with both durations where
    actual <= planned (None if none). n: case studies given; n_schedule / n_budget: how many
    carried each figure.
    """

    median_slip_pct: float | None
    median_overrun_pct: float | None
    on_time_share: float | None
    n: int
    n_schedule: int
    n_budget: int


def delivery_realism(case_studies: Iterable[tuple[Figure, Figure, Figure, Figure]]) -> Realism:
    """Summarise (planned_months, actual_months, planned_budget, actual_budget) tuples."""
    slips: list[float] = []
    overruns: list[float] = []
    on_time: list[bool] = []
    n = 0
    for planned_months, actual_months, planned_budget, actual_budget in case_studies:
        n += 1
        slip = schedule_slip_pct(planned_months, actual_months)
        if slip is not None:
            slips.append(slip)
        overrun = budget_overrun_pct(planned_budget, actual_budget)
        if overrun is not None:
            overruns.append(overrun)
        if planned_months is not None and actual_months is not None:
            on_time.append(actual_months <= planned_months)
    return Realism(
        median_slip_pct=statistics.median(slips) if slips else None,
        median_overrun_pct=statistics.median(overruns) if overruns else None,
        on_time_share=sum(on_time) / len(on_time) if on_time else None,
        n=n,
        n_schedule=len(slips),
        n_budget=len(overruns),
    )
