"""Vendor portal blueprints: the vendor's side at /portal/<token>, the lead's at /portal-admin.

The vendor's pages are public in auth.PUBLIC_ENDPOINTS: the token in the link is the only key.
Every vendor view goes through ``portal_view``, which resolves the token to its invitation (or
answers the same 404 for every failure), limits the request rate per link and per address,
and attributes what the view writes to "vendor-portal:<invitation id>" in the audit trail. A
vendor never logs in: the session cookie only carries the CSRF token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from ..audit import acting_as
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..models import PortalSection
from ..services import portal as portal_service
from ..services.portal import MAX_CASE_STUDIES, PortalError, VendorAccess
from . import vendor_bp
from .forms import PortalCaseStudyForm, ProfileForm, SubmitForm, answers_form

#: Bytes a vendor may send in one request (the app-wide limit is MAX_CONTENT_LENGTH).
DEFAULT_MAX_REQUEST_BYTES = 512 * 1024
TOO_MANY = "Too many requests from this link or address. Wait a minute, then try again."


def _token_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "portal-token:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _limits(view: Callable) -> Callable:
    """Per link and per address (several vendors may share an office address: per link is the
    tighter one). Limits come from PORTAL_LIMIT_PER_TOKEN / PORTAL_LIMIT_PER_ADDRESS."""
    per_token = limiter.limit(
        lambda: current_app.config.get("PORTAL_LIMIT_PER_TOKEN", "30 per minute;300 per hour"),
        key_func=_token_key, error_message=TOO_MANY)
    per_address = limiter.limit(
        lambda: current_app.config.get("PORTAL_LIMIT_PER_ADDRESS", "60 per minute"),
        error_message=TOO_MANY)
    return per_address(per_token(view))


def _not_found():
    """One answer for every bad link: unknown, altered, expired, revoked, closed, wrong form."""
    response = make_response(render_template("portal/vendor/invalid.html"), 404)
    return response


def portal_view(section: PortalSection | None = None, *, edit: bool = False):
    """Resolve <token> to the vendor's invitation; the view gets a VendorAccess."""

    def decorator(view):
        @wraps(view)
        def wrapped(token: str, **kwargs):
            access = portal_service.find_for_vendor(
                db.session, token, section.value if section else None)
            if access is None:
                # Never log the token itself: it is the vendor's key.
                current_app.logger.info("portal: refused a link (%s)", request.endpoint)
                abort(_not_found())
            if edit and not access.editable:
                flash("Your submission was sent: it can no longer be changed.", "info")
                return redirect(url_for(".welcome", token=token))
            with acting_as(None, portal_service.actor_name(access.invitation)):
                return view(access, token, **kwargs)

        return _limits(wrapped)

    return decorator


@vendor_bp.before_request
def _request_size():
    limit = int(current_app.config.get("PORTAL_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))
    request.max_content_length = limit
    if (request.content_length or 0) > limit:
        abort(413, description=f"What you sent is larger than {limit // 1024} KB. Shorten the "
                               "longest texts and send it again.")


@vendor_bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the link is the key: never leak it
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _render(template: str, access: VendorAccess, token: str, status: int = 200, **context):
    invitation = access.invitation
    return render_template(
        template, invitation=invitation, submission=invitation.submission, token=token,
        editable=access.editable, max_case_studies=MAX_CASE_STUDIES,
        filled={s.value: portal_service.section_filled(invitation.submission, s.value)
                for s in invitation.sections}, **context), status


def _status(form) -> int:
    return 400 if form.errors else 200


# ------------------------------------------------------------------------------- overview


@vendor_bp.route("/<token>")
@portal_view()
def welcome(access: VendorAccess, token: str):
    if access.invitation.status == "invited":
        return _render("portal/vendor/welcome.html", access, token, form=EmptyForm())
    return _render("portal/vendor/overview.html", access, token, form=SubmitForm(),
                   remove_form=EmptyForm())


@vendor_bp.route("/<token>/start", methods=["POST"])
@portal_view(edit=True)
def start(access: VendorAccess, token: str):
    if EmptyForm().validate_on_submit():
        portal_service.open_invitation(db.session, access.invitation)
    return redirect(url_for(".welcome", token=token))


@vendor_bp.route("/<token>/submit", methods=["POST"])
@portal_view(edit=True)
def submit(access: VendorAccess, token: str):
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            portal_service.submit(db.session, access.invitation)
        except PortalError as exc:
            form.confirm.errors.append(str(exc))
        else:
            flash("Thank you: your submission was sent. We will review it and get back to you.",
                  "success")
            return redirect(url_for(".welcome", token=token))
    return _render("portal/vendor/overview.html", access, token, status=400, form=form,
                   remove_form=EmptyForm())


# -------------------------------------------------------------------------------- profile


@vendor_bp.route("/<token>/profile", methods=["GET", "POST"])
@portal_view(PortalSection.PROFILE, edit=True)
def profile(access: VendorAccess, token: str):
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            portal_service.save_profile(db.session, access.invitation, form.to_values())
        except PortalError as exc:
            flash(str(exc), "error")
        else:
            flash("Profile draft saved. Nothing is shared until you submit.", "success")
            return redirect(url_for(".welcome", token=token))
    elif request.method == "GET":
        form.fill(access.invitation.submission.profile)
    if request.method == "GET" or not form.errors:
        form.pad()
    return _render("portal/vendor/profile.html", access, token, _status(form), form=form)


# --------------------------------------------------------------------------- case studies


@vendor_bp.route("/<token>/case-studies/new", methods=["GET", "POST"])
@portal_view(PortalSection.CASE_STUDIES, edit=True)
def new_case_study(access: VendorAccess, token: str):
    return _case_study(access, token, None)


@vendor_bp.route("/<token>/case-studies/<key>", methods=["GET", "POST"])
@portal_view(PortalSection.CASE_STUDIES, edit=True)
def edit_case_study(access: VendorAccess, token: str, key: str):
    return _case_study(access, token, key)


def _case_study(access: VendorAccess, token: str, key: str | None):
    submission = access.invitation.submission
    entry = portal_service.find_case_study(submission, key) if key is not None else None
    if key is not None and entry is None:
        abort(_not_found())  # keys belong to this link's draft only
    if key is None and len(submission.case_studies) >= MAX_CASE_STUDIES:
        flash(f"A submission can hold at most {MAX_CASE_STUDIES} case studies. Remove one "
              "before adding another.", "error")
        return redirect(url_for(".welcome", token=token))
    form = PortalCaseStudyForm(data=entry if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            portal_service.save_case_study(db.session, access.invitation, form.to_data(), key)
        except PortalError as exc:
            getattr(form, exc.field or "title").errors.append(str(exc))
        else:
            flash(f"Case study {form.title.data!r} saved in your draft.", "success")
            return redirect(url_for(".welcome", token=token))
    return _render("portal/vendor/case_study.html", access, token, _status(form), form=form,
                   key=key)


@vendor_bp.route("/<token>/case-studies/<key>/remove", methods=["POST"])
@portal_view(PortalSection.CASE_STUDIES, edit=True)
def remove_case_study(access: VendorAccess, token: str, key: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        portal_service.remove_case_study(db.session, access.invitation, key)
    except PortalError:
        abort(_not_found())
    flash("Case study removed from your draft.", "success")
    return redirect(url_for(".welcome", token=token))


# -------------------------------------------------------------------------------- answers


@vendor_bp.route("/<token>/answers", methods=["GET", "POST"])
@portal_view(PortalSection.ANSWERS, edit=True)
def answers(access: VendorAccess, token: str):
    invitation = access.invitation
    questions = invitation.guide.questions if invitation.guide else []
    saved = invitation.submission.answers
    form = answers_form(questions, data={f"answer_{q.id}": saved.get(str(q.id), "")
                                         for q in questions} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            portal_service.save_answers(db.session, invitation, form.to_answers())
        except PortalError as exc:
            flash(str(exc), "error")
        else:
            flash("Answers saved in your draft.", "success")
            return redirect(url_for(".welcome", token=token))
    return _render("portal/vendor/answers.html", access, token, _status(form), form=form)

