"""The same scores under each stakeholder lens: who wins where, and by how much."""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup

from . import source
from .svg import (
    MARKERS,
    MUTED,
    WIDTH,
    axis,
    document,
    finite,
    line,
    marker,
    no_data,
    text,
)

TITLE = "Vendor scores under each stakeholder lens"
ROW = 28
X0, X1 = 200, 552
#: Marker colours: the solid series colours, darkest first (lighter ones vanish in print).
COLOURS = ("#1f4e79", "#d9822b", "#3d7a3d", "#7b4f9e", "#4a4a4a", "#5b9bd5")


def lens_comparison(ranking: Any) -> Markup:
    """A dot plot: per vendor one marker per lens at its score (0-100), a line spanning the
    lowest to highest score, and the range of ranks it gets; the legend names each lens's
    winner, so lenses that disagree stand out."""
    lenses = [lens for lens in source.items(ranking, "lenses")
              if any(_scored(v) for v in source.items(lens, "vendors"))]
    if not lenses:
        return no_data("lenses", TITLE, "No vendor has a score under any lens yet.")
    names = source.names_by_id(ranking)
    order = [v.get("id") for v in source.vendors(ranking)]
    for lens in lenses:  # a vendor only a lens knows of still gets its row
        order += [v.get("id") for v in source.items(lens, "vendors") if v.get("id") not in order]
    winners = []
    for lens in lenses:
        ids = lens.get("winners") if isinstance(lens.get("winners"), list) else []
        winners.append([source.lookup(names, w) for w in ids])
    disagree = source.section(ranking, "consensus").get("lenses_disagree")
    if not isinstance(disagree, bool):
        disagree = len({tuple(w) for w in winners}) > 1
    if len(lenses) == 1:
        headline = f"One lens ({lenses[0].get('name')}); winner: {source.and_list(winners[0])}"
    elif disagree:
        headline = "The lenses disagree on the winner"
    else:
        headline = f"All lenses pick the same winner: {source.and_list(winners[0]) or 'none'}"
    styles = [(MARKERS[(j + j // len(MARKERS)) % len(MARKERS)], COLOURS[j % len(COLOURS)])
              for j in range(len(lenses))]
    lens_names = [str(lens.get("name") or f"Lens {j + 1}") for j, lens in enumerate(lenses)]
    entries = [{v.get("id"): v for v in source.items(lens, "vendors") if _scored(v)}
               for lens in lenses]
    low, high, step = _range([finite(v.get("score")) or 0.0 for e in entries for v in e.values()])
    unit = (X1 - X0) / (high - low)
    parts = [text(8, 14, headline, bold=True, width=WIDTH - 16)]
    said = []
    for j, (shape, colour) in enumerate(styles):
        y = 34 + j * 18
        parts.append(marker(shape, 16, y - 4, colour, r=4.5))
        parts.append(text(28, y, lens_names[j], size=11.5, bold=True, width=X0 - 36))
        won = source.and_list(winners[j]) or "no winner"
        parts.append(text(X0, y, f"winner: {won}", size=11.5, fill=MUTED, width=WIDTH - X0 - 8))
        said.append(f"{lens_names[j]}: winner {won}")
    top = 34 + len(lenses) * 18 + 10
    any_hollow = False
    for i, vendor_id in enumerate(order):
        y = top + i * ROW + ROW / 2
        name = source.lookup(names, vendor_id)
        parts.append(text(8, y + 4, name, width=X0 - 16, middle=True))
        dots, ranks, scores = [], [], []
        for j, (shape, colour) in enumerate(styles):
            entry = entries[j].get(vendor_id)
            if entry is None:
                continue
            score = finite(entry.get("score")) or 0.0
            if isinstance(entry.get("rank"), int):
                ranks.append(entry["rank"])
            scores.append(score)
            ko = bool(entry.get("knocked_out"))
            any_hollow |= ko
            offset = (j - (len(lenses) - 1) / 2) * min(4.0, 14 / len(lenses))
            dots.append(marker(shape, X0 + (score - low) * unit, y + offset, colour, hollow=ko,
                               r=4.5))
            said.append(f"{name} under {lens_names[j]}: {score:.1f}"
                        + (", knocked out" if ko else ""))
        if not scores:
            parts.append(text(X0 + 4, y + 4, "incomplete under every lens", size=11,
                              italic=True, fill=MUTED))
            said.append(f"{name}: incomplete under every lens")
            continue
        if len(scores) < len(lenses):
            said.append(f"{name}: no score under {len(lenses) - len(scores)} of "
                        f"{len(lenses)} lenses")
        parts.append(line(X0 + (min(scores) - low) * unit, y, X0 + (max(scores) - low) * unit, y,
                          stroke="#9aa5af", stroke_width="3", stroke_linecap="round"))
        parts.extend(dots)
        if ranks:
            spread = f"rank {min(ranks)}" if min(ranks) == max(ranks) else \
                f"ranks {min(ranks)}–{max(ranks)}"
            parts.append(text(WIDTH - 8, y + 4, spread, size=11, anchor="end", fill=MUTED))
    bottom = top + len(order) * ROW + 2
    ticks = [(X0 + (t - low) * unit, str(t)) for t in range(int(low), int(high) + 1, step)]
    caption = "Weighted score (0–100) under each lens" + (
        f", axis {low:g}–{high:g}" if (low, high) != (0, 100) else "")
    parts.insert(1, axis(X0, X1, top, bottom, ticks, caption))
    if any_hollow:
        parts.append(text(8, bottom + 48, "Hollow marker: knocked out under that lens.",
                          size=10.5, italic=True, fill=MUTED))
    desc = f"{headline}. " + "; ".join(said) + "."
    return document("lenses", TITLE, desc, "".join(parts), bottom + (56 if any_hollow else 40))


def _scored(entry: Any) -> bool:
    return finite(entry.get("score")) is not None and not entry.get("incomplete")


def _range(scores: list[float]) -> tuple[float, float, int]:
    """Axis limits and tick step around the scores, within 0-100 and at least 20 points wide:
    dots need no zero baseline, and zooming in makes the differences between lenses visible."""
    for step in (10, 20):
        low = max(0, math.floor(min(scores) / step) * step)
        high = min(100, math.ceil(max(scores) / step) * step)
        if high - low < 20:
            high = min(100, low + 20)
            low = high - 20
        if high - low <= 50:
            break
    return float(low), float(high), step
