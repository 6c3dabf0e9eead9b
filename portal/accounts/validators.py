"""Normalising and checking names, phone numbers, e-mail addresses and passwords."""

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError
from email_validator import validate_email
from wtforms.validators import ValidationError

from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_ngettext as _nl
from portal.security import MAX_PASSWORD_LENGTH
from portal.security import MIN_PASSWORD_LENGTH
from portal.security import is_common_password

#: Besides letters and combining marks: space, hyphen, dot and the apostrophes of ky/uz names.
NAME_PUNCTUATION = set(" -.'ʻʼ‘’")
KG_COUNTRY_CODE = 996


def normalise_name(value: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value or "")).strip()


def is_valid_name(value: str) -> bool:
    letters = [ch for ch in value if unicodedata.category(ch)[0] == "L"]
    allowed = all(unicodedata.category(ch)[0] in "LM" or ch in NAME_PUNCTUATION for ch in value)
    return allowed and len(letters) >= 2


def normalise_phone(value: str) -> str | None:
    """Return a Kyrgyz number in E.164 (+996XXXXXXXXX), or None if it is not one."""
    digits = re.sub(r"[\s().-]", "", value or "")
    if digits.startswith("996") and len(digits) == 12:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "KG")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != KG_COUNTRY_CODE or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str | None:
    """Return the e-mail address normalised (lower-case), or None if the syntax is wrong."""
    try:
        result = validate_email((value or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def looks_like_email(value: str) -> bool:
    return "@" in (value or "")


class FullName:
    def __call__(self, form, field):
        field.data = normalise_name(field.data)
        if not is_valid_name(field.data):
            raise ValidationError(
                _l("Write your name with letters; spaces, hyphens and apostrophes are fine.")
            )


class Phone:
    def __call__(self, form, field):
        if not (field.data or "").strip():
            field.data = None
            return
        normalised = normalise_phone(field.data)
        if normalised is None:
            raise ValidationError(
                _l("Enter a Kyrgyz mobile number, like 0555 123 456 or +996 555 123 456.")
            )
        field.data = normalised


class Email:
    def __call__(self, form, field):
        if not (field.data or "").strip():
            field.data = None
            return
        normalised = normalise_email(field.data)
        if normalised is None:
            raise ValidationError(_l("Enter an e-mail address like name@example.org."))
        field.data = normalised


#: The portal's own name, in the scripts people type it in.
PORTAL_NAMES = ("jashtar", "жаштар", "jashtarportal")
#: Parts of a name or e-mail shorter than this are too common to refuse ("li", "a.b").
MIN_PERSONAL_WORD = 3


def personal_words(full_name: str | None, email: str | None, phone: str | None) -> set[str]:
    """What a password must not contain: name parts, the e-mail's local part, the phone number."""
    words = set(PORTAL_NAMES)
    for part in re.split(r"[\s\-.'ʻʼ‘’]+", normalise_name(full_name or "")):
        words.add(part.casefold())
    if email:
        local = email.split("@")[0].casefold()
        words.add(local)
        words.update(re.split(r"[._+\-]+", local))
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 9:
        words.add(digits[-9:])  # the national number, however the person writes the prefix
    return {word for word in words if len(word) >= MIN_PERSONAL_WORD}


def contains_personal_word(password: str, words: set[str]) -> bool:
    folded = unicodedata.normalize("NFKC", password).casefold()
    return any(word in folded for word in words)


class StrongPassword:
    """Length, not a common password, and nothing of the person's own details.

    The person is `form.password_owner` (a User, set by the view for resets and changes) or,
    on registration, the form's own name, e-mail and phone fields.
    """

    def __call__(self, form, field):
        password = field.data or ""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationError(
                _nl(
                    "Use at least %(num)d character.",
                    "Use at least %(num)d characters.",
                    MIN_PASSWORD_LENGTH,
                )
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                _nl(
                    "Use at most %(num)d character.",
                    "Use at most %(num)d characters.",
                    MAX_PASSWORD_LENGTH,
                )
            )
        if is_common_password(password):
            raise ValidationError(
                _l("This password is too common and easy to guess. Choose another one.")
            )
        if contains_personal_word(password, self._owner_words(form)):
            raise ValidationError(
                _l(
                    "Your password must not contain your name, e-mail, phone number or the "
                    "portal's name. Choose another one."
                )
            )

    @staticmethod
    def _owner_words(form) -> set[str]:
        owner = getattr(form, "password_owner", None)
        if owner is not None:
            return personal_words(owner.full_name, owner.email, owner.phone)

        def value(name):
            field = getattr(form, name, None)
            return field.data if field is not None and isinstance(field.data, str) else None

        return personal_words(value("full_name"), value("email"), value("phone"))
