from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..security import (
    login_email_key,
    login_failed,
    password_change_key,
    wrong_current_password,
)
from ..services import users as user_service
from . import bp
from .forms import ChangePasswordForm, LoginForm

TOO_MANY = "Too many failed log-in attempts. Wait 15 minutes and try again."
TOO_MANY_PASSWORDS = ("Too many wrong current passwords. Wait 15 minutes and try again, or log "
                      "out and use the log-in page.")


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=login_failed, error_message=TOO_MANY)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=login_email_key, deduct_when=login_failed, error_message=TOO_MANY)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = user_service.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            # Same message for an unknown user and a wrong password.
            flash("Invalid email or password.", "error")
            return render_template("auth/login.html", form=form), 401
        session.clear()  # a new session at login
        login_user(user, remember=form.remember.data)
        flash(f"Welcome, {user.display_name}.", "success")
        return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Ends the session on the server too: a replayed copy of the old cookie is refused
    # (every session of this user ends; the id carries session_version).
    user_service.end_sessions(db.session, current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["PASSWORD_CHANGE_LIMIT"], methods=["POST"],
               key_func=password_change_key, deduct_when=wrong_current_password,
               error_message=TOO_MANY_PASSWORDS)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            user_service.change_password(
                db.session, user, form.current_password.data, form.new_password.data)
        except user_service.WrongPassword as exc:
            g.wrong_current_password = True
            form.current_password.errors.append(str(exc))
        except user_service.UserError as exc:
            form.new_password.errors.append(str(exc))
        else:
            session.clear()
            login_user(user)  # this browser continues; every other session has ended
            flash("Password changed. Other sessions have been logged out.", "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200
