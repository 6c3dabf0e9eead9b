"""Forms for registration, signing in, password reset and the profile."""

from wtforms import BooleanField
from wtforms import EmailField
from wtforms import Field
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TelField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional as OptionalField
from wtforms.validators import ValidationError

from portal.accounts.labels import GENDER_LABELS
from portal.accounts.models import Gender
from portal.accounts.validators import Email
from portal.accounts.validators import FullName
from portal.accounts.validators import Phone
from portal.accounts.validators import StrongPassword
from portal.ages import age_on
from portal.forms import BaseForm
from portal.forms import CalendarDateField
from portal.forms import validate_district_in_region
from portal.i18n import LANGUAGES
from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_ngettext as _nl
from portal.i18n import local_today
from portal.security import MIN_PASSWORD_LENGTH

MINIMUM_AGE = 14


def gender_choices():
    return [("", GENDER_LABELS["unknown"])] + [
        (value, GENDER_LABELS[value]) for value in ("female", "male", "other")
    ]


def language_choices():
    return list(LANGUAGES.items())


def region_field():
    return SelectField(
        _l("Region or city"), validators=[DataRequired(message=_l("Choose your region or city."))]
    )


def district_field():
    return SelectField(
        _l("District or town"),
        validate_choice=False,
        description=_l("Choose the district or town in your region, if it has any."),
    )


def community_field():
    return StringField(
        _l("Village or community"),
        validators=[OptionalField(), Length(max=120)],
        description=_l("For example: Kara-Suu, Nookat, Jany-Jer."),
    )


def full_name_field():
    return StringField(
        _l("Full name"),
        validators=[
            DataRequired(message=_l("Enter your full name.")),
            Length(max=120, message=_l("Your name can be at most 120 characters long.")),
            FullName(),
        ],
        description=_l("As you usually write it, for example: Aigerim Toktogulova kyzy."),
    )


def email_field():
    return EmailField(
        _l("E-mail"),
        validators=[Email()],
        description=_l("You need an e-mail address or a phone number, or both."),
    )


def phone_field():
    return TelField(
        _l("Mobile phone"), validators=[Phone()], description=_l("For example: 0555 123 456.")
    )


def gender_field():
    return RadioField(_l("Gender"), choices=gender_choices, default="")


def locale_field():
    return SelectField(_l("Language for the portal and messages"), choices=language_choices)


class PersonDetails:
    """What the registration and profile forms share: cross-field checks and the cleaned data."""

    #: district code → region code, set by the view together with the choices.
    district_parents: dict[str, str] = {}
    #: The youngest age allowed; the profile view lifts it for staff.
    minimum_age: int | None = MINIMUM_AGE
    # The fields every form with these details declares (for the type checker).
    full_name: Field
    email: Field
    phone: Field
    date_of_birth: Field
    gender: Field
    region: Field
    district: Field
    community: Field
    locale: Field

    def person_details(self) -> dict:
        """The person's fields, cleaned, as keyword arguments for the account services."""
        return {
            "full_name": self.full_name.data,
            "email": self.email.data,
            "phone": self.phone.data,
            "date_of_birth": self.date_of_birth.data,
            "gender": Gender(self.gender.data) if self.gender.data else None,
            "region_code": self.region.data,
            "district_code": self.district.data or None,
            "community": (self.community.data or "").strip() or None,
            "locale": self.locale.data,
        }

    def validate_date_of_birth(self, field):
        if field.data is None:
            return
        today = local_today()
        if field.data > today or age_on(field.data, today) > 100:
            raise ValidationError(_l("Check your date of birth."))
        if self.minimum_age and age_on(field.data, today) < self.minimum_age:
            raise ValidationError(
                _l(
                    "You can register from the age of %(age)d. Until then, ask your school or a "
                    "youth worker about activities for younger people.",
                    age=self.minimum_age,
                )
            )

    def validate_phone(self, field):
        if not self.email.data and not field.data:
            raise ValidationError(_l("Give an e-mail address or a phone number."))

    validate_district = validate_district_in_region


class RegistrationForm(PersonDetails, BaseForm):
    full_name = full_name_field()
    email = email_field()
    phone = phone_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Choose a password.")), StrongPassword()],
        description=_nl(
            "At least %(num)d character. A short sentence is easy to remember.",
            "At least %(num)d characters. A short sentence is easy to remember.",
            MIN_PASSWORD_LENGTH,
        ),
    )
    date_of_birth = CalendarDateField(
        _l("Date of birth"),
        validators=[InputRequired(message=_l("Enter your date of birth."))],
    )
    gender = gender_field()
    region = region_field()
    district = district_field()
    community = community_field()
    locale = locale_field()
    consent = BooleanField(
        _l("I agree that my data is processed as described above."),
        validators=[DataRequired(message=_l("You need to agree before you can register."))],
    )


class LoginForm(BaseForm):
    email = StringField(
        _l("E-mail or phone number"),
        validators=[DataRequired(message=_l("Enter your e-mail or phone number."))],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter your password."))]
    )
    remember = BooleanField(_l("Remember me on this device for 30 days"))


class ResetRequestForm(BaseForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(message=_l("Enter your e-mail address.")), Email()],
    )


class NewPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a new password.")), StrongPassword()],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(message=_l("Write the new password a second time.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
    )


class ProfileForm(PersonDetails, BaseForm):
    full_name = full_name_field()
    email = email_field()
    phone = phone_field()
    #: The e-mail and phone number recover the account, so changing them needs the password.
    current_password = PasswordField(
        _l("Your password"),
        description=_l("Needed only when you change your e-mail or phone number."),
    )
    #: The view makes it required once the person has given it (age rules depend on it).
    date_of_birth = CalendarDateField(_l("Date of birth"), validators=[OptionalField()])
    gender = gender_field()
    region = region_field()
    district = district_field()
    community = community_field()
    locale = locale_field()

    def changes_contact_of(self, user) -> bool:
        return (self.email.data or None) != user.email or (self.phone.data or None) != user.phone


class AssistedResetForm(BaseForm):
    phone = TelField(
        _l("The person's phone number"),
        validators=[DataRequired(message=_l("Enter the person's phone number.")), Phone()],
        description=_l("Only for people who registered without an e-mail address."),
    )


class ConfirmPasswordForm(BaseForm):
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(message=_l("Enter your password."))]
    )


class LanguageForm(BaseForm):
    """The language switch: the chosen language and the page to go back to (both checked by
    the view: parse_lang and is_safe_next_url)."""

    lang = StringField()
    next = StringField()


class ChannelsForm(BaseForm):
    """News comes on the site always; these are the other channels."""

    email = BooleanField(_l("E-mail"))
    sms = BooleanField(_l("SMS"))
    telegram = BooleanField(_l("Telegram"))
