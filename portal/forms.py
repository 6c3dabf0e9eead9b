"""The base form: WTForms' built-in messages served from the portal's own catalogues."""

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from portal.i18n import TRANSLATED_LOCALES

# WTForms' built-in messages, listed so extraction puts them in our catalogues.
BUILTIN_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("'%(value)s' is not a valid choice for this field."),
    _l("'%(value)s' are not valid choices for this field."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("Invalid input."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("Field must be at least %(min)d characters long."),
    _l("The CSRF token is missing."),
    _l("The CSRF token is invalid."),
    _l("The CSRF token has expired."),
    _l("The CSRF tokens do not match."),
)


class _PortalTranslations:
    """WTForms formats the messages itself, so hand them over unformatted."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _PortalTranslations()


class ActionForm(BaseForm):
    """An empty form whose only job is the CSRF token on a state-changing button."""


class TitleAndDescription:
    """Title and description in ky, ru and uz_Cyrl, for content organisers write for everyone.

    Field order matters to the error summary, so forms list these fields first.
    """

    #: Each form says what needs the title, e.g. "Give the camp a title in at least one language."
    missing_title = None

    # No Optional() on the first title: its check below must run when it is empty.
    title_ky = StringField(_l("Title in Kyrgyz"), validators=[Length(max=200)])
    title_ru = StringField(_l("Title in Russian"), validators=[Optional(), Length(max=200)])
    title_uz_Cyrl = StringField(_l("Title in Uzbek"), validators=[Optional(), Length(max=200)])
    description_ky = TextAreaField(
        _l("Description in Kyrgyz"), validators=[Optional(), Length(max=5000)]
    )
    description_ru = TextAreaField(
        _l("Description in Russian"), validators=[Optional(), Length(max=5000)]
    )
    description_uz_Cyrl = TextAreaField(
        _l("Description in Uzbek"), validators=[Optional(), Length(max=5000)]
    )

    def validate_title_ky(self, field):
        if not (field.data or self.title_ru.data or self.title_uz_Cyrl.data):
            raise ValidationError(self.missing_title)

    def per_language(self, prefix: str) -> dict[str, str]:
        """{"ky": …, "ru": …, "uz_Cyrl": …} from the fields named <prefix>_<locale>."""
        return {
            locale: (getattr(self, f"{prefix}_{locale}").data or "").strip()
            for locale in TRANSLATED_LOCALES
        }

    def fill_title_and_description(self, obj) -> None:
        for locale in TRANSLATED_LOCALES:
            getattr(self, f"title_{locale}").data = obj.title.get(locale, "")
            getattr(self, f"description_{locale}").data = obj.description.get(locale, "")


def error_list(form) -> list[tuple[str, str]]:
    """(field id, message) for every error in the form, sub-forms and row lists included."""
    found: list[tuple[str, str]] = []
    for field in form:
        if field.type == "FieldList":
            for entry in field:
                found.extend(error_list(entry.form) if entry.type == "FormField" else
                             [(entry.id, str(error)) for error in entry.errors])  # fmt: skip
        elif field.type == "FormField":
            found.extend(error_list(field.form))
        else:
            found.extend((field.id, str(error)) for error in field.errors)
    return found
