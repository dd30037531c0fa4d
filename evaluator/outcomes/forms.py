from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

TRI_STATE = [("", "Not known"), ("1", "Yes"), ("0", "No")]


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")],
                     description="Columns vendor, program, success (0/1); optional year, "
                                 "on_time, on_budget, notes; other columns are numeric "
                                 "pre-award features.")
    check = SubmitField("Check file")
    submit = SubmitField("Import all rows")


class ConfirmImportForm(FlaskForm):
    """Second step after a preview: the checked text comes back and is checked again."""

    content = HiddenField(validators=[DataRequired(), Length(max=5 * 1024 * 1024)])
    confirm = SubmitField("Import these rows")


class OutcomeForm(FlaskForm):
    success = RadioField("Judged a success?", choices=[("1", "Yes"), ("0", "No")],
                         validators=[InputRequired("Say whether the program was a success.")])
    on_time = SelectField("Delivered on time?", choices=TRI_STATE, default="")
    on_budget = SelectField("Delivered on budget?", choices=TRI_STATE, default="")
    notes = TextAreaField("Notes", validators=[Length(max=5000)],
                          description="What went well or badly; who judged the outcome.")
    submit = SubmitField("Save outcome")
