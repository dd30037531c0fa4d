"""Plain input records of the scoring core.

The service layer converts database rows into these frozen dataclasses; the core never sees a
session or a model. Vendor and evaluator identities are any hashable value (the app passes
integer ids or strings); criteria are identified by their ``key`` string.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from .errors import InvalidScale

VendorId = Hashable
EvaluatorId = Hashable


@dataclass(frozen=True)
class Scale:
    """The score scale of an evaluation, in scale points (default 1..5).

    Scores are mapped linearly onto 0-100 using these fixed bounds, never the observed
    min/max, so adding or removing a vendor cannot change another vendor's score.
    """

    min: float = 1.0
    max: float = 5.0

    def __post_init__(self) -> None:
        lo, hi = self.min, self.max
        if not (_is_number(lo) and _is_number(hi)):
            raise InvalidScale(f"scale bounds must be finite numbers, got min={lo!r}, max={hi!r}")
        if not lo < hi:
            raise InvalidScale(f"scale min must be below max, got min={lo!r}, max={hi!r}")

    @property
    def span(self) -> float:
        """Width of the scale in scale points (max - min), > 0."""
        return float(self.max) - float(self.min)


@dataclass(frozen=True)
class Criterion:
    """One evaluation criterion.

    ``weight`` is a raw non-negative number (any unit: points, percent); the core normalises
    weights to shares that sum to 1. ``knockout_below`` is in scale points: a vendor whose mean
    on this criterion is strictly below it is knocked out.
    """

    key: str
    name: str = ""
    weight: float = 1.0
    knockout_below: float | None = None


@dataclass(frozen=True)
class ScoreValue:
    """One submitted, non-abstained score, in scale points.

    Drafts and "insufficient evidence" answers are filtered out by the service layer: they are
    not values and never reach the core.
    """

    evaluator: EvaluatorId
    vendor: VendorId
    criterion: str
    value: float


@dataclass(frozen=True)
class Lens:
    """A named stakeholder weight profile (e.g. "Finance").

    ``weights`` maps criterion keys to raw non-negative weights; a criterion the lens does not
    mention weighs 0 under that lens (so a lens can focus on a few criteria).
    """

    name: str
    weights: Mapping[str, float] = field(default_factory=dict)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def vendor_sort_key(vendor: VendorId) -> tuple[int, object]:
    """Deterministic tie order for vendor ids: integers numerically, then everything else by str.

    Used wherever equal scores need a stable order, so results never depend on input order.
    """
    if isinstance(vendor, int) and not isinstance(vendor, bool):
        return (0, vendor)
    return (1, str(vendor))
