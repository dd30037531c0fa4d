"""Which scores must cite evidence: the evaluation's evidence rule, as a pure function.

Rules (docs/scoring.md, "Evidence required"):

- "extremes" (default): a value at either end of the scale, and every value on a knockout
  criterion, must cite at least one case study or interview answer. The ends are where a score
  moves a ranking most and where a knockout can remove a vendor, so they need a reason on file.
- "every": every value must cite evidence.
- "none": citations are optional.

An abstention ("insufficient evidence") never needs a citation: it says there is none.
"""

from __future__ import annotations

from .domain import Scale

EVIDENCE_RULES = ("extremes", "every", "none")


def citation_required(rule: str, value: float | None, scale: Scale, *,
                      knockout: bool) -> bool:
    """True when a score with this value must cite evidence under `rule`.

    value None (no value, or an abstention) never requires one. Raises ValueError for an
    unknown rule, so a typo cannot silently switch the requirement off.
    """
    if rule not in EVIDENCE_RULES:
        raise ValueError(f"Unknown evidence rule {rule!r}; choose one of "
                         f"{', '.join(EVIDENCE_RULES)}.")
    if value is None or rule == "none":
        return False
    if rule == "every":
        return True
    return knockout or value <= scale.min or value >= scale.max


def citation_reason(rule: str, *, knockout: bool) -> str:
    """Why `citation_required` asks for a citation under `rule` (for the refusal message)."""
    if rule == "every":
        return "every score needs a citation"
    if knockout:
        return "a knockout criterion needs a citation for every score"
    return "a score at the scale's end needs a citation"
