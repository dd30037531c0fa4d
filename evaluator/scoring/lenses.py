"""Stakeholder lenses and a Borda-count consensus across them.

A lens is the same criterion means ranked under another weight profile (finance, compliance,
operations...). The consensus shows whether the profiles agree on the winner and, when they
do not, which vendor is the best compromise.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .domain import Lens, VendorId, vendor_sort_key
from .errors import InvalidLens, InvalidWeights
from .matrix import ScoreMatrix
from .ranking import Ranking, rank_matrix, share_vector


def validate_lenses(lenses: Iterable[Lens], reserved: Sequence[str] = ()) -> tuple[Lens, ...]:
    """Lens names must be non-empty, unique and not one of ``reserved`` (e.g. the base profile)."""
    items = tuple(lenses)
    seen = set(reserved)
    for lens in items:
        if not isinstance(lens.name, str) or not lens.name.strip():
            raise InvalidLens(f"a lens needs a name, got {lens.name!r}")
        if lens.name in seen:
            raise InvalidLens(f"lens name {lens.name!r} is used twice")
        seen.add(lens.name)
    return items


def rank_lens(matrix: ScoreMatrix, lens: Lens) -> Ranking:
    """Rank under ``lens``'s weights; criteria the lens omits weigh 0 under it.

    Knockouts still apply (they are requirements, not preferences); a vendor is incomplete
    under a lens only if it lacks a value on a criterion the lens weighs.
    """
    try:
        shares = share_vector(matrix.criteria, lens.weights)
    except InvalidWeights as exc:
        raise InvalidLens(f"lens {lens.name!r}: {exc}") from exc
    return rank_matrix(matrix, shares)


def rank_lenses(matrix: ScoreMatrix, lenses: Iterable[Lens]) -> dict[str, Ranking]:
    """One ranking per lens, keyed by lens name, in the given order."""
    return {lens.name: rank_lens(matrix, lens) for lens in validate_lenses(lenses)}


@dataclass(frozen=True)
class ConsensusEntry:
    """A vendor's Borda total across lenses and its consensus rank (1 best, ties share)."""

    vendor: VendorId
    points: int
    rank: int


@dataclass(frozen=True)
class Consensus:
    """Borda consensus across lenses.

    entries: best first (ties by vendor id). winners_by_lens: each lens's rank-1 vendors that
    are not knocked out (empty if none). lenses_disagree: True when those winner sets differ.
    """

    entries: tuple[ConsensusEntry, ...]
    winners_by_lens: dict[str, tuple[VendorId, ...]]
    lenses_disagree: bool

    @property
    def winner(self) -> VendorId | None:
        """First vendor at consensus rank 1 with points > 0, or None."""
        if self.entries and self.entries[0].points > 0:
            return self.entries[0].vendor
        return None


def borda_points(ranking: Ranking) -> dict[VendorId, int]:
    """Borda points of one ranking: the number of vendors placed strictly below each vendor.

    Unranked (incomplete) vendors count as below every ranked one and score 0; tied vendors
    get the same points. With n vendors and no ties, points run n-1, n-2, ..., 0.
    """
    ranks = {r.vendor: r.rank for r in ranking.results}
    ranked = sorted(rank for rank in ranks.values() if rank is not None)
    unranked = len(ranks) - len(ranked)
    return {
        vendor: 0 if rank is None else len(ranked) - bisect_right(ranked, rank) + unranked
        for vendor, rank in ranks.items()
    }


def consensus(rankings_by_lens: Mapping[str, Ranking]) -> Consensus:
    """Borda-count consensus: sum each vendor's points over lenses and rank by the total.

    Borda rewards vendors that are consistently near the top, which is what a compromise
    between stakeholders needs; a vendor first under one lens and last under the others loses
    to one that is second everywhere.
    """
    if not rankings_by_lens:
        raise InvalidLens("a consensus needs at least one lens")
    totals: dict[VendorId, int] = {}
    for ranking in rankings_by_lens.values():
        for vendor, points in borda_points(ranking).items():
            totals[vendor] = totals.get(vendor, 0) + points
    ordered = sorted(totals, key=lambda v: (-totals[v], vendor_sort_key(v)))
    entries: list[ConsensusEntry] = []
    for position, vendor in enumerate(ordered):
        if entries and entries[-1].points == totals[vendor]:
            rank = entries[-1].rank
        else:
            rank = position + 1
        entries.append(ConsensusEntry(vendor=vendor, points=totals[vendor], rank=rank))
    winners = {name: ranking.winners for name, ranking in rankings_by_lens.items()}
    distinct = {frozenset(w) for w in winners.values()}
    return Consensus(
        entries=tuple(entries), winners_by_lens=winners, lenses_disagree=len(distinct) > 1
    )
