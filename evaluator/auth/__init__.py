"""Login, logout and the Flask-Login user loader."""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_login import current_user

from ..extensions import db, login_manager
from ..models import User
from ..web import page_cache


def setup_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        # The id carries the user's session_version: bumping it ends every old session.
        try:
            user_id, version = (int(part) for part in token.split(":", 1))
        except ValueError:
            return None
        user = page_cache.load_reader(db.session, user_id)
        if user is None or not user.active or user.session_version != version:
            return None
        return user

    @app.before_request
    def require_login():
        endpoint = request.endpoint or ""
        if endpoint.startswith("api.") or request.path.startswith("/api/"):  # bearer tokens only
            return None
        public = endpoint in PUBLIC_ENDPOINTS or endpoint.startswith("static")
        if not public and not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None


# Every other endpoint needs a logged-in user (checked centrally, so no route can forget it).
PUBLIC_ENDPOINTS = {
    "auth.login", "main.healthz", "static",
    # Vendor portal: no login, the invitation token in the URL is the key (portal/routes.py).
    "portal.vendor.welcome", "portal.vendor.start", "portal.vendor.submit",
    "portal.vendor.profile", "portal.vendor.new_case_study", "portal.vendor.edit_case_study",
    "portal.vendor.remove_case_study", "portal.vendor.answers",
}

bp = Blueprint("auth", __name__)

# The route modules register their views on the blueprint(s) above.
from . import routes  # noqa: E402,F401
