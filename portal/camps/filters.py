"""The review list's filters (sent by GET)."""

from wtforms import SearchField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import Length
from wtforms.validators import Optional

from portal.accounts.labels import GENDER_LABELS
from portal.ages import AGE_BANDS
from portal.camps.forms import spoken_language_choices
from portal.camps.labels import STATUS_LABELS
from portal.camps.models import ApplicationStatus
from portal.forms import FilterForm
from portal.forms import IdListField
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import locale_code
from portal.places import filter_choices


class ReviewFilterForm(FilterForm):
    q = SearchField(_l("Name or e-mail"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    region = SelectField(_l("Region or city"), validators=[Optional()])
    district = SelectField(_l("District or town"), validators=[Optional()])
    gender = SelectField(_l("Gender"), validators=[Optional()])
    age_band = SelectField(_l("Age on the first day"), validators=[Optional()])
    language = SelectField(_l("Speaks"), validators=[Optional()])
    consent = SelectField(_l("Guardian consent"), validators=[Optional()])
    sort = SelectField(_l("Sort by"), validators=[Optional()], default="submitted")

    @classmethod
    def for_camp(cls, camp, args):
        form = cls(args)
        for name, choices in _choices().items():
            form[name].choices = choices
        return form


#: The filter's choices by language, made once per worker (each one a translation per label).
_KEPT_CHOICES: dict[str, dict[str, list[tuple[str, str]]]] = {}


def _choices() -> dict[str, list[tuple[str, str]]]:
    """Each select's choices in the reader's language (never changed once made: WTForms only
    reads them)."""
    language = locale_code()
    kept = _KEPT_CHOICES.get(language)
    if kept is not None:
        return kept
    everyone = [("", _("All"))]
    regions, districts = filter_choices()
    kept = _KEPT_CHOICES[language] = {
        "status": everyone
        + [
            (status.value, str(STATUS_LABELS[status]))
            for status in ApplicationStatus
            if status is not ApplicationStatus.DRAFT
        ],
        "region": everyone + regions,
        "district": everyone + districts,
        "gender": everyone + [(k, str(label)) for k, label in GENDER_LABELS.items()],
        "age_band": everyone + [(label, label) for label, _low, _high in AGE_BANDS],
        "language": everyone + [(code, str(name)) for code, name in spoken_language_choices()],
        "consent": everyone
        + [
            ("missing", _("Minors without consent")),
            ("recorded", _("Consent recorded")),
        ],
        "sort": [
            ("submitted", _("Newest first")),
            ("score", _("Best score first")),
            ("name", _("Name")),
            ("age", _("Youngest first")),
            ("offer", _("Offer ends soonest first")),
        ],
    }
    return kept


class SelectionForm(FilterForm):
    """What the list shows ticked: `?pick=all` ticks the whole page (select all without
    JavaScript), `?picked=` the applications a bulk decision could not change."""

    picked = IdListField()
    pick = StringField()

    def ticked(self, items) -> set[int]:
        if not self.validate():
            return set()
        if self.pick.data == "all":
            return {item.id for item in items}
        return set(self.picked.data or ())
