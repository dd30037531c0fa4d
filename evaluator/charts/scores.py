"""Who ranks where: weighted scores (0-100) and rank acceptability (P(rank r), 0-1)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from . import source
from .svg import (
    ACCENT,
    ID,
    LIGHT,
    MUTED,
    WIDTH,
    axis,
    document,
    finite,
    hatch,
    no_data,
    percent,
    rect,
    text,
    whole_percent,
)

ROW = 26
LABEL_X, NAME_X, NAME_W = 24, 32, 190
X0, X1 = 232, 512
SCORE_TITLE = "Weighted score per vendor"
ACCEPT_TITLE = "Rank acceptability per vendor"
#: Ranks beyond this are merged into one "rank N or lower" segment, so the legend stays short.
MAX_RANK_SEGMENTS = 5


def _names(keys: Any, criteria: dict[str, str]) -> list[str]:
    return [criteria.get(str(k), str(k)) for k in keys] if isinstance(keys, list) else []


def _vendor_label(vendor: Any, y: float, bold: bool = False) -> str:
    return text(LABEL_X, y, source.rank_label(vendor), anchor="end", fill=MUTED) + text(
        NAME_X, y, source.vendor_name(vendor), width=NAME_W, bold=bold, middle=True
    )


def score_bars(ranking: Any) -> Markup:
    """One horizontal bar per vendor: its weighted score 0-100, in rank order.

    Rank 1 is dark, other scores light; knocked-out vendors are hatched and labelled
    "knocked out"; incomplete vendors get no bar, only the word "incomplete".
    """
    vendors = source.vendors(ranking)
    if not any(finite(v.get("score")) is not None for v in vendors):
        return no_data("scores", SCORE_TITLE, "No vendor has a weighted score yet.")
    criteria = source.criterion_names(ranking)
    scale = (X1 - X0) / 100
    parts, said = [f"<defs>{hatch('ko')}</defs>"], []
    top = 10
    for i, vendor in enumerate(vendors):
        y = top + i * ROW
        score = finite(vendor.get("score"))
        name = source.vendor_name(vendor)
        leader = vendor.get("rank") == 1 and source.competing(vendor)
        parts.append(_vendor_label(vendor, y + 17, bold=leader))
        if score is None or vendor.get("incomplete"):
            gaps = _names(vendor.get("gaps"), criteria)
            note = "incomplete" + (f": no score on {source.and_list(gaps)}" if gaps else "")
            parts.append(text(X0 + 4, y + 17, note, italic=True, fill=MUTED, width=WIDTH - X0 - 8))
            said.append(f"{name}: {note}")
            continue
        width = min(max(score, 0), 100) * scale
        if vendor.get("knocked_out"):
            parts.append(rect(X0, y + 5, width, 16, f"url(#{ID}-ko)", stroke="#4b555e"))
            value = f"{score:.1f}"
            parts.append(text(X0 + width + 6, y + 17, value, bold=True)
                         + text(X0 + width + 12 + 7 * len(value), y + 17, "knocked out",
                                size=11, italic=True, fill=MUTED))
            below = _names(vendor.get("knockouts"), criteria)
            reason = f" (below the threshold on {source.and_list(below)})" if below else ""
            said.append(f"rank {source.rank_label(vendor)} {name}: {score:.1f}, knocked out{reason}")
        else:
            parts.append(rect(X0, y + 5, width, 16, ACCENT if leader else LIGHT))
            parts.append(text(X0 + width + 6, y + 17, f"{score:.1f}", bold=True))
            said.append(f"rank {source.rank_label(vendor)} {name}: {score:.1f}")
    bottom = top + len(vendors) * ROW + 4
    ticks = [(X0 + t * scale, str(t)) for t in range(0, 101, 20)]
    parts.insert(1, axis(X0, X1, top, bottom, ticks, "Weighted score (0–100)"))
    desc = "Weighted scores out of 100, in rank order: " + "; ".join(said) + "."
    return document("scores", SCORE_TITLE, desc, "".join(parts), bottom + 40)


def _segments(row: list[float], n: int) -> list[tuple[str, float]]:
    """(label, share) per drawn segment: ranks 1..MAX-1 each, the rest merged."""
    if n <= MAX_RANK_SEGMENTS:
        return [(f"Rank {r + 1}", row[r]) for r in range(n)]
    keep = MAX_RANK_SEGMENTS - 1
    rest = f"Rank {keep + 1}–{n}"
    return [(f"Rank {r + 1}", row[r]) for r in range(keep)] + [(rest, sum(row[keep:]))]


def _shade(i: int, count: int) -> str:
    """Dark (rank 1) to light (last): lightness alone orders the ranks in greyscale."""
    t = i / max(count - 1, 1)
    start, end = (0x1F, 0x4E, 0x79), (0xDD, 0xE7, 0xF0)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(start, end, strict=True))


def rank_acceptability(ranking: Any) -> Markup:
    """Per competing vendor a 100 % bar split into P(rank 1), P(rank 2), ... under weight
    uncertainty, with P(rank 1) as a percentage; knocked-out or incomplete vendors are listed
    as not competing."""
    vendors = source.vendors(ranking)
    rows = {}
    for i, vendor in enumerate(vendors):
        values = vendor.get("rank_acceptability")
        if isinstance(values, list) and values:
            rows[i] = [finite(p) or 0.0 for p in values]
    if not rows:
        return no_data("acceptability", ACCEPT_TITLE,
                       "No vendor is competing yet (complete and not knocked out).")
    n = max(len(r) for r in rows.values())
    labels = [label for label, _ in _segments([0.0] * n, n)]
    shades = [_shade(i, len(labels)) for i in range(len(labels))]
    parts, said = [], []
    x = X0
    for label, shade in zip(labels, shades, strict=True):
        parts.append(rect(x, 4, 12, 12, shade) + text(x + 16, 14, label, size=11, fill=MUTED))
        x += 24 + len(label) * 6.0
    parts.append(text(WIDTH - 8, 14, "P(rank 1)", size=11, anchor="end", bold=True, fill=MUTED))
    top, scale = 26, X1 - X0
    for i, vendor in enumerate(vendors):
        y = top + i * ROW
        name = source.vendor_name(vendor)
        parts.append(_vendor_label(vendor, y + 17))
        row = rows.get(i)
        if row is None:
            why = "knocked out" if vendor.get("knocked_out") else "incomplete"
            parts.append(text(X0 + 4, y + 17, f"not competing ({why})", italic=True, fill=MUTED))
            said.append(f"{name}: not competing ({why})")
            continue
        x = X0
        padded = row + [0.0] * (n - len(row))
        for j, ((_, share), shade) in enumerate(zip(_segments(padded, n), shades, strict=True)):
            width = min(max(share, 0), 1) * scale
            parts.append(rect(x, y + 4, width, 18, shade, stroke="#ffffff", stroke_width="0.75"))
            if width >= 34:
                ink = "#ffffff" if j < len(shades) / 2 else "#1d2731"
                parts.append(text(x + width / 2, y + 17, whole_percent(share), size=10.5,
                                  anchor="middle", fill=ink))
            x += width
        p1 = finite(vendor.get("p_rank1"))
        p1 = row[0] if p1 is None else p1
        parts.append(text(WIDTH - 8, y + 17, percent(p1), anchor="end", bold=True))
        ranks = [f"{label.lower()} {percent(share)}" for label, share in _segments(row, len(row))]
        said.append(f"{name}: {', '.join(ranks)}")
    bottom = top + len(vendors) * ROW + 4
    ticks = [(X0 + t / 100 * scale, f"{t}%") for t in range(0, 101, 25)]
    parts.insert(0, axis(X0, X1, top, bottom, ticks, "Share of draws (100% = all)"))
    desc = ("Probability of each rank when the weights vary around their agreed values: "
            + "; ".join(said) + ".")
    return document("acceptability", ACCEPT_TITLE, desc, "".join(parts), bottom + 40)
