"""The dashboard's filters: a calendar year and a region (no custom dates: reports/safe.py)."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from portal.forms import FilterForm


class ReportFilterForm(FilterForm):
    year = SelectField(_l("Year"), validators=[Optional()])
    region = SelectField(_l("Region or city"), validators=[Optional()])
