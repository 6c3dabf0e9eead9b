"""Forms for programmes, modules, sessions, enrolment, attendance and certificates."""

from wtforms import BooleanField
from wtforms import RadioField
from wtforms import SearchField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.forms import BaseForm
from portal.forms import CalendarDateField
from portal.forms import CalendarDateTimeField
from portal.forms import DecimalField
from portal.forms import FilterForm
from portal.forms import IntegerField
from portal.forms import TitleAndDescription
from portal.forms import in_some_language
from portal.i18n import TRANSLATED_LOCALES
from portal.i18n import lazy_gettext as _l
from portal.training.labels import DELIVERY_LABELS
from portal.training.labels import MARK_LABELS
from portal.training.labels import TOPIC_LABELS
from portal.training.models import AttendanceStatus
from portal.training.models import CompletionRule
from portal.training.models import DeliveryMode
from portal.training.models import Topic


def delivery_choices():
    return [(mode.value, label) for mode, label in DELIVERY_LABELS.items()]


def rule_choices():
    return [
        ("required_modules", _l("Every required module attended")),
        ("session_share", _l("A share of the sessions attended")),
    ]


def topic_choices():
    return [(topic.value, label) for topic, label in TOPIC_LABELS.items()]


def attendance_choices():
    return [(status.value, label) for status, label in MARK_LABELS.items()]


def attendance_sheet_form(enrolments):
    """The attendance sheet: one field mark-<enrolment id> a person; `marks()` gives back the
    valid marks sent, by enrolment (a person left unmarked, or a strange value, is skipped)."""

    class AttendanceSheetForm(BaseForm):
        def marks(self) -> dict:
            valid = {value for value, _label in attendance_choices()}
            return {
                enrolment: AttendanceStatus(self[f"mark_{enrolment.id}"].data)
                for enrolment in enrolments
                if self[f"mark_{enrolment.id}"].data in valid
            }

    for enrolment in enrolments:
        setattr(
            AttendanceSheetForm, f"mark_{enrolment.id}", StringField(name=f"mark-{enrolment.id}")
        )
    return AttendanceSheetForm()


class ProgrammeForm(TitleAndDescription, BaseForm):
    missing_title = _l("Give the programme a title in at least one language.")

    delivery_mode = RadioField(
        _l("How it is taught"),
        choices=delivery_choices,
        validators=[InputRequired(_l("Choose how the programme is taught."))],
    )
    makes_ambassadors = BooleanField(_l("Graduates become youth ambassadors"))
    completion_rule = RadioField(
        _l("Completed when"),
        choices=rule_choices,
        validators=[InputRequired(_l("Choose when the programme counts as completed."))],
    )
    completion_percent = IntegerField(
        _l("Share of sessions to attend (%)"),
        default=80,
        validators=[
            InputRequired(_l("Enter a share from 1 to 100.")),
            NumberRange(min=1, max=100, message=_l("Enter a share from 1 to 100.")),
        ],
    )

    def programme_fields(self) -> dict:
        return {
            "title": self.per_language("title"),
            "description": self.per_language("description"),
            "delivery_mode": DeliveryMode(self.delivery_mode.data),
            "makes_ambassadors": self.makes_ambassadors.data,
            "completion_rule": CompletionRule(self.completion_rule.data),
            "completion_percent": self.completion_percent.data,
        }

    def fill_from(self, programme) -> None:
        self.fill_title_and_description(programme)
        self.delivery_mode.data = programme.delivery_mode.value
        self.makes_ambassadors.data = programme.makes_ambassadors
        self.completion_rule.data = programme.completion_rule.value
        self.completion_percent.data = programme.completion_percent


class ModuleForm(BaseForm):
    module_ky = StringField(_l("Module title in Kyrgyz"), validators=[Length(max=200)])
    module_ru = StringField(_l("Module title in Russian"), validators=[Optional(), Length(max=200)])
    module_uz_Cyrl = StringField(
        _l("Module title in Uzbek"), validators=[Optional(), Length(max=200)]
    )
    topic = SelectField(_l("Topic"), choices=topic_choices)
    required = BooleanField(_l("Required for completion"), default=True)
    hours = DecimalField(
        _l("Hours"),
        places=1,
        validators=[
            InputRequired(_l("Enter the number of hours.")),
            NumberRange(min=0, max=200, message=_l("Enter a number of hours from 0 to 200.")),
        ],
    )

    def validate_module_ky(self, field):
        if not (field.data or self.module_ru.data or self.module_uz_Cyrl.data):
            raise ValidationError(_l("Give the module a title in at least one language."))

    def module_fields(self) -> dict:
        return {
            "title": {
                locale: (getattr(self, f"module_{locale}").data or "").strip()
                for locale in TRANSLATED_LOCALES
            },
            "topic": Topic(self.topic.data),
            "required": self.required.data,
            "hours": self.hours.data,
        }


class SessionForm(BaseForm):
    module = SelectField(_l("Module"), validators=[Optional()])
    starts_at = CalendarDateTimeField(
        _l("Date and time"),
        validators=[InputRequired(_l("Enter the date and time of the session."))],
        description=_l("Bishkek time."),
    )
    # Per language like titles; no Optional() on the first, so its check below runs when empty.
    place_ky = StringField(
        _l("Place or channel in Kyrgyz"),
        validators=[Length(max=200)],
        description=_l(
            "For example: Osh youth centre, room 2; or the WhatsApp group of the course."
        ),
    )
    place_ru = StringField(
        _l("Place or channel in Russian"), validators=[Optional(), Length(max=200)]
    )
    place_uz_Cyrl = StringField(
        _l("Place or channel in Uzbek"), validators=[Optional(), Length(max=200)]
    )
    trainer = SelectField(_l("Trainer"), validators=[Optional()])

    def validate_place_ky(self, field):
        if not in_some_language(self, "place"):
            raise ValidationError(_l("Write where the session happens."))


def enrolment_date_field(field_id: str, required: bool = False):
    """The day someone is enrolled from: sessions before it do not count for them. Each form
    on the programme page has one, so each gets its own id."""
    if required:
        return CalendarDateField(
            _l("Enrolment date"),
            id=field_id,
            validators=[InputRequired(_l("Enter the enrolment date."))],
            description=_l("Sessions from this day on count for the person."),
        )
    return CalendarDateField(
        _l("Enrolment date"),
        id=field_id,
        validators=[Optional()],
        description=_l("Sessions from this day on count. Leave it empty for today."),
    )


class EnrolOneForm(BaseForm):
    person = StringField(
        _l("E-mail or phone number of the young person"),
        validators=[
            DataRequired(_l("Enter an e-mail address or a phone number.")),
            Length(max=254),
        ],
    )
    enrolled_on = enrolment_date_field("enrol-one-date")


class EnrolCampForm(BaseForm):
    camp = SelectField(
        _l("Camp"), validators=[DataRequired(_l("Choose a camp."))], validate_choice=True
    )
    enrolled_on = enrolment_date_field("enrol-camp-date")


class EnrolListForm(BaseForm):
    people = TextAreaField(
        _l("E-mail addresses or phone numbers, one a line"),
        validators=[DataRequired(_l("Write at least one e-mail address or phone number.")),
                    Length(max=20000)],
    )  # fmt: skip
    enrolled_on = enrolment_date_field("enrol-list-date")


class EnrolmentDateForm(BaseForm):
    enrolled_on = enrolment_date_field("enrolled_on", required=True)


class RevokeForm(BaseForm):
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Write why the certificate is revoked.")), Length(max=300)],
    )


class KeepForm(BaseForm):
    keep_reason = StringField(
        _l("Why the certificate stays valid"),
        validators=[
            DataRequired(_l("Write why the certificate stays valid.")),
            Length(max=300),
        ],
    )


class DirectoryFilterForm(FilterForm):
    q = SearchField(_l("Name"), validators=[Optional(), Length(max=100)])
    region = SelectField(_l("Region or city"), validators=[Optional()])
    district = SelectField(_l("District or town"), validators=[Optional()])
    programme = SearchField(
        _l("Programme"),
        validators=[Optional(), Length(max=100)],
        description=_l("A word of its title, in any language."),
    )
    status = SelectField(_l("Status"), validators=[Optional()])
