"""Recording reference calls against a vendor's case studies (views on the vendors blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..access import role_required
from ..extensions import db
from ..models import CaseStudy, ClaimType, Role
from ..services import references as reference_service
from . import bp

VERDICTS = [("", "not discussed"), ("confirmed", "Confirmed"),
            ("contradicted", "Contradicted"), ("not_verified", "Not verified")]
CLAIMS = [c.value for c in ClaimType if c != ClaimType.OTHER]


class ReferenceCheckForm(FlaskForm):
    referee_name = StringField("Referee", validators=[DataRequired(), Length(max=120)])
    referee_role = StringField("Referee's role", validators=[Optional(), Length(max=120)])
    called_on = DateField("Date of the call", validators=[Optional()])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Record reference check")


for _claim in CLAIMS:
    setattr(ReferenceCheckForm, f"{_claim}_verdict", SelectField(
        f"{_claim.capitalize()} claim", choices=VERDICTS, validators=[Optional()]))
    setattr(ReferenceCheckForm, f"{_claim}_statement", StringField(
        f"What the vendor claims ({_claim})", validators=[Optional(), Length(max=500)]))
    setattr(ReferenceCheckForm, f"{_claim}_note", StringField(
        f"What the referee said ({_claim})", validators=[Optional(), Length(max=1000)]))


@bp.route("/<int:vendor_id>/case-studies/<int:case_study_id>/references/new",
          methods=["GET", "POST"])
@role_required(Role.LEAD)
def new_reference_check(vendor_id: int, case_study_id: int):
    case_study = db.session.get(CaseStudy, case_study_id)
    if case_study is None or case_study.vendor_id != vendor_id:
        abort(404)
    form = ReferenceCheckForm()
    if form.validate_on_submit():
        claims = [
            reference_service.ClaimInput(
                claim_type=c, verdict=getattr(form, f"{c}_verdict").data,
                statement=getattr(form, f"{c}_statement").data or "",
                note=getattr(form, f"{c}_note").data or "")
            for c in CLAIMS if getattr(form, f"{c}_verdict").data
        ]
        try:
            reference_service.record_check(
                db.session, case_study, current_user, referee_name=form.referee_name.data,
                referee_role=form.referee_role.data or "", called_on=form.called_on.data,
                notes=form.notes.data or "", claims=claims)
        except reference_service.ReferenceError as exc:
            flash(str(exc), "error")
        else:
            flash("Reference check recorded.", "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor_id)
                            + f"#case-study-{case_study_id}")
    status = 400 if form.errors or form.is_submitted() else 200
    return render_template("vendors/reference_check.html", form=form, case_study=case_study,
                           claims=CLAIMS, guide=reference_service.GUIDE), status
