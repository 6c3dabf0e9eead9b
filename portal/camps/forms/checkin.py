"""Checking a participant in on a camp day."""

from wtforms import RadioField
from wtforms.validators import InputRequired

from portal.forms import BaseForm
from portal.forms import CalendarDateField


class CheckInForm(BaseForm):
    day = CalendarDateField(validators=[InputRequired()])
    present = RadioField(choices=[("yes", ""), ("no", "")], validators=[InputRequired()])
