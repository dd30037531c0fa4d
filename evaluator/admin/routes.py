from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from ..access import role_required
from ..extensions import db
from ..models import Role, User
from ..services import users as user_service
from . import bp
from .forms import RoleForm, UserForm


@bp.route("/users", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = user_service.create_user(
                db.session, form.email.data, role=form.role.data,
                password=form.password.data, name=form.name.data or "",
            )
        except user_service.UserError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(f"User {user.email} created.", "success")
            return redirect(url_for("admin.users"))
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    status = 400 if form.errors else 200
    return render_template("admin/users.html", users=rows, form=form, role_form=RoleForm(),
                           leads=user_service.led_evaluations(db.session)), status


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@role_required(Role.ADMIN)
def change_role(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose a valid role.", "error")
        return redirect(url_for("admin.users"))
    try:
        change = user_service.set_role(db.session, user, form.role.data)
    except user_service.UserError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.users"))
    flash(f"{user.email} is now {Role(user.role).label}.", "success")
    if change.demoted:
        flash(f"{user.email} is now an observer in: " + "; ".join(
            f"{evaluation.title} (was {old})" for evaluation, old in change.demoted)
            + ". Their powers there ended at once, in every session and API token.", "warning")
    if change.leaderless:
        flash("Left without a lead: " + "; ".join(e.title for e in change.leaderless)
              + ". Add a lead to each from its setup page (an administrator can).", "warning")
    return redirect(url_for("admin.users"))
