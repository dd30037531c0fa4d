"""Schedule slip, budget overrun and delivery realism."""

from __future__ import annotations

import pytest

from evaluator.scoring import (
    InvalidDeliveryFigure,
    budget_overrun_pct,
    delivery_realism,
    schedule_slip_pct,
)


def test_slip_and_overrun_hand_computed():
    assert schedule_slip_pct(12, 15) == pytest.approx(25.0)
    assert schedule_slip_pct(10, 8) == pytest.approx(-20.0)
    assert budget_overrun_pct(2_000_000, 2_300_000) == pytest.approx(15.0)
    assert budget_overrun_pct(100, 100) == 0.0


@pytest.mark.parametrize(("planned", "actual"), [(None, 5), (5, None), (0, 5), (None, None)])
def test_missing_or_zero_plan_gives_none(planned, actual):
    assert schedule_slip_pct(planned, actual) is None
    assert budget_overrun_pct(planned, actual) is None


@pytest.mark.parametrize(("planned", "actual"), [(-1, 5), (5, -2), (float("nan"), 3), ("12", 3)])
def test_bad_figures_are_refused(planned, actual):
    with pytest.raises(InvalidDeliveryFigure):
        schedule_slip_pct(planned, actual)


def test_delivery_realism_hand_computed():
    realism = delivery_realism(
        [
            (12, 15, 100, 130),  # slip 25 %, overrun 30 %, late
            (10, 10, 200, 190),  # slip 0 %, overrun -5 %, on time
            (6, 9, None, 50),  # slip 50 %, no budget plan, late
            (8, 6, 80, 80),  # slip -25 %, overrun 0 %, on time
        ]
    )
    assert realism.median_slip_pct == pytest.approx(12.5)  # median of -25, 0, 25, 50
    assert realism.median_overrun_pct == pytest.approx(0.0)  # median of -5, 0, 30
    assert realism.on_time_share == pytest.approx(0.5)
    assert (realism.n, realism.n_schedule, realism.n_budget) == (4, 4, 3)


def test_delivery_realism_without_figures():
    realism = delivery_realism([(None, None, None, None)])
    assert realism.median_slip_pct is None and realism.on_time_share is None
    assert realism.n == 1 and realism.n_schedule == 0
    empty = delivery_realism([])
    assert empty.n == 0 and empty.median_overrun_pct is None
