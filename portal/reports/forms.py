"""The dashboard's filters."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.admin.forms import FilterForm
from portal.forms import CalendarDateField


class ReportFilterForm(FilterForm):
    year = SelectField(_l("Year"), validators=[Optional()])
    date_from = CalendarDateField(
        _l("From"), validators=[Optional()], description=_l("Or choose dates:")
    )
    date_to = CalendarDateField(_l("To"), validators=[Optional()])
    region = SelectField(_l("Region or city"), validators=[Optional()])

    def validate_date_to(self, field):
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date cannot be before the start date."))
