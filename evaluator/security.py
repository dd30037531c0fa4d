"""Security headers, session timeouts and login rate limiting.

Why here and not in each view: every response gets the headers, every request the timeout
check, so no page can forget them.
"""

from __future__ import annotations

import hashlib
import time

from flask import Flask, abort, flash, g, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import limiter
from .services import limits

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


def trust_proxies(app: Flask) -> None:
    """Read the client's address, scheme and host from TRUSTED_PROXIES reverse proxies.

    Behind a load balancer every request comes from the balancer's address: without this, each
    per-address limit (login, portal) would be shared by everybody. With 0 (the default) the
    X-Forwarded-* headers are ignored, since any client can send them.
    """
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops > 0:
        fixed = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
        app.wsgi_app = fixed  # type: ignore[method-assign]


def refuse_control_characters():
    """The text rule (services.limits) for every query argument and form field of every
    request, so no page, fragment or portal form can forget it: 400 naming the field, before
    any view runs, so nothing is written. JSON bodies are checked by the API's own reader."""
    fields = [*request.args.items(multi=True)]
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        fields += [*request.form.items(multi=True)]
    bad = limits.first_bad_field(fields)
    if bad:
        name, character = bad
        abort(400, f"The field '{name[:60]}' contains the control character {character}; "
                   "remove it and try again (only tab and line breaks are allowed).")


def init_security(app: Flask) -> None:
    trust_proxies(app)
    app.before_request(refuse_control_characters)
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


def password_change_key() -> str:
    """Rate-limit key for wrong current passwords: the logged-in account."""
    user_id = current_user.get_id() if current_user.is_authenticated else None
    return f"password-change:{user_id or get_remote_address()}"


def wrong_current_password(_response) -> bool:
    """Only a wrong current password counts against the password-change limit."""
    return bool(g.get("wrong_current_password"))


def api_token_key() -> str:
    """Rate-limit key for the API: the bearer token (its SHA-256, never the secret itself);
    calls without a token are counted per address."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return "api-address:" + get_remote_address()
    return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()
