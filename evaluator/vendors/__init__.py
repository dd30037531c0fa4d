"""The vendor register and dossier: vendors, case studies, interviews, CSV import (routes.py),
reference checks (reference_routes.py); forms.py; cli.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("vendors", __name__, url_prefix="/vendors")

# The route modules register their views on the blueprint above.
from . import reference_routes, routes  # noqa: E402,F401
