"""Moving someone on the waiting list."""

from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from portal.forms import BaseForm
from portal.forms import IntegerField
from portal.i18n import lazy_gettext as _l


class WaitlistMoveForm(BaseForm):
    position = IntegerField(
        _l("New place in the queue"),
        validators=[InputRequired(_l("Enter a place number.")), NumberRange(min=1, max=10000)],
    )
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Write why you move this person.")), Length(max=300)],
    )
