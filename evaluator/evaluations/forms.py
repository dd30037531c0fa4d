"""Forms of the evaluation workflow. Dynamic rows use FieldList so WTForms validates each row."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..forms import whole_number
from ..models import ConflictResolution, EvidenceRule, MemberRole


class NewEvaluationForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)],
                        description="e.g. 'Core banking integration partner'")
    template_id = SelectField("Criteria template", coerce=int, validators=[InputRequired()])
    program_context = TextAreaField(
        "Program context", validators=[Optional(), Length(max=5000)],
        description="Sector, size, regulation, systems to integrate, budget and duration band.")
    submit = SubmitField("Create evaluation")


class CriterionRowForm(Form):
    id = HiddenField(validators=[DataRequired(), whole_number()])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    weight = FloatField("Weight", validators=[InputRequired(message="Enter a weight."),
                                              NumberRange(min=0, message="Weights cannot be "
                                                          "negative.")])
    knockout_below = FloatField("Knockout below", validators=[Optional()])
    anchors = FieldList(TextAreaField("Anchor", validators=[Optional(), Length(max=1000)]))


class CriteriaForm(FlaskForm):
    version = HiddenField(validators=[whole_number()])
    rows = FieldList(FormField(CriterionRowForm))
    submit = SubmitField("Save criteria and weights")


class RocForm(FlaskForm):
    version = HiddenField(validators=[whole_number()])
    ranks = FieldList(IntegerField("Rank", validators=[InputRequired(), NumberRange(min=1)]))
    submit = SubmitField("Apply rank-order centroid weights")


AHP_CHOICES = [(str(v), label) for v, label in [
    (-9, "9× left"), (-7, "7× left"), (-5, "5× left"), (-3, "3× left"), (1, "equal"),
    (3, "3× right"), (5, "5× right"), (7, "7× right"), (9, "9× right")]]


class AhpForm(FlaskForm):
    version = HiddenField(validators=[whole_number()])
    pairs = FieldList(SelectField("Comparison", choices=AHP_CHOICES, default="1"))
    submit = SubmitField("Apply AHP weights")


class LensForm(FlaskForm):
    name = StringField("Lens name", validators=[DataRequired(), Length(max=80)])
    description = StringField("Whose view", validators=[Optional(), Length(max=300)])
    weights = FieldList(FloatField("Weight", validators=[
        InputRequired(), NumberRange(min=0, message="Weights cannot be negative.")]))
    submit = SubmitField("Save lens")


class ShortlistForm(FlaskForm):
    vendor_ids = SelectMultipleField("Vendors from the register", coerce=int,
                                     validators=[DataRequired("Choose at least one vendor.")])
    submit = SubmitField("Add to shortlist")


class MemberForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role in this evaluation", choices=[
        (MemberRole.EVALUATOR.value, "Evaluator (scores)"),
        (MemberRole.OBSERVER.value, "Observer (CTO, steering committee)"),
        (MemberRole.LEAD.value, "Lead (procurement)")])
    submit = SubmitField("Add member")


class ConflictForm(FlaskForm):
    user_id = SelectField("Member", coerce=int)
    vendor_id = SelectField("Vendor", coerce=int)
    note = StringField("Nature of the conflict", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Declare conflict")


class StatusForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    # Closing scoring without every evaluator: the lead confirms; the missing are recorded.
    allow_missing = BooleanField("Close scoring without the evaluators who have not submitted "
                                 "(they are named in every output)")


class EvidenceRuleForm(FlaskForm):
    evidence_rule = SelectField("Evidence required", choices=[
        (r.value, r.label) for r in EvidenceRule])
    submit = SubmitField("Save evidence rule")


class AttestationForm(FlaskForm):
    """The per-vendor declarations are read from `conflict-<vendor id>` and
    `note-<vendor id>` fields the page renders for each shortlisted vendor."""

    no_conflicts = BooleanField("I have no conflict of interest with any shortlisted vendor")
    submit = SubmitField("Record my declaration")


class ResolveConflictForm(FlaskForm):
    resolution = RadioField("Decision", choices=[
        (ConflictResolution.EXCLUDE.value, "Exclude this member's scores of the vendor"),
        (ConflictResolution.KEEP.value, "Keep them: the conflict is immaterial")],
        validators=[InputRequired("Choose whether the scores are excluded or kept.")])
    note = StringField("Reason", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Record the decision")


class ModerationForm(FlaskForm):
    score_id = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    value = SelectField("Moderated score", coerce=float, validate_choice=False)
    reason = TextAreaField("Reason (what the panel agreed and why)",
                           validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Record moderated score")


class ReopenForm(FlaskForm):
    reason = TextAreaField("Why reopen?", validators=[DataRequired(), Length(min=20, max=5000)],
                           description="Kept with the revoked decision and in the audit trail.")
    submit = SubmitField("Revoke the decision and reopen")


class SaveTemplateForm(FlaskForm):
    name = StringField("Template name", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Save as template")


class ScoreRowForm(Form):
    criterion_id = HiddenField(validators=[DataRequired(), whole_number()])
    vendor_id = HiddenField(validators=[DataRequired(), whole_number()])
    version = HiddenField(validators=[whole_number()])
    value = RadioField("Score", validators=[Optional()], validate_choice=True)
    insufficient = BooleanField("Insufficient evidence")
    rationale = TextAreaField("Rationale", validators=[Optional(), Length(max=5000)])
    evidence = SelectMultipleField("Evidence cited", validators=[Optional()],
                                   validate_choice=True)


class ScoreSheetForm(FlaskForm):
    rows = FieldList(FormField(ScoreRowForm))
    save = SubmitField("Save draft")


class DecisionForm(FlaskForm):
    vendor_id = SelectField("Chosen vendor", coerce=int)
    rationale = TextAreaField("Rationale", validators=[DataRequired(), Length(min=20, max=10000)])
    dissent = TextAreaField("Dissent noted", validators=[Optional(), Length(max=10000)],
                            description="Who disagreed and why; it is kept with the decision.")
    submit = SubmitField("Record decision")


class ContextForm(FlaskForm):
    version = HiddenField(validators=[whole_number()])
    sector = StringField("Our sector", validators=[Optional(), Length(max=120)],
                         description="e.g. Financial services")
    org_size = SelectField("Our organisation size", choices=[
        ("", "—"), ("small", "Small"), ("medium", "Medium"), ("large", "Large"),
        ("enterprise", "Enterprise")], validators=[Optional()])
    regimes = StringField("Regulatory regimes", validators=[Optional(), Length(max=300)],
                          description="Comma-separated, e.g. DORA, GDPR")
    regions = StringField("Regions", validators=[Optional(), Length(max=300)])
    residency = StringField("Data residency needs", validators=[Optional(), Length(max=300)])
    systems = StringField("Systems to integrate with", validators=[Optional(), Length(max=300)],
                          description="Kinds or products, e.g. mainframe, SAP, Salesforce, "
                                      "file_drop")
    certifications = StringField("Required certifications", validators=[
        Optional(), Length(max=300)], description="e.g. ISO 27001, SOC 2 Type II")
    budget_low = FloatField("Budget from", validators=[Optional(), NumberRange(min=0)])
    budget_high = FloatField("Budget to", validators=[Optional(), NumberRange(min=0)])
    months_low = FloatField("Duration from (months)", validators=[Optional(), NumberRange(min=0)])
    months_high = FloatField("Duration to (months)", validators=[Optional(), NumberRange(min=0)])
    w_sector = FloatField("Sector weight", default=3, validators=[InputRequired(),
                                                                  NumberRange(min=0)])
    w_regimes = FloatField("Regulation weight", default=3, validators=[InputRequired(),
                                                                       NumberRange(min=0)])
    w_org_size = FloatField("Size weight", default=2, validators=[InputRequired(),
                                                                  NumberRange(min=0)])
    w_budget_band = FloatField("Budget weight", default=1, validators=[InputRequired(),
                                                                       NumberRange(min=0)])
    w_duration_band = FloatField("Duration weight", default=1, validators=[
        InputRequired(), NumberRange(min=0)])
    submit = SubmitField("Save program context")
