"""SVG primitives shared by the chart builders: escaping, text, fills, markers, the document.

Written by hand rather than with a plotting library (convention 7 asks why): the charts must be
plain static SVG that the browser shows without JavaScript and WeasyPrint draws in the PDF memo,
with our own text alternative and escaping. A library such as matplotlib would add a heavy
dependency for five bar charts and emit fonts, ids and styles we do not control.

Units: one user unit is one CSS pixel; WIDTH = 640 px is 169 mm, the text width of an A4 page
with 20 mm margins. Only presentation attributes are used (no style attributes), so the charts
survive a strict Content-Security-Policy.
"""

from __future__ import annotations

import hashlib
import math
import re

from markupsafe import Markup, escape

WIDTH = 640
FONT = "Helvetica, Arial, sans-serif"
INK = "#1d2731"
MUTED = "#5b6670"
GRID = "#d5dbe1"
ACCENT = "#1f4e79"
LIGHT = "#8fb1d1"
#: Stands for the chart's id prefix while the SVG is built; replaced by a hash of the content,
#: so two charts on one page never share pattern ids. Control characters never reach the text.
ID = "\x01"
#: Average glyph width of the font as a share of the font size (Helvetica, mixed case).
GLYPH = 0.56

#: Characters XML 1.0 forbids (and lone surrogates, which cannot be encoded): a vendor name
#: holding one would make the PDF renderer reject the whole SVG.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

#: Series looks for vendors and lenses: colour plus a pattern, so print in greyscale still
#: tells them apart. (colour, pattern) with pattern one of the names in _pattern().
SERIES = (
    ("#1f4e79", "solid"),
    ("#d9822b", "diagonal"),
    ("#8fb1d1", "solid"),
    ("#3d7a3d", "dots"),
    ("#7b4f9e", "horizontal"),
    ("#4a4a4a", "cross"),
)
MARKERS = ("circle", "square", "triangle", "diamond", "down", "plus")


def clean(value: object) -> str:
    """Text fit for XML: forbidden characters dropped, whitespace runs collapsed."""
    return " ".join(_NOT_XML.sub("", str(value)).split())


def esc(value: object) -> str:
    return str(escape(clean(value)))


def fit(value: object, width: float, size: float = 12, middle: bool = False) -> str:
    """Cut text with an ellipsis so it fits roughly ``width`` px at font ``size`` px.

    ``middle`` keeps the end too: vendor names often differ only there ("Acme UK", "Acme US").
    """
    text = clean(value)
    room = max(2, int(width / (size * GLYPH)))
    if len(text) <= room:
        return text
    if not middle:
        return text[: room - 1].rstrip() + "…"
    tail = (room - 1) * 2 // 5
    return text[: room - 1 - tail].rstrip() + "…" + text[len(text) - tail:].lstrip()


def wrap(value: object, width: float, size: float = 12, lines: int = 2) -> list[str]:
    """Word-wrap text into at most ``lines`` lines of about ``width`` px; the last one is cut."""
    words, out = clean(value).split(" "), [""]
    room = max(1, int(width / (size * GLYPH)))
    for word in words:
        candidate = f"{out[-1]} {word}".strip()
        if len(candidate) <= room or not out[-1]:
            out[-1] = candidate
        elif len(out) < lines:
            out.append(word)
        else:
            out[-1] = candidate
            break
    return [fit(part, width, size) for part in out] if out != [""] else []


def num(value: float) -> str:
    """A coordinate: one decimal is finer than a printer dot at this size, and deterministic."""
    return f"{value:.1f}"


def whole_percent(share: float) -> str:
    """A share as a whole percentage for tight labels; never shows 0 or 100 for a non-zero
    or non-certain value."""
    label = f"{share * 100:.0f}%"
    if label == "100%" and share < 1:
        return ">99%"
    return "<1%" if label == "0%" and share > 0 else label


def percent(share: float) -> str:
    """A probability or share (0-1) as a percentage; never rounds a non-zero value to 0 or 100."""
    if 0 < share < 0.0005:
        return "<0.1%"
    if 0.9995 < share < 1:
        return ">99.9%"
    return f"{share * 100:.1f}%" if share not in (0, 1) else f"{share * 100:.0f}%"


def finite(value: object) -> float | None:
    """A number from the ranking object, or None for null, bools, text and NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def text(
    x: float, y: float, content: object, *, size: float = 12, anchor: str = "start",
    bold: bool = False, italic: bool = False, fill: str = INK, width: float | None = None,
    middle: bool = False,
) -> str:
    """A <text> element; with ``width`` the text is cut to fit and the full text kept as a tip."""
    shown = fit(content, width, size, middle) if width is not None else clean(content)
    attrs = f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if bold:
        attrs += ' font-weight="bold"'
    if italic:
        attrs += ' font-style="italic"'
    if fill != INK:
        attrs += f' fill="{fill}"'
    tip = f"<title>{esc(content)}</title>" if shown != clean(content) else ""
    return f"<text {attrs}>{tip}{escape(shown)}</text>"


def rect(x: float, y: float, w: float, h: float, fill: str, **extra: str) -> str:
    attrs = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in extra.items())
    return f'<rect x="{num(x)}" y="{num(y)}" width="{num(max(w, 0))}" height="{num(h)}" fill="{fill}"{attrs}/>'


def line(x1: float, y1: float, x2: float, y2: float, stroke: str = GRID, **extra: str) -> str:
    attrs = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in extra.items())
    return (
        f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" stroke="{stroke}"{attrs}/>'
    )


def _pattern(name: str, colour: str, kind: str) -> str:
    """A 6 px tile: background white, foreground ``colour`` drawn as ``kind``."""
    head = f'<pattern id="{ID}-{name}" patternUnits="userSpaceOnUse" width="6" height="6"'
    paper = '<rect width="6" height="6" fill="#ffffff"/>'
    if kind == "diagonal":
        return (f'{head} patternTransform="rotate(45)">{paper}'
                f'<rect width="3" height="6" fill="{colour}"/></pattern>')
    if kind == "horizontal":
        return f'{head}>{paper}<rect width="6" height="2.5" fill="{colour}"/></pattern>'
    if kind == "cross":
        return (f'{head}>{paper}<rect width="6" height="2" fill="{colour}"/>'
                f'<rect width="2" height="6" fill="{colour}"/></pattern>')
    # dots
    return f'{head}>{paper}<circle cx="3" cy="3" r="1.8" fill="{colour}"/></pattern>'


def series_fills(count: int) -> tuple[list[str], str]:
    """Fill attribute values for ``count`` series and the <defs> content they need."""
    fills, defs = [], []
    for i in range(count):
        colour, kind = SERIES[i % len(SERIES)]
        if kind == "solid":
            fills.append(colour)
        else:
            defs.append(_pattern(f"s{i}", colour, kind))
            fills.append(f"url(#{ID}-s{i})")
    return fills, "".join(defs)


def hatch(name: str, colour: str = "#6f7a84") -> str:
    """The diagonal hatch marking knocked-out vendors."""
    return _pattern(name, colour, "diagonal")


def marker(kind: str, x: float, y: float, colour: str, hollow: bool = False, r: float = 5) -> str:
    """A lens marker: shape and colour differ per lens; hollow for a knocked-out vendor."""
    paint = f'fill="{"#ffffff" if hollow else colour}" stroke="{colour}" stroke-width="1.5"'
    if kind == "circle":
        return f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" {paint}/>'
    if kind == "square":
        return f'<rect x="{num(x - r)}" y="{num(y - r)}" width="{num(2 * r)}" height="{num(2 * r)}" {paint}/>'
    if kind == "plus":
        w = r * 0.45
        points = [(-w, -r), (w, -r), (w, -w), (r, -w), (r, w), (w, w), (w, r), (-w, r),
                  (-w, w), (-r, w), (-r, -w), (-w, -w)]
    else:
        points = {
            "triangle": [(0, -r * 1.15), (r * 1.1, r * 0.8), (-r * 1.1, r * 0.8)],
            "down": [(0, r * 1.15), (r * 1.1, -r * 0.8), (-r * 1.1, -r * 0.8)],
        }.get(kind, [(0, -r * 1.2), (r * 1.2, 0), (0, r * 1.2), (-r * 1.2, 0)])
    coords = " ".join(f"{num(x + dx)},{num(y + dy)}" for dx, dy in points)
    return f'<polygon points="{coords}" {paint}/>'


def document(kind: str, title: str, desc: str, body: str, height: float) -> Markup:
    """The complete <svg>: role img, <title> and <desc> as its accessible name and description."""
    height = math.ceil(height)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{ID}-title {ID}-desc" font-family="{FONT}" font-size="12" fill="{INK}">'
        f'<title id="{ID}-title">{esc(title)}</title><desc id="{ID}-desc">{esc(desc)}</desc>'
        f"{body}</svg>"
    )
    uid = f"chart-{kind}-" + hashlib.sha256(svg.encode()).hexdigest()[:10]
    # Every text piece went through esc(); numbers are formatted by us.
    return Markup(svg.replace(ID, uid))  # nosec


def no_data(kind: str, title: str, reason: str) -> Markup:
    """The placeholder for a chart with nothing to draw: says so, and why."""
    body = (
        rect(1, 1, WIDTH - 2, 78, "#f7f9fb", stroke=GRID, stroke_dasharray="4 3", rx="6")
        + text(WIDTH / 2, 36, "No data yet", size=15, anchor="middle", bold=True, fill=MUTED)
        + text(WIDTH / 2, 58, reason, size=12, anchor="middle", fill=MUTED, width=WIDTH - 40)
    )
    return document(kind, title, f"No data yet. {reason}", body, 80)


def axis(x0: float, x1: float, top: float, bottom: float, ticks: list[tuple[float, str]],
         caption: str, grid: bool = True) -> str:
    """Vertical grid lines from ``top`` to ``bottom``, tick labels and a caption below."""
    parts = []
    for pos, label in ticks:
        if grid:
            parts.append(line(pos, top, pos, bottom))
        parts.append(text(pos, bottom + 14, label, size=10.5, anchor="middle", fill=MUTED))
    parts.append(line(x0, bottom, x1, bottom, stroke="#9aa5af"))
    parts.append(text((x0 + x1) / 2, bottom + 30, caption, size=11, anchor="middle", fill=MUTED))
    return "".join(parts)
