"""The calibration chart of the model page: predicted vs observed success, as inline SVG.

Built from numbers only (every label is fixed text or a formatted number), so it needs no
escaping; markupsafe.Markup marks it safe for the template.
"""

from __future__ import annotations

from markupsafe import Markup

SIZE, PAD = 320, 44


def _xy(p: float, q: float) -> tuple[float, float]:
    span = SIZE - 2 * PAD
    return PAD + p * span, SIZE - PAD - q * span


def calibration_svg(bins: list[dict]) -> Markup:
    """Each bin: mean predicted (x) vs observed share (y) with its 95 % interval; the diagonal
    is perfect calibration."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" '
        f'height="{SIZE}" role="img" aria-labelledby="calib-title" class="chart">',
        '<title id="calib-title">Calibration: predicted probability of success against the '
        "observed share of successful programs, by group of programs</title>",
    ]
    x0, y0 = _xy(0, 0)
    x1, y1 = _xy(1, 1)
    parts.append(f'<rect x="{x0}" y="{y1}" width="{x1 - x0}" height="{y0 - y1}" fill="none" '
                 'stroke="#b0bec5"/>')
    for tick in (0, 0.25, 0.5, 0.75, 1):
        tx, _ = _xy(tick, 0)
        _, ty = _xy(0, tick)
        parts.append(f'<text x="{tx:.1f}" y="{y0 + 16}" font-size="11" text-anchor="middle">'
                     f"{tick:.0%}</text>")
        parts.append(f'<text x="{x0 - 6}" y="{ty + 4:.1f}" font-size="11" text-anchor="end">'
                     f"{tick:.0%}</text>")
    parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#90a4ae" '
                 'stroke-dasharray="4 4"/>')
    parts.append(f'<text x="{(x0 + x1) / 2}" y="{SIZE - 8}" font-size="12" '
                 'text-anchor="middle">Predicted (validation)</text>')
    parts.append(f'<text x="12" y="{(y0 + y1) / 2}" font-size="12" text-anchor="middle" '
                 f'transform="rotate(-90 12 {(y0 + y1) / 2})">Observed success</text>')
    for b in bins:
        cx, cy = _xy(b["mean_predicted"], b["observed"])
        _, lo = _xy(0, b["observed_ci95"][0])
        _, hi = _xy(0, b["observed_ci95"][1])
        parts.append(f'<line x1="{cx:.1f}" y1="{lo:.1f}" x2="{cx:.1f}" y2="{hi:.1f}" '
                     'stroke="#1f4e79"/>')
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="#1f4e79"><title>'
                     f'{int(b["n"])} programs: predicted {b["mean_predicted"]:.0%}, observed '
                     f'{b["observed"]:.0%}</title></circle>')
    parts.append("</svg>")
    # Only numbers we formatted ourselves go into this SVG.
    return Markup("".join(parts))  # nosec
