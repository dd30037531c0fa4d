"""Server-side SVG charts of the ranking object, used by both the HTML pages and the PDF memo.

Every builder takes the plain ranking object (evaluator.services.analysis.ranking_object; fields
in docs/scoring.md, "JSON output") and returns a Markup holding one complete <svg>: a viewBox
640 px (169 mm, the text width of A4) wide, role="img", a <title> and a <desc> that states the
key numbers as the text alternative. All text is escaped; output is deterministic for equal
input; colour is never the only cue (patterns, shapes and labels). Missing or empty data gives a
"No data yet" chart, never an exception. No Flask or SQLAlchemy here: charts are pure.
"""

from .lenses import lens_comparison
from .profile import MAX_VENDORS, criterion_profile
from .scores import rank_acceptability, score_bars
from .sensitivity import flip_tornado

__all__ = [
    "MAX_VENDORS",
    "criterion_profile",
    "flip_tornado",
    "lens_comparison",
    "rank_acceptability",
    "score_bars",
]
