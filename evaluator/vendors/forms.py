"""Forms of the vendor dossier. Limits follow the model columns (services.vendors.max_len)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    DateField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..forms import whole_number
from ..models import CaseStudy, Certification, Integration, Vendor, VendorContact
from ..scoring.relevance import ORG_SIZES
from ..services import limits
from ..services.csv_io import ENCODINGS
from ..services.dossier import OUTCOMES, CaseStudyData, InterviewData
from ..services.dossier_import import MAX_TEXT
from ..services.vendors import (
    INTEGRATION_KINDS,
    INTEGRATION_LABELS,
    CertificationData,
    ContactData,
    IntegrationData,
    VendorData,
    max_len,
)

#: Upload limit for one CSV file, in bytes (the app-wide request limit is MAX_CONTENT_LENGTH).
MAX_UPLOAD_BYTES = limits.MAX_CSV_BYTES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


STRIP = [_strip]


def _text(label, model, column, **kw):
    return StringField(label, filters=STRIP,
                       validators=[Optional(), Length(max=max_len(model, column))], **kw)


class ContactForm(Form):
    # No Optional() on a row's name: it would stop validation before validate_name runs.
    name = StringField("Name", filters=STRIP,
                       validators=[Length(max=max_len(VendorContact, "name"))])
    title = _text("Role / title", VendorContact, "title")
    email = StringField("Email", filters=STRIP, validators=[
        Optional(), Email(message="Enter an email address like name@example.com."),
        Length(max=max_len(VendorContact, "email"))])
    phone = _text("Phone", VendorContact, "phone")

    def validate_name(self, field):
        if not field.data and any([self.title.data, self.email.data, self.phone.data]):
            raise ValidationError("A contact needs a name.")


class CertificationForm(Form):
    name = StringField("Certification", filters=STRIP,
                       validators=[Length(max=max_len(Certification, "name"))],
                       render_kw={"placeholder": "e.g. ISO 27001"})
    issuer = _text("Issuer", Certification, "issuer")
    expires_on = DateField("Expires on", validators=[Optional()],
                           render_kw={"type": "date"})

    def validate_name(self, field):
        if not field.data and (self.issuer.data or self.expires_on.data):
            raise ValidationError("A certification needs a name.")


class IntegrationForm(Form):
    kind = SelectField("Kind", choices=[("", "—")] + [(k, INTEGRATION_LABELS[k])
                                                      for k in INTEGRATION_KINDS])
    product = _text("Product / system", Integration, "product",
                    render_kw={"placeholder": "e.g. SAP S/4HANA"})
    notes = StringField("Notes", filters=STRIP, validators=[Optional(), Length(max=2000)])

    def validate_kind(self, field):
        if not field.data and (self.product.data or self.notes.data):
            raise ValidationError("Choose the kind of integration.")


class VendorForm(FlaskForm):
    name = StringField("Name", filters=STRIP, validators=[
        DataRequired(message="Give the vendor a name."), Length(max=max_len(Vendor, "name"))])
    country = _text("Country", Vendor, "country")
    sector = _text("Sector", Vendor, "sector")
    website = URLField("Website", filters=STRIP, validators=[
        Optional(), URL(message="Enter a web address starting with https://"),
        Length(max=max_len(Vendor, "website"))])
    headcount = IntegerField("Headcount", validators=[
        Optional(), NumberRange(min=0, max=10_000_000, message="Enter a number of staff.")])
    regions = _text("Regions served", Vendor, "regions",
                    description="Comma-separated, e.g. UK, EU, North America.")
    data_residency = _text("Data residency options", Vendor, "data_residency",
                           description="Where client data can be stored, comma-separated.")
    description = TextAreaField("Description", filters=STRIP,
                                validators=[Optional(), Length(max=MAX_TEXT)])
    contacts = FieldList(FormField(ContactForm), min_entries=0, max_entries=20)
    certifications = FieldList(FormField(CertificationForm), min_entries=0, max_entries=30)
    integrations = FieldList(FormField(IntegrationForm), min_entries=0, max_entries=30)
    version = HiddenField(validators=[whole_number()])

    def pad(self, blanks: int = 1) -> VendorForm:
        """Add blank rows so a user can add contacts etc. without JavaScript."""
        for name, minimum in (("contacts", 2), ("certifications", 3), ("integrations", 3)):
            lst = getattr(self, name)
            for _ in range(max(blanks, minimum - len(lst.entries))):
                if len(lst.entries) < lst.max_entries:
                    lst.append_entry()
        return self

    def to_data(self) -> VendorData:
        return VendorData(
            name=self.name.data, country=self.country.data or "",
            sector=self.sector.data or "", website=self.website.data or "",
            headcount=self.headcount.data, regions=self.regions.data or "",
            data_residency=self.data_residency.data or "",
            description=self.description.data or "",
            contacts=tuple(ContactData(e.data["name"], e.data["email"] or "",
                                       e.data["phone"] or "", e.data["title"] or "")
                           for e in self.contacts if e.data["name"]),
            certifications=tuple(CertificationData(e.data["name"], e.data["expires_on"],
                                                   e.data["issuer"] or "")
                                 for e in self.certifications if e.data["name"]),
            integrations=tuple(IntegrationData(e.data["kind"], e.data["product"] or "",
                                               e.data["notes"] or "")
                               for e in self.integrations if e.data["kind"]),
        )


def _number(label, maximum, **kw):
    return FloatField(label, validators=[
        Optional(), NumberRange(min=0, max=maximum, message=f"Enter a number from 0 to "
                                                            f"{maximum:,.0f}.")], **kw)


class CaseStudyForm(FlaskForm):
    title = StringField("Title", filters=STRIP, validators=[
        DataRequired(message="Give the case study a title."),
        Length(max=max_len(CaseStudy, "title"))])
    year = IntegerField("Year", validators=[
        Optional(), NumberRange(min=1950, max=2100, message="Enter a year like 2024.")])
    client_sector = _text("Client sector", CaseStudy, "client_sector")
    org_size = SelectField("Organisation size", choices=[("", "—")] + [
        (s, s.capitalize()) for s in ORG_SIZES])
    regulatory_regime = _text("Regulatory regime", CaseStudy, "regulatory_regime",
                              render_kw={"placeholder": "e.g. GDPR, DORA, HIPAA"})
    planned_months = _number("Planned duration (months)", 1200)
    actual_months = _number("Actual duration (months)", 1200)
    planned_budget = _number("Planned budget", 1e15,
                             description="Currency units as stated by the vendor.")
    actual_budget = _number("Actual budget", 1e15)
    outcome = SelectField("Outcome", choices=[("", "—")] + [(o, o.capitalize())
                                                           for o in OUTCOMES])
    summary = TextAreaField("Summary", filters=STRIP, validators=[Length(max=MAX_TEXT)])
    setbacks = TextAreaField("Setbacks", filters=STRIP, validators=[Length(max=MAX_TEXT)],
                             description="What went wrong, and why.")
    response = TextAreaField("How the vendor responded", filters=STRIP,
                             validators=[Length(max=MAX_TEXT)])
    lessons = TextAreaField("Lessons learned", filters=STRIP, validators=[Length(max=MAX_TEXT)])
    reference_name = _text("Reference contact", CaseStudy, "reference_name")
    reference_email = StringField("Reference email", filters=STRIP, validators=[
        Optional(), Email(message="Enter an email address like name@example.com."),
        Length(max=max_len(CaseStudy, "reference_email"))])
    version = HiddenField(validators=[whole_number()])

    def to_data(self) -> CaseStudyData:
        return CaseStudyData(
            title=self.title.data, year=self.year.data,
            client_sector=self.client_sector.data or "", org_size=self.org_size.data or "",
            regulatory_regime=self.regulatory_regime.data or "",
            planned_months=self.planned_months.data, actual_months=self.actual_months.data,
            planned_budget=self.planned_budget.data, actual_budget=self.actual_budget.data,
            outcome=self.outcome.data or "", summary=self.summary.data or "",
            setbacks=self.setbacks.data or "", response=self.response.data or "",
            lessons=self.lessons.data or "", reference_name=self.reference_name.data or "",
            reference_email=self.reference_email.data or "",
        )


class InterviewForm(FlaskForm):
    held_on = DateField("Held on", validators=[DataRequired(message="Enter the date.")],
                        render_kw={"type": "date"})
    interviewers = StringField("Interviewers", filters=STRIP, validators=[
        DataRequired(message="Who interviewed the vendor?"), Length(max=300)],
        description="Names, comma-separated.")
    fingerprint = HiddenField()

    answer_fields: list[tuple[int, str]] = []

    def to_data(self) -> InterviewData:
        return InterviewData(
            held_on=self.held_on.data, interviewers=self.interviewers.data,
            answers={qid: (getattr(self, name).data or "").strip()
                     for qid, name in self.answer_fields},
        )


def interview_form(questions, **kwargs) -> InterviewForm:
    """An InterviewForm with one answer box per question of the guide (in guide order)."""

    class GuideInterviewForm(InterviewForm):
        pass

    names = []
    for q in questions:
        name = f"answer_{q.id}"
        setattr(GuideInterviewForm, name, TextAreaField(
            q.text, filters=STRIP, validators=[Optional(), Length(max=MAX_TEXT)],
            description=f"Criterion: {q.criterion_key.replace('_', ' ')}"))
        names.append((q.id, name))
    GuideInterviewForm.answer_fields = names
    return GuideInterviewForm(**kwargs)


class ImportForm(FlaskForm):
    kind = SelectField("What the file contains", choices=[
        ("vendors", "Vendors"), ("case-studies", "Case studies")])
    encoding = SelectField("Encoding", choices=list(ENCODINGS.items()), default="utf-8",
                           description="Excel's \"CSV UTF-8\" is UTF-8; older \"CSV\" is "
                                       "Windows-1252.")
    file = FileField("CSV file", validators=[
        FileRequired(message="Choose a CSV file."),
        FileAllowed(["csv", "txt"], message="Upload a .csv file (a spreadsheet saved as CSV)."),
        FileSize(MAX_UPLOAD_BYTES, message=f"The file is larger than "
                                           f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB."),
    ])


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
