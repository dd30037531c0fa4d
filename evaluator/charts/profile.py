"""Where each vendor is strong or weak: criterion means on the evaluation's scale."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup

from . import source
from .svg import (
    MUTED,
    WIDTH,
    axis,
    document,
    finite,
    line,
    no_data,
    percent,
    rect,
    series_fills,
    text,
    wrap,
)

TITLE = "Criterion means per vendor"
#: More vendors than this make the groups unreadable; pick them with vendor_ids.
MAX_VENDORS = 6
X0, X1 = 200, 566
BAR, STEP = 11, 14


def _pick(vendors: list[Mapping[str, Any]], vendor_ids: Iterable[Any] | None):
    if vendor_ids is None:
        chosen = [v for v in vendors if any(
            finite(m) is not None for m in (v.get("criterion_means") or {}).values())]
    else:
        by_id = {str(v.get("id")): v for v in vendors}
        chosen = [by_id[str(i)] for i in dict.fromkeys(vendor_ids) if str(i) in by_id]
    return chosen[:MAX_VENDORS]


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    if span <= 10 and float(low).is_integer() and float(high).is_integer():
        return [low + i for i in range(int(span) + 1)]
    return [low + span * i / 4 for i in range(5)]


def criterion_profile(ranking: Any, vendor_ids: Iterable[Any] | None = None) -> Markup:
    """Grouped horizontal bars: per criterion one bar per vendor, its mean score on the scale.

    vendor_ids picks and orders the vendors (default: the ranking's order); at most
    MAX_VENDORS are drawn. Each vendor has a colour and a pattern, named in the legend;
    a dashed line marks a criterion's knock-out threshold.
    """
    criteria = source.items(ranking, "criteria")
    scale = source.section(ranking, "scale")
    low, high = finite(scale.get("min")), finite(scale.get("max"))
    vendors = _pick(source.vendors(ranking), vendor_ids)
    means = [finite(m) for v in vendors if isinstance(v.get("criterion_means"), Mapping)
             for m in v["criterion_means"].values()]
    if not criteria or low is None or high is None or high <= low or not any(
            m is not None for m in means):
        return no_data("profile", TITLE, "No criterion has a mean score yet.")
    fills, defs = series_fills(len(vendors))
    parts = [f"<defs>{defs}</defs>"] if defs else []
    legend_w = (WIDTH - 16) / 3
    for i, vendor in enumerate(vendors):
        x, y = 8 + (i % 3) * legend_w, 4 + (i // 3) * 20
        parts.append(rect(x, y, 16, 12, fills[i], stroke="#3a444d", stroke_width="0.75"))
        parts.append(text(x + 22, y + 11, source.vendor_name(vendor), size=11.5,
                          width=legend_w - 30, middle=True))
    top = 12 + ((len(vendors) + 2) // 3) * 20
    unit = (X1 - X0) / (high - low)
    said = {i: [] for i in range(len(vendors))}
    y = top
    for criterion in criteria:
        key = str(criterion.get("key"))
        name = str(criterion.get("name") or key)
        lines = wrap(name, X0 - 20, 12)
        height = max(len(vendors) * STEP, 16 * len(lines) + 30)
        for j, part in enumerate(lines):
            parts.append(text(8, y + 12 + 15 * j, part, bold=True))
        notes = []
        weight = finite(criterion.get("weight"))
        if weight is not None:
            notes.append(f"weight {percent(weight)}")
        cut = finite(criterion.get("knockout_below"))
        if cut is not None:
            notes.append(f"knock-out < {cut:g}")
        parts.append(text(8, y + 12 + 15 * len(lines), ", ".join(notes), size=10.5, fill=MUTED))
        for i, vendor in enumerate(vendors):
            means = vendor.get("criterion_means")
            mean = finite(means.get(key)) if isinstance(means, Mapping) else None
            by = y + i * STEP + (height - len(vendors) * STEP) / 2
            if mean is None:
                parts.append(text(X0 + 4, by + 9.5, "no score", size=10, italic=True, fill=MUTED))
                said[i].append(f"{name} no score")
                continue
            width = max((min(max(mean, low), high) - low) * unit, 1.5)
            parts.append(rect(X0, by, width, BAR, fills[i], stroke="#3a444d",
                              stroke_width="0.5"))
            parts.append(text(X0 + width + 5, by + 9.5, f"{mean:.1f}", size=10.5))
            said[i].append(f"{name} {mean:.1f}")
        if cut is not None and low < cut <= high:
            cx = X0 + (cut - low) * unit
            parts.append(line(cx, y - 2, cx, y + height + 2, stroke="#b03a2e",
                              stroke_width="1.25", stroke_dasharray="4 3"))
        y += height + 12
        parts.append(line(8, y - 6, WIDTH - 8, y - 6, stroke="#eef1f4"))
    ticks = [(X0 + (t - low) * unit, f"{t:g}") for t in _ticks(low, high)]
    parts.insert(1 if defs else 0, axis(X0, X1, top - 4, y - 6, ticks,
                                        f"Mean score (scale {low:g}–{high:g})"))
    desc = (f"Mean score per criterion on a scale of {low:g} to {high:g}. " + " ".join(
        f"{source.vendor_name(v)}: {', '.join(said[i])}." for i, v in enumerate(vendors)))
    return document("profile", TITLE, desc, "".join(parts), y + 34)
