"""Vendor portal: vendors send their profile, case studies and written answers through a link.

routes.py: the vendor's pages (blueprint "portal.vendor", no login: the link's token is the key);
lead_routes.py: the lead's invitations and review (blueprint "portal.lead"); forms.py; mail.py.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)
vendor_bp = Blueprint("vendor", __name__, url_prefix="/portal")
lead_bp = Blueprint("lead", __name__, url_prefix="/portal-admin")

# The route modules register their views on the blueprints above.
from . import lead_routes, routes  # noqa: E402,F401

bp.register_blueprint(vendor_bp)
bp.register_blueprint(lead_bp)
