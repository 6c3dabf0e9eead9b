"""The dashboard's filters: a calendar year and a region (no custom dates: reports/safe.py)."""

from wtforms import SelectField
from wtforms.validators import Optional

from portal.forms import FilterForm
from portal.i18n import lazy_gettext as _l


class ReportFilterForm(FilterForm):
    year = SelectField(_l("Year"), validators=[Optional()])
    region = SelectField(_l("Region or city"), validators=[Optional()])
