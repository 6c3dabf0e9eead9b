"""The paper forms' web forms: printing, finding a form by its code, typing it in, claiming."""

from typing import Any

from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TelField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError

from portal.accounts.forms import community_field
from portal.accounts.forms import district_field
from portal.accounts.forms import full_name_field
from portal.accounts.forms import region_field
from portal.accounts.validators import Phone
from portal.accounts.validators import StrongPassword
from portal.ages import age_on
from portal.camps.forms.applications import field_name
from portal.camps.forms.applications import question_field
from portal.camps.paper.policy import MAX_PRINT
from portal.forms import BaseForm
from portal.forms import CalendarDateField
from portal.forms import IntegerField
from portal.forms import validate_district_in_region
from portal.i18n import LANGUAGES
from portal.i18n import lazy_gettext as _l
from portal.i18n import local_today


def print_language_choices():
    return [(code, name) for code, name in LANGUAGES.items() if code != "en"]


class PrintForm(BaseForm):
    count = IntegerField(
        _l("How many forms"),
        validators=[
            InputRequired(_l("Write how many forms to print.")),
            NumberRange(
                min=1,
                max=MAX_PRINT,
                message=_l("Print between 1 and %(max)d forms at a time.", max=MAX_PRINT),
            ),
        ],  # fmt: skip
        default=20,
    )
    locale = SelectField(_l("Language of the forms"), choices=print_language_choices)


class LookupForm(BaseForm):
    code = StringField(
        _l("Code on the form"),
        validators=[DataRequired(_l("Write the code printed on the form."))],
        description=_l("For example: K7MP-2XQR. Small letters, spaces and dashes are fine."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )


class EntryAnswers(BaseForm):
    """What a paper form gives back, cleaned for the services."""

    _camp: Any = None  # the camp the form was printed for, set by entry_form_class
    #: district code → region code, set by the view with the choices (fill_place_choices).
    district_parents: dict[str, str] = {}

    full_name = full_name_field()
    phone = TelField(
        _l("Mobile phone"),
        validators=[DataRequired(_l("Write the phone number from the form.")), Phone()],
        description=_l("The young person claims the form online with this number."),
    )
    date_of_birth = CalendarDateField(
        _l("Date of birth"), validators=[InputRequired(_l("Write the date of birth."))]
    )
    region = region_field()
    district = district_field()
    community = community_field()
    guardian_name = StringField(_l("Parent or guardian: name"), validators=[Length(max=120)])
    guardian_phone = TelField(_l("Parent or guardian: phone"), validators=[Phone()])
    motivation = TextAreaField(
        _l("Why do you want to come to this camp?"), validators=[Optional(), Length(max=3000)]
    )
    photo_consent = BooleanField(_l("The box allowing photos and videos is ticked."))
    signed = BooleanField(
        _l("The form is signed (for a minor, by a parent or guardian too)."),
        validators=[DataRequired(_l("Only a signed form can be typed in."))],
    )

    validate_district = validate_district_in_region

    def is_minor(self) -> bool:
        born = self.date_of_birth.data
        return born is not None and age_on(born, self._camp.start_date) < 18

    def validate_date_of_birth(self, field):
        today = local_today()
        if field.data and (field.data > today or age_on(field.data, today) > 100):
            raise ValidationError(_l("Check your date of birth."))

    def validate_guardian_name(self, field):
        if self.is_minor() and not (field.data or "").strip():
            raise ValidationError(
                _l("Under 18 on the camp's first day: write the guardian's name.")
            )

    def validate_guardian_phone(self, field):
        if self.is_minor() and not field.data:
            raise ValidationError(
                _l("Under 18 on the camp's first day: write the guardian's phone number.")
            )

    def question_fields(self) -> list:
        return [self[field_name(question)] for question in self._camp.questions]

    def person_details(self) -> dict:
        return {
            "full_name": self.full_name.data,
            "phone": self.phone.data,
            "date_of_birth": self.date_of_birth.data,
            "region_code": self.region.data,
            "district_code": self.district.data or None,
            "community": (self.community.data or "").strip() or None,
        }

    def application_fields(self) -> dict:
        """Keyword arguments for camps.services.save_answers (what the paper says)."""
        fields = {
            "motivation": self.motivation.data or "",
            "answers": {str(q.id): self[field_name(q)].data or "" for q in self._camp.questions},
            "photo_consent": self.photo_consent.data,
        }
        if self.is_minor():
            fields.update(
                guardian_name=(self.guardian_name.data or "").strip(),
                guardian_phone=self.guardian_phone.data,
            )
        return fields


def entry_form_class(camp):
    """The typing-in form for the camp: the fixed fields and the camp's own questions."""

    class EntryForm(EntryAnswers):
        _camp = camp

    for question in camp.questions:
        setattr(EntryForm, field_name(question), question_field(question))
    return EntryForm


#: The claim form's `step` once code and phone matched a form whose account has no password.
SECOND_STEP = "choose"


class ClaimForm(BaseForm):
    """Code and phone number; then, for an account made from paper, a new password."""

    code = StringField(
        _l("Code on your paper form"),
        validators=[DataRequired(_l("Write the code printed on your form."))],
        description=_l("For example: K7MP-2XQR. Small letters, spaces and dashes are fine."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    phone = TelField(
        _l("Your mobile phone"),
        validators=[DataRequired(_l("Write the phone number you gave on the form.")), Phone()],
        description=_l("The number you wrote on the paper form, for example: 0555 123 456."),
    )
    step = HiddenField()
    password = PasswordField(_l("New password"))
    confirm = PasswordField(_l("Repeat the new password"))
    #: The account the password is for (StrongPassword keeps its name and phone out of it).
    password_owner: Any = None

    @property
    def choosing_password(self) -> bool:
        return self.step.data == SECOND_STEP

    def password_is_good(self, owner) -> bool:
        """Check the new password with the accounts' rules (errors go on the fields)."""
        self.password_owner = owner
        checks = (
            (self.password, DataRequired(_l("Choose a new password."))),
            (self.password, StrongPassword()),
            (self.confirm, DataRequired(_l("Write the new password a second time."))),
            (self.confirm, EqualTo("password", message=_l("The two passwords are not the same."))),
        )
        for field, check in checks:
            if field.errors:
                continue
            try:
                check(self, field)
            except (StopValidation, ValidationError) as error:
                field.errors = [*field.errors, str(error)]
        return not (self.password.errors or self.confirm.errors)
