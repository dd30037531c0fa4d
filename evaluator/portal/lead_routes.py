"""The lead's side of the vendor portal: invite, follow up, review (diff), edit, accept, reject."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import role_required
from ..extensions import db
from ..forms import EmptyForm
from ..models import InterviewGuide, PortalSection, Role, Vendor
from ..services import portal as portal_service
from ..services import portal_review as review_service
from ..services.dossier import list_guides
from ..services.portal import PortalError, effective_status
from . import lead_bp
from .forms import (
    NEW_VENDOR,
    AcceptForm,
    InviteForm,
    PortalCaseStudyForm,
    ProfileForm,
    ReissueForm,
    RejectForm,
    answers_form,
)
from .mail import MailError, mail_configured, send_mail


def _sender() -> str:
    return current_user.display_name


def _link(token: str) -> str:
    return url_for("portal.vendor.welcome", token=token, _external=True)


def _invitation(invitation_id: int):
    return portal_service.get_invitation(db.session, invitation_id) or abort(404)


@lead_bp.route("/")
@role_required(Role.LEAD)
def index():
    invitations = portal_service.list_invitations(db.session)
    statuses = {inv.id: effective_status(inv) for inv in invitations}
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return render_template("portal/lead/index.html", invitations=invitations, statuses=statuses,
                           counts=counts)


def _invite_choices(form: InviteForm) -> None:
    vendors = db.session.execute(select(Vendor.id, Vendor.name).where(
        Vendor.archived_at.is_(None)).order_by(Vendor.name)).all()
    form.vendor_id.choices = [(NEW_VENDOR, "A vendor not in the register yet")] + [
        (v.id, v.name) for v in vendors]
    guides: list[InterviewGuide] = list_guides(db.session)
    form.guide_id.choices = [(g.id, f"{g.name} ({len(g.questions)} questions)")
                             for g in guides]


@lead_bp.route("/invite", methods=["GET", "POST"])
@role_required(Role.LEAD)
def invite():
    form = InviteForm()
    _invite_choices(form)
    if request.method == "GET" and request.args.get("vendor_id", type=int):
        form.vendor_id.data = request.args.get("vendor_id", type=int)
    if form.validate_on_submit():
        try:
            issued = portal_service.create_invitation(db.session, current_user,
                                                      form.to_request())
        except PortalError as exc:
            getattr(form, exc.field or "contact_email").errors.append(str(exc))
        else:
            return _link_page(issued, "invitation")
    return render_template("portal/lead/invite.html", form=form), 400 if form.errors else 200


def _link_page(issued, kind: str):
    """Shown once: the secret exists nowhere else after this response."""
    invitation, link = issued.invitation, _link(issued.token)
    if kind == "invitation":
        text = portal_service.invitation_text(invitation, link, _sender())
        subject = f"Vendor portal: {invitation.vendor_name}'s information for our evaluation"
    else:
        text = portal_service.reminder_text(invitation, _sender(), link)
        subject = f"Reminder and new link: {invitation.vendor_name}, vendor portal"
    emailed = False
    if mail_configured():
        try:
            send_mail(invitation.contact_email, subject, text)
        except MailError as exc:
            flash(str(exc), "error")
        else:
            portal_service.record_email(db.session, invitation, kind)
            emailed = True
    return render_template("portal/lead/link.html", invitation=invitation, link=link,
                           text=text, kind=kind, emailed=emailed)


@lead_bp.route("/<int:invitation_id>")
@role_required(Role.LEAD)
def detail(invitation_id: int):
    invitation = _invitation(invitation_id)
    status = effective_status(invitation)
    review = review_service.review_of(invitation)
    accept_form = AcceptForm(formdata=None, version=invitation.submission.version)
    accept_form.case_studies.data = [cs.key for cs in review.case_studies]
    return render_template(
        "portal/lead/detail.html", invitation=invitation, status=status, review=review,
        accept_form=accept_form,
        reject_form=RejectForm(formdata=None, version=invitation.submission.version),
        reissue_form=ReissueForm(formdata=None),
        reminder=portal_service.reminder_text(invitation, _sender()),
        can_mail=mail_configured())


@lead_bp.route("/<int:invitation_id>/revoke", methods=["POST"])
@role_required(Role.LEAD)
def revoke(invitation_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        portal_service.revoke(db.session, invitation_id)
    except PortalError as exc:
        flash(str(exc), "error")
    else:
        flash("Invitation revoked: the link no longer works.", "success")
    return redirect(url_for(".detail", invitation_id=invitation_id))


@lead_bp.route("/<int:invitation_id>/new-link", methods=["POST"])
@role_required(Role.LEAD)
def reissue(invitation_id: int):
    _invitation(invitation_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        flash("Enter how many days the new link stays valid (1 to 90).", "error")
        return redirect(url_for(".detail", invitation_id=invitation_id))
    try:
        issued = portal_service.reissue_link(db.session, invitation_id, form.valid_days.data)
    except PortalError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".detail", invitation_id=invitation_id))
    return _link_page(issued, "reminder")


@lead_bp.route("/<int:invitation_id>/remind", methods=["POST"])
@role_required(Role.LEAD)
def remind(invitation_id: int):
    invitation = _invitation(invitation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if effective_status(invitation) not in portal_service.OPEN_STATUSES:
        flash("Only an open invitation needs a reminder.", "error")
    elif not mail_configured():
        flash("No mail server is configured: copy the reminder text instead.", "error")
    else:
        try:
            send_mail(invitation.contact_email,
                      f"Reminder: {invitation.vendor_name}, vendor portal",
                      portal_service.reminder_text(invitation, _sender()))
        except MailError as exc:
            flash(str(exc), "error")
        else:
            portal_service.record_email(db.session, invitation, "reminder")
            flash(f"Reminder sent to {invitation.contact_email}.", "success")
    return redirect(url_for(".detail", invitation_id=invitation_id))


@lead_bp.route("/<int:invitation_id>/accept", methods=["POST"])
@role_required(Role.LEAD)
def accept(invitation_id: int):
    _invitation(invitation_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        flash("The note is too long (2,000 characters at most).", "error")
        return redirect(url_for(".detail", invitation_id=invitation_id))
    try:
        applied = review_service.accept(
            db.session, invitation_id, current_user, profile=form.include_profile.data,
            case_study_keys=set(form.case_studies.data or []),
            answers=form.include_answers.data, expected_version=_version(form.version.data),
            note=form.note.data or "")
    except PortalError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".detail", invitation_id=invitation_id))
    flash("Submission accepted into the dossier: " + _summary(applied) + ".", "success")
    return redirect(url_for("vendors.detail", vendor_id=applied["vendor_id"]))


@lead_bp.route("/<int:invitation_id>/reject", methods=["POST"])
@role_required(Role.LEAD)
def reject(invitation_id: int):
    _invitation(invitation_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(" ".join(form.note.errors) or "The form expired: try again.", "error")
        return redirect(url_for(".detail", invitation_id=invitation_id))
    try:
        review_service.reject(db.session, invitation_id, current_user, form.note.data,
                              expected_version=_version(form.version.data))
    except PortalError as exc:
        flash(str(exc), "error")
    else:
        flash("Submission rejected. The dossier is unchanged.", "success")
    return redirect(url_for(".detail", invitation_id=invitation_id))


def _summary(applied: dict) -> str:
    parts = []
    fields = len(applied["profile_fields"])
    if fields:
        parts.append(f"{fields} profile field{'' if fields == 1 else 's'} changed")
    for key, verb in (("case_studies_created", "added"), ("case_studies_updated", "updated")):
        count = len(applied[key])
        if count:
            parts.append(f"{count} case stud{'y' if count == 1 else 'ies'} {verb}")
    if applied["interview_id"]:
        parts.append("written answers added as an interview record")
    return "; ".join(parts) or "nothing changed"


def _version(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


# ---------------------------------------------------------------- edit before accepting


def _editable(invitation_id: int):
    invitation = _invitation(invitation_id)
    if invitation.status != "submitted":
        flash("Only a submitted, undecided proposal can be edited.", "error")
        return invitation, redirect(url_for(".detail", invitation_id=invitation_id))
    return invitation, None


@lead_bp.route("/<int:invitation_id>/edit/profile", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_profile(invitation_id: int):
    invitation, refused = _editable(invitation_id)
    if refused or PortalSection.PROFILE not in invitation.sections:
        return refused or abort(404)
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            review_service.edit_profile(db.session, invitation_id, current_user,
                                        form.to_values())
        except PortalError as exc:
            flash(str(exc), "error")
        else:
            flash("Proposed profile edited. Review it, then accept.", "success")
            return redirect(url_for(".detail", invitation_id=invitation_id))
    elif request.method == "GET":
        form.fill(invitation.submission.profile)
    if not form.errors:
        form.pad()
    return render_template("portal/lead/edit_profile.html", invitation=invitation,
                           form=form), 400 if form.errors else 200


@lead_bp.route("/<int:invitation_id>/edit/case-studies/<key>", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_case_study(invitation_id: int, key: str):
    invitation, refused = _editable(invitation_id)
    if refused:
        return refused
    entry = portal_service.find_case_study(invitation.submission, key) or abort(404)
    form = PortalCaseStudyForm(data=entry if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            review_service.edit_case_study(db.session, invitation_id, current_user, key,
                                           form.to_data())
        except PortalError as exc:
            getattr(form, exc.field or "title").errors.append(str(exc))
        else:
            flash(f"Proposed case study {form.title.data!r} edited.", "success")
            return redirect(url_for(".detail", invitation_id=invitation_id))
    return render_template("portal/lead/edit_case_study.html", invitation=invitation,
                           form=form, key=key), 400 if form.errors else 200


@lead_bp.route("/<int:invitation_id>/edit/answers", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_answers(invitation_id: int):
    invitation, refused = _editable(invitation_id)
    if refused or invitation.guide is None:
        return refused or abort(404)
    questions = invitation.guide.questions
    saved = invitation.submission.answers
    form = answers_form(questions, data={f"answer_{q.id}": saved.get(str(q.id), "")
                                         for q in questions} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            review_service.edit_answers(db.session, invitation_id, current_user,
                                        form.to_answers())
        except PortalError as exc:
            flash(str(exc), "error")
        else:
            flash("Proposed answers edited.", "success")
            return redirect(url_for(".detail", invitation_id=invitation_id))
    return render_template("portal/lead/edit_answers.html", invitation=invitation,
                           form=form), 400 if form.errors else 200
