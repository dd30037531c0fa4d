"""How far each weight can move before the winner changes: the flip weights."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from . import source
from .svg import (
    ACCENT,
    ID,
    INK,
    MUTED,
    WIDTH,
    axis,
    document,
    finite,
    fit,
    hatch,
    line,
    marker,
    no_data,
    percent,
    rect,
    text,
)

TITLE = "Flip weights: how far each criterion weight can move before the winner changes"
ROW = 44
X0, X1 = 200, 600
FLIP = "#b03a2e"


def _share(value: Any) -> float | None:
    share = finite(value)
    return None if share is None else min(max(share, 0.0), 1.0)


def _order(flip: dict[str, Any]) -> tuple[bool, float]:
    current, point = _share(flip.get("current")), _share(flip.get("flip"))
    if current is None or point is None:
        return (True, 0.0)
    return (False, abs(point - current))


def flip_tornado(ranking: Any) -> Markup:
    """Per criterion: its current weight share (0-1) and the share at which another vendor
    takes rank 1, with that vendor's name; "robust" when no share changes the winner.

    Rows are sorted by the distance between the two shares, so the weights the decision
    hinges on come first.
    """
    flips = source.items(source.section(ranking, "sensitivity"), "flips")
    rivals = [v for v in source.vendors(ranking) if source.competing(v)]
    if not flips:
        return no_data("flips", TITLE, "No criteria and scores to test yet.")
    if len(rivals) < 2:
        return no_data("flips", TITLE, "Needs at least two competing vendors "
                       "(complete and not knocked out).")
    names = source.names_by_id(ranking)
    criteria = source.criterion_names(ranking)
    winner_id = ranking.get("winner")
    winner = source.vendor_name(rivals[0]) if winner_id is None else source.lookup(names, winner_id)
    unit = X1 - X0
    parts = [f"<defs>{hatch('gap', '#d9822b')}</defs>",
             text(8, 14, f"Winner now: {winner}", bold=True, width=X0 + 120),
             rect(X0 + 130, 5, 3, 12, INK), text(X0 + 138, 15, "current weight", size=11,
                                                   fill=MUTED),
             marker("diamond", X0 + 236, 11, FLIP, r=4.5),
             text(X0 + 246, 15, "share at which the winner changes", size=11, fill=MUTED)]
    said = []
    top = 28
    ordered = sorted(flips, key=_order)
    for i, flip in enumerate(ordered):
        y = top + i * ROW
        key = str(flip.get("criterion"))
        name = criteria.get(key, key)
        current, point = _share(flip.get("current")), _share(flip.get("flip"))
        parts.append(text(8, y + 15, name, bold=True, width=X0 - 16))
        parts.append(rect(X0, y + 9, unit, 2, "#e3e8ed"))
        for t in range(0, 101, 20):
            parts.append(line(X0 + t / 100 * unit, y + 4, X0 + t / 100 * unit, y + 16))
        now = f"now {percent(current)}" if current is not None else "no current weight"
        if point is None or current is None:
            note = f"Robust: no share of this weight changes the winner ({now})"
            said.append(f"{name}: robust, {now}")
        else:
            lo, hi = sorted((current, point))
            parts.append(rect(X0 + lo * unit, y + 5, (hi - lo) * unit, 10, f"url(#{ID}-gap)",
                              stroke="#d9822b", stroke_width="0.75"))
            parts.append(marker("diamond", X0 + point * unit, y + 10, FLIP, r=5))
            rival = source.lookup(names, flip.get("takeover")) \
                if flip.get("takeover") is not None else "another vendor"
            verb = "falls" if point < current else "rises"
            said.append(f"{name}: if this weight {verb} to {percent(point)} ({now}), {rival} "
                        "takes rank 1")
            note = (f"If this weight {verb} to {percent(point)} ({now}), "
                    f"{fit(rival, 240, 11, middle=True)} takes rank 1")
        if current is not None:
            parts.append(rect(X0 + current * unit - 1.5, y + 2, 3, 16, INK))
        parts.append(text(20, y + 34, note, size=11, fill=MUTED if point is None else ACCENT,
                          width=WIDTH - 28))
    bottom = top + len(ordered) * ROW
    ticks = [(X0 + t / 100 * unit, f"{t}%") for t in range(0, 101, 20)]
    parts.insert(1, axis(X0, X1, top, bottom, ticks, "Weight share of the criterion", grid=False))
    desc = (f"The winner is {winner}. Criteria ordered by how close the weight that changes "
            "the winner is to the current weight: " + "; ".join(said) + ".")
    return document("flips", TITLE, desc, "".join(parts), bottom + 40)
