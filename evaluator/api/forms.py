"""Forms of the token settings and admin webhooks pages."""

from flask_wtf import FlaskForm
from wtforms import (
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    URLField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from ..infra.webhooks import EVENTS, SUBSCRIBABLE


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[Optional(), Length(max=100)],
                       description="What the token is for, e.g. 'ERP sync'.")
    scope = RadioField("Scope", choices=[("read", "Read: look up data"),
                                         ("write", "Write: read and change data")],
                       default="read", validators=[DataRequired()])
    submit = SubmitField("Create token")


class WebhookForm(FlaskForm):
    url = URLField("Receiver URL", validators=[DataRequired(), Length(max=500)],
                   description="http:// or https:// address that accepts POSTed JSON.")
    secret = PasswordField("Signing secret", validators=[DataRequired(), Length(min=16, max=200)],
                           description="16-200 characters, shared with the receiver; used to "
                                       "sign every event (HMAC-SHA256). Not shown again.")
    description = StringField("Description", validators=[Optional(), Length(max=200)])
    events = SelectMultipleField(
        "Events", choices=[(e, f"{e}: {EVENTS[e]}") for e in SUBSCRIBABLE],
        default=list(SUBSCRIBABLE), validators=[DataRequired()],
        option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False))
    submit = SubmitField("Register webhook")
