"""Relevance of a vendor's track record to our program's context, and integration/compliance fit.

"Look for delivery in organisations with similar constraints" made transparent: each facet the
program specifies is compared with the case study, gives a match in [0, 1], and counts with its
weight. Relevance = sum(w_f * match_f) / sum(w_f) over the facets the program specifies, so it
lies in [0, 1] and a better match on any facet never lowers it. Facets the program leaves empty
do not count; a case study that leaves a facet empty matches 0 on it (no claim, no credit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .errors import InvalidWeights

#: Default facet weights (raw, normalised over the facets the program specifies).
DEFAULT_WEIGHTS: dict[str, float] = {
    "sector": 3.0,
    "regimes": 3.0,
    "org_size": 2.0,
    "budget_band": 1.0,
    "duration_band": 1.0,
}
ORG_SIZES = ("small", "medium", "large", "enterprise")
#: Badge thresholds on relevance (0-1).
HIGH, MEDIUM = 2 / 3, 1 / 3
#: A case study counts as relevant evidence from this relevance up.
RELEVANT_FROM = 0.5


@dataclass(frozen=True)
class ProgramContext:
    """Our program. Bands are (low, high) inclusive: budget in currency units, duration in months."""

    sector: str = ""
    org_size: str = ""
    regimes: tuple[str, ...] = ()
    budget_band: tuple[float, float] | None = None
    duration_band: tuple[float, float] | None = None
    systems: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping | None) -> ProgramContext:
        data = data or {}

        def band(value):
            if not value or len(value) != 2 or value[0] is None or value[1] is None:
                return None
            low, high = float(value[0]), float(value[1])
            return (min(low, high), max(low, high))

        return cls(
            sector=str(data.get("sector") or "").strip(),
            org_size=str(data.get("org_size") or "").strip().lower(),
            regimes=tuple(_split(data.get("regimes"))),
            budget_band=band(data.get("budget_band")),
            duration_band=band(data.get("duration_band")),
            systems=tuple(_split(data.get("systems"))),
            certifications=tuple(_split(data.get("certifications"))),
        )


@dataclass(frozen=True)
class CaseFacts:
    """What a case study says about its client and size (from the dossier)."""

    sector: str = ""
    org_size: str = ""
    regimes: tuple[str, ...] = ()
    budget: float | None = None
    months: float | None = None


@dataclass(frozen=True)
class FacetMatch:
    facet: str
    weight: float  # share 0-1 among the facets that count
    match: float  # 0-1
    program: str
    case: str


@dataclass(frozen=True)
class Relevance:
    score: float | None  # 0-1; None when the program specifies no facet
    facets: tuple[FacetMatch, ...]

    @property
    def badge(self) -> str:
        if self.score is None:
            return "unknown"
        return "high" if self.score >= HIGH else "medium" if self.score >= MEDIUM else "low"


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _band_match(value: float | None, band: tuple[float, float]) -> float:
    """1 inside the band, 0.5 within a factor of two of it, else 0."""
    if value is None or value <= 0:
        return 0.0
    low, high = band
    if low <= value <= high:
        return 1.0
    if low / 2 <= value <= high * 2:
        return 0.5
    return 0.0


def _size_match(program: str, case: str) -> float:
    if program not in ORG_SIZES or case not in ORG_SIZES:
        return 1.0 if program and program == case else 0.0
    distance = abs(ORG_SIZES.index(program) - ORG_SIZES.index(case))
    return {0: 1.0, 1: 0.5}.get(distance, 0.0)


def facet_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    merged = dict(DEFAULT_WEIGHTS)
    for key, value in (weights or {}).items():
        if key not in DEFAULT_WEIGHTS:
            raise InvalidWeights(f"unknown relevance facet {key!r}; facets: "
                                 f"{', '.join(DEFAULT_WEIGHTS)}")
        if value is None or value < 0 or value != value:
            raise InvalidWeights(f"relevance weight of {key!r} must be a non-negative number")
        merged[key] = float(value)
    return merged


def relevance(program: ProgramContext, case: CaseFacts,
              weights: Mapping[str, float] | None = None) -> Relevance:
    w = facet_weights(weights)
    rows: list[tuple[str, float, float, str, str]] = []
    if program.sector:
        rows.append(("sector", w["sector"],
                     1.0 if _norm(program.sector) == _norm(case.sector) else 0.0,
                     program.sector, case.sector))
    if program.regimes:
        wanted = {_norm(r) for r in program.regimes}
        have = {_norm(r) for r in case.regimes}
        rows.append(("regimes", w["regimes"], len(wanted & have) / len(wanted),
                     ", ".join(program.regimes), ", ".join(case.regimes)))
    if program.org_size:
        rows.append(("org_size", w["org_size"], _size_match(program.org_size,
                                                             case.org_size.lower()),
                     program.org_size, case.org_size))
    if program.budget_band:
        rows.append(("budget_band", w["budget_band"], _band_match(case.budget,
                                                                   program.budget_band),
                     f"{program.budget_band[0]:,.0f}–{program.budget_band[1]:,.0f}",
                     "" if case.budget is None else f"{case.budget:,.0f}"))
    if program.duration_band:
        rows.append(("duration_band", w["duration_band"], _band_match(case.months,
                                                                       program.duration_band),
                     f"{program.duration_band[0]:g}–{program.duration_band[1]:g} months",
                     "" if case.months is None else f"{case.months:g} months"))
    total = sum(weight for _, weight, *_ in rows)
    if not rows or total <= 0:
        return Relevance(None, tuple(FacetMatch(f, 0.0, m, p, c) for f, _, m, p, c in rows))
    facets = tuple(FacetMatch(f, weight / total, m, p, c) for f, weight, m, p, c in rows)
    score = sum(f.weight * f.match for f in facets)
    return Relevance(min(1.0, max(0.0, score)), facets)


@dataclass(frozen=True)
class EvidenceSummary:
    n_case_studies: int
    n_relevant: int
    mean_relevance: float | None
    relevant_on_time_share: float | None  # among relevant ones with planned and actual months


def summarise(relevances: Sequence[Relevance],
              on_time: Sequence[bool | None]) -> EvidenceSummary:
    """Per vendor: how much relevant evidence it has (relevance >= RELEVANT_FROM)."""
    scores = [r.score for r in relevances if r.score is not None]
    relevant = [i for i, r in enumerate(relevances)
                if r.score is not None and r.score >= RELEVANT_FROM]
    timed = [on_time[i] for i in relevant if on_time[i] is not None]
    return EvidenceSummary(
        n_case_studies=len(relevances),
        n_relevant=len(relevant),
        mean_relevance=sum(scores) / len(scores) if scores else None,
        relevant_on_time_share=(sum(1 for t in timed if t) / len(timed)) if timed else None,
    )


@dataclass(frozen=True)
class FitCell:
    requirement: str
    kind: str  # "system" or "certification"
    status: str  # proven / missing (systems); valid / expiring / expired / missing (certs)
    detail: str = ""


def fit(program: ProgramContext, integrations: Iterable[tuple[str, str]],
        certifications: Iterable[tuple[str, date | None]], today: date,
        expiring_days: int = 90) -> list[FitCell]:
    """Integration and compliance fit of one vendor against what the program needs.

    integrations: (kind, product) pairs the vendor has proven; a required system matches when
    it equals the kind (e.g. "mainframe") or appears in the product (e.g. "SAP").
    certifications: (name, expires_on) pairs; a certificate expiring within expiring_days is
    flagged "expiring", a past expiry "expired".
    """
    integrations = [(_norm(k), _norm(p)) for k, p in integrations]
    certs = [(_norm(n), n, exp) for n, exp in certifications]
    cells = []
    for system in program.systems:
        s = _norm(system).replace(" ", "_")
        proven = [p or k for k, p in integrations if s == k or _norm(system) in p or s in k]
        cells.append(FitCell(system, "system", "proven" if proven else "missing",
                             ", ".join(sorted(set(proven)))))
    for required in program.certifications:
        matches = [(name, exp) for n, name, exp in certs if n == _norm(required)]
        if not matches:
            cells.append(FitCell(required, "certification", "missing"))
            continue
        expiries = [exp for _, exp in matches]
        best = None if any(e is None for e in expiries) else max(expiries)
        if best is None:
            status, detail = "valid", "no expiry recorded"
        elif best < today:
            status, detail = "expired", f"expired {best.isoformat()}"
        elif (best - today).days <= expiring_days:
            status, detail = "expiring", f"expires {best.isoformat()}"
        else:
            status, detail = "valid", f"until {best.isoformat()}"
        cells.append(FitCell(required, "certification", status, detail))
    return cells
