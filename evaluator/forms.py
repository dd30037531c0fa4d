"""Forms shared across features."""

from flask_wtf import FlaskForm
from wtforms.validators import Regexp


class EmptyForm(FlaskForm):
    """A bare POST button: carries only the CSRF token."""


def whole_number() -> Regexp:
    """For hidden ids and versions a form carries back: a tampered value ("abc", 10^30) is a
    form error, never a server error when the view turns it into an int."""
    return Regexp(r"^\d{0,9}\Z", message="must be a whole number")
