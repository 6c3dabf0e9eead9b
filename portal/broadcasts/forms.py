"""The broadcast an organiser writes: the words per language, and for a camp, to whom."""

from wtforms import BooleanField
from wtforms import TextAreaField
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.broadcasts.services import CAMP_STATUSES
from portal.camps.labels import STATUS_LABELS
from portal.camps.models import ApplicationStatus
from portal.forms import BaseForm
from portal.forms import MultiCheckboxField
from portal.forms import fill_per_language
from portal.forms import in_some_language
from portal.forms import per_language
from portal.i18n import lazy_gettext as _l

#: What fits in a few SMS parts with "Jashtar: " and the link.
MAX_TEXT = 280


class BroadcastForm(BaseForm):
    # No Optional() on the first text: its check below must run when it is empty.
    text_ky = TextAreaField(_l("Message in Kyrgyz"), validators=[Length(max=MAX_TEXT)])
    text_ru = TextAreaField(_l("Message in Russian"), validators=[Optional(), Length(max=MAX_TEXT)])
    text_uz_Cyrl = TextAreaField(
        _l("Message in Uzbek"), validators=[Optional(), Length(max=MAX_TEXT)]
    )
    statuses = MultiCheckboxField(
        _l("Send to"),
        choices=[(s, STATUS_LABELS[ApplicationStatus(s)]) for s in CAMP_STATUSES],
        validators=[Optional()],
    )
    include_guardians = BooleanField(_l("Also send an SMS to the guardians of minors"))

    def __init__(self, *args, for_camp: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_camp = for_camp
        if not for_camp:
            del self.statuses
            del self.include_guardians

    def validate_text_ky(self, field):
        if not in_some_language(self, "text"):
            raise ValidationError(_l("Write the message in at least one language."))

    def validate_statuses(self, field):
        if self.for_camp and not field.data:
            raise ValidationError(_l("Choose at least one group of applicants."))

    def texts(self) -> dict[str, str]:
        return per_language(self, "text")

    def fill(self, broadcast) -> None:
        fill_per_language(self, "text", broadcast.texts)
        if self.for_camp:
            self.statuses.data = list(broadcast.statuses)
            self.include_guardians.data = broadcast.include_guardians
