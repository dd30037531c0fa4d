"""Security headers, session timeouts and login rate limiting.

Why here and not in each view: every response gets the headers, every request the timeout
check, so no page can forget them.
"""

from __future__ import annotations

import time

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from .extensions import limiter

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_user and current_user.is_authenticated:
        headers.setdefault("Cache-Control", "no-store")
    return response


def _hsts(response):
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _session_timeouts(app: Flask):
    idle = int(app.config["SESSION_IDLE_TIMEOUT"])
    absolute = int(app.config["SESSION_ABSOLUTE_TIMEOUT"])

    def check():
        if not current_user.is_authenticated:
            return None
        now = int(time.time())
        started = session.get("_started", now)
        seen = session.get("_seen", now)
        if now - seen > idle or now - started > absolute:
            logout_user()
            session.clear()
            if request.path.startswith("/api/"):
                return None
            flash("Your session expired. Please log in again.", "info")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        session.setdefault("_started", now)
        if now - seen >= 60 or "_seen" not in session:  # avoid a new cookie on every request
            session["_seen"] = now
        return None

    return check


def init_security(app: Flask) -> None:
    limiter.init_app(app)
    app.after_request(_security_headers)
    if app.config.get("PRODUCTION"):
        app.after_request(_hsts)
    app.before_request(_session_timeouts(app))


def login_email_key() -> str:
    """Rate-limit key for one account: the submitted email, normalised."""
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


def login_failed(response) -> bool:
    """Only failed logins count against the limits (a 401 from the login view)."""
    return response.status_code == 401
