"""Forms of the vendor portal. The vendor's forms reuse the dossier's (same limits, same checks)
without the fields a vendor must not set: its register name and the dossier's version."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..forms import whole_number
from ..models import PortalInvitation, PortalSection, Vendor
from ..services.dossier_import import MAX_TEXT
from ..services.portal import (
    DEFAULT_VALID_DAYS,
    MAX_CASE_STUDIES,
    MAX_MESSAGE,
    MAX_VALID_DAYS,
    PROFILE_FIELDS,
    InvitationRequest,
)
from ..services.vendors import max_len
from ..vendors.forms import STRIP, CaseStudyForm, VendorForm


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


NEW_VENDOR = 0


class InviteForm(FlaskForm):
    vendor_id = SelectField("Vendor", coerce=int, validate_choice=False)
    new_vendor_name = StringField("New vendor's name", filters=STRIP, validators=[
        Optional(), Length(max=max_len(Vendor, "name"))],
        description="Only for a vendor not in the register yet: it is added when you accept "
                    "its submission.")
    contact_name = StringField("Contact name", filters=STRIP, validators=[
        Optional(), Length(max=max_len(PortalInvitation, "contact_name"))])
    contact_email = StringField("Contact email", filters=STRIP, validators=[
        DataRequired(message="Enter the vendor contact's email address."),
        Email(message="Enter an email address like name@example.com."),
        Length(max=max_len(PortalInvitation, "contact_email"))])
    sections = MultiCheckboxField("What the vendor should send", choices=[
        (s.value, s.label) for s in PortalSection],
        default=[s.value for s in PortalSection],
        validators=[DataRequired(message="Choose at least one part.")])
    guide_id = SelectField("Interview guide (for written answers)", coerce=int,
                           validate_choice=False)
    valid_days = IntegerField("Link valid for (days)", default=DEFAULT_VALID_DAYS, validators=[
        InputRequired(message="Enter a number of days."),
        NumberRange(min=1, max=MAX_VALID_DAYS,
                    message=f"Enter a number of days from 1 to {MAX_VALID_DAYS}.")])
    message = TextAreaField("Note to the vendor (optional)", filters=STRIP, validators=[
        Optional(), Length(max=MAX_MESSAGE)])

    def to_request(self) -> InvitationRequest:
        return InvitationRequest(
            contact_email=self.contact_email.data, sections=tuple(self.sections.data),
            vendor_id=self.vendor_id.data or None,
            new_vendor_name=self.new_vendor_name.data or "",
            contact_name=self.contact_name.data or "", guide_id=self.guide_id.data or None,
            valid_days=self.valid_days.data, message=self.message.data or "")


class ReissueForm(FlaskForm):
    valid_days = IntegerField("New link valid for (days)", default=DEFAULT_VALID_DAYS,
                              validators=[InputRequired(message="Enter a number of days."),
                                          NumberRange(min=1, max=MAX_VALID_DAYS)])


class ProfileForm(VendorForm):
    """The vendor's proposed profile: empty fields propose no change."""

    name = None  # the register's key: set by the lead, never by the vendor
    version = None

    def to_values(self) -> dict:
        """Field -> value for what the vendor filled in (lists as plain dicts)."""
        values: dict = {name: getattr(self, name).data or None for name in (
            "country", "sector", "website", "regions", "data_residency", "description")}
        values["headcount"] = self.headcount.data
        values["contacts"] = [
            {"name": e.data["name"], "email": e.data["email"] or "",
             "phone": e.data["phone"] or "", "title": e.data["title"] or ""}
            for e in self.contacts if e.data["name"]]
        values["certifications"] = [
            {"name": e.data["name"], "expires_on": e.data["expires_on"],
             "issuer": e.data["issuer"] or ""}
            for e in self.certifications if e.data["name"]]
        values["integrations"] = [
            {"kind": e.data["kind"], "product": e.data["product"] or "",
             "notes": e.data["notes"] or ""}
            for e in self.integrations if e.data["kind"]]
        return {k: v for k, v in values.items() if k in PROFILE_FIELDS}

    def fill(self, profile: dict) -> ProfileForm:
        """Put a saved proposal (JSON) back into the form."""
        data = {k: v for k, v in profile.items() if k in PROFILE_FIELDS}
        data["certifications"] = [
            {**c, "expires_on": date.fromisoformat(c["expires_on"]) if c.get("expires_on")
             else None} for c in data.get("certifications", [])]
        self.process(data=data)
        return self


class PortalCaseStudyForm(CaseStudyForm):
    version = None  # a vendor edits its own draft, not the dossier's record


def answers_form(questions, **kwargs) -> FlaskForm:
    """One answer box per question of the invitation's guide (in guide order)."""

    class AnswersForm(FlaskForm):
        answer_fields: list[tuple[int, str]] = []

        def to_answers(self) -> dict[int, str]:
            return {qid: (getattr(self, name).data or "").strip()
                    for qid, name in self.answer_fields}

    names = []
    for q in questions:
        name = f"answer_{q.id}"
        setattr(AnswersForm, name, TextAreaField(
            q.text, filters=STRIP, validators=[Optional(), Length(max=MAX_TEXT)],
            description=f"Criterion: {q.criterion_key.replace('_', ' ')}"))
        names.append((q.id, name))
    AnswersForm.answer_fields = names
    return AnswersForm(**kwargs)


class SubmitForm(FlaskForm):
    confirm = BooleanField(
        "I confirm that this information is accurate and that I may share it.",
        validators=[DataRequired(message="Tick the box to confirm before you submit.")])


class AcceptForm(FlaskForm):
    include_profile = BooleanField("Apply the proposed profile changes", default=True)
    case_studies = MultiCheckboxField("Case studies to apply", validate_choice=False)
    include_answers = BooleanField("Add the written answers as an interview record",
                                   default=True)
    note = TextAreaField("Note (optional)", filters=STRIP,
                         validators=[Optional(), Length(max=MAX_MESSAGE)])
    version = HiddenField(validators=[whole_number()])


class RejectForm(FlaskForm):
    note = TextAreaField("Why is it rejected?", filters=STRIP, validators=[
        DataRequired(message="Say why the submission is rejected."), Length(max=MAX_MESSAGE)])
    version = HiddenField(validators=[whole_number()])


__all__ = ["AcceptForm", "InviteForm", "MAX_CASE_STUDIES", "NEW_VENDOR", "PortalCaseStudyForm",
           "ProfileForm", "RejectForm", "ReissueForm", "SubmitForm", "answers_form"]
