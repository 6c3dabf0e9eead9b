"""Forms of the admin pages."""

from wtforms import SearchField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import widgets
from wtforms.validators import Length
from wtforms.validators import Optional

from portal.forms import BaseForm
from portal.forms import CalendarDateField
from portal.forms import Confirmable
from portal.forms import FilterForm
from portal.i18n import lazy_gettext as _l
from portal.main.events import event_choices
from portal.security import Role


def role_labels() -> dict[Role, str]:
    return {
        Role.YOUTH: _l("Young person"),
        Role.MENTOR: _l("Mentor"),
        Role.ORGANISER: _l("Organiser"),
        Role.ADMIN: _l("Admin"),
    }


def role_choices():
    return [(role.value, label) for role, label in role_labels().items()]


def action_choices():
    """Every event type, translated and grouped (the select shows them as option groups)."""
    return {"": [("", _l("All actions"))], **event_choices()}


class UserFilterForm(FilterForm):
    q = SearchField(_l("Name, e-mail or phone"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()])
    region = SelectField(_l("Region or city"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[("", _l("All")), ("active", _l("Active")), ("inactive", _l("Switched off"))],
        validators=[Optional()],
    )


class AuditFilterForm(FilterForm):
    action = SelectField(_l("Action"), choices=action_choices, validators=[Optional()])
    actor = SearchField(_l("Who (e-mail)"), validators=[Optional(), Length(max=254)])
    date_from = CalendarDateField(_l("From"), validators=[Optional()])
    date_to = CalendarDateField(_l("To"), validators=[Optional()])


class RolesForm(Confirmable, BaseForm):
    roles = SelectMultipleField(
        _l("Roles"),
        choices=role_choices,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        description=_l("Admin includes every organiser right."),
    )
