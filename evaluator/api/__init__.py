"""Integration: the token-secured JSON API (/api/v1), token settings, admin webhooks, CLI.

routes.py      bp "api": /api/v1/..., bearer tokens only (never the session cookie), CSRF-exempt
openapi.py     the OpenAPI 3 document served at /api/v1/openapi.json (public)
settings.py    bp "integration": /settings/tokens (own tokens) and /admin/webhooks (admins)
cli.py         create-token, deliver-webhooks, watch-inbox
"""

from __future__ import annotations

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token auth, no cookies: nothing for a cross-site request to ride on
integration_bp = Blueprint("integration", __name__)

# The route modules register their views on the blueprints above.
from . import routes, settings  # noqa: E402,F401
