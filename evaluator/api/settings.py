"""Pages: a user's own API tokens (/settings/tokens) and the admins' webhooks (/admin/webhooks).

A new token's secret is rendered once in the response to the POST that created it: it is never
put in a flash message or the session (the session cookie is signed, not encrypted), and it
cannot be read again later.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..access import role_required
from ..extensions import db
from ..forms import EmptyForm
from ..infra import webhooks as webhook_service
from ..models import Role, Webhook
from ..services import api_tokens
from . import integration_bp
from .forms import TokenForm, WebhookForm


def _tokens_page(form: TokenForm, issued=None, status: int = 200):
    return render_template(
        "api/tokens.html", form=form, issued=issued, revoke_form=EmptyForm(),
        tokens=api_tokens.tokens_of(db.session, current_user)), status


@integration_bp.route("/settings/tokens")
def tokens():
    return _tokens_page(TokenForm())


@integration_bp.route("/settings/tokens", methods=["POST"])
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, status=400)
    try:
        issued = api_tokens.create_token(db.session, current_user, scope=form.scope.data,
                                         name=form.name.data or "")
    except api_tokens.TokenError as exc:
        form.name.errors.append(str(exc))
        return _tokens_page(form, status=400)
    response = _tokens_page(TokenForm(formdata=None), issued=issued, status=201)
    return response


@integration_bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        token = api_tokens.revoke_token(db.session, current_user, token_id)
    except api_tokens.TokenError:
        abort(404)
    flash(f"Token {token.prefix}… revoked: it no longer works.", "success")
    return redirect(url_for("integration.tokens"))


# ------------------------------------------------------------------------- admin webhooks


def _webhooks_page(form: WebhookForm, status: int = 200):
    return render_template(
        "api/webhooks.html", form=form, action_form=EmptyForm(),
        webhooks=webhook_service.list_webhooks(db.session),
        deliveries=webhook_service.recent_deliveries(db.session)), status


@integration_bp.route("/admin/webhooks", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def webhooks():
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            hook = webhook_service.register(
                db.session, current_user, url=form.url.data, secret=form.secret.data,
                events=form.events.data, description=form.description.data or "")
        except webhook_service.WebhookError as exc:
            form.url.errors.append(str(exc))
        else:
            flash(f"Webhook {hook.url} registered.", "success")
            return redirect(url_for("integration.webhooks"))
    return _webhooks_page(form, 400 if form.errors else 200)


def _webhook_action(webhook_id: int, action) -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(webhook_id)
    except webhook_service.WebhookError:
        abort(404)


@integration_bp.route("/admin/webhooks/<int:webhook_id>/toggle", methods=["POST"])
@role_required(Role.ADMIN)
def toggle_webhook(webhook_id: int):
    def toggle(wid):
        hook = db.session.get(Webhook, wid)
        if hook is None:
            raise webhook_service.WebhookError("No such webhook.")
        webhook_service.set_active(db.session, wid, not hook.active)
        flash(f"Webhook {hook.url} {'enabled' if hook.active else 'paused'}.", "success")

    _webhook_action(webhook_id, toggle)
    return redirect(url_for("integration.webhooks"))


@integration_bp.route("/admin/webhooks/<int:webhook_id>/ping", methods=["POST"])
@role_required(Role.ADMIN)
def ping_webhook(webhook_id: int):
    def send(wid):
        if db.session.get(Webhook, wid) is None:
            raise webhook_service.WebhookError("No such webhook.")
        webhook_service.ping(db.session, wid)
        flash("Test event queued; see the deliveries below.", "success")

    _webhook_action(webhook_id, send)
    return redirect(url_for("integration.webhooks"))


@integration_bp.route("/admin/webhooks/<int:webhook_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def delete_webhook(webhook_id: int):
    def remove(wid):
        webhook_service.delete(db.session, wid)
        flash("Webhook deleted with its delivery log.", "success")

    _webhook_action(webhook_id, remove)
    return redirect(url_for("integration.webhooks"))
