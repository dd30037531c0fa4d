from __future__ import annotations

from flask import Blueprint

bp = Blueprint("main", __name__)

# The route modules register their views on the blueprint(s) above.
from . import routes  # noqa: E402,F401
