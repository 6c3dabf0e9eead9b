"""Normalising and checking names, phone numbers, e-mail addresses and passwords."""

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError
from email_validator import validate_email
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl
from wtforms.validators import ValidationError

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


class StrongPassword:
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
