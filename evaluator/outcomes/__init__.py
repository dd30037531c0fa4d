from __future__ import annotations

from flask import Blueprint

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")

# The route modules register their views on the blueprint(s) above.
from . import routes  # noqa: E402,F401
