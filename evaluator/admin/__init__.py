from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The route modules register their views on the blueprint(s) above.
from . import audit_routes, routes  # noqa: E402,F401
