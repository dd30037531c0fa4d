"""Evaluations: list, creation, overview and status steps (routes.py), setup (setup_routes.py),
scoring (scoring_routes.py), comparison and decision (compare_routes.py), the PDF memo
(memo_routes.py); forms.py; cli.py (import/export, ranking, memo commands)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")

# The route modules register their views on the blueprint above.
from . import (  # noqa: E402,F401
    compare_routes,
    conflict_routes,
    memo_routes,
    moderation_routes,
    routes,
    scoring_routes,
    setup_routes,
)
