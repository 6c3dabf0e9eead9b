"""Contacts a lead types to invite someone: checked for shape, masked, and hashed."""

import hashlib
import hmac

from flask import current_app

from portal.accounts.validators import looks_like_email
from portal.accounts.validators import normalise_email
from portal.accounts.validators import normalise_phone


def parse_contact(typed: str) -> tuple[str, str] | None:
    """("email" | "phone", normalised value), or None when it is neither."""
    if looks_like_email(typed):
        email = normalise_email(typed)
        return ("email", email) if email else None
    phone = normalise_phone(typed)
    return ("phone", phone) if phone else None


def contact_digest(value: str) -> str:
    """A keyed hash: the same contact is recognised without being stored."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def masked(kind: str, value: str) -> str:
    """Enough of the contact for the lead to recognise what they typed, and no more."""
    if kind == "email":
        local, _sep, domain = value.partition("@")
        return f"{local[:2] if len(local) > 3 else local[:1]}***@{domain}"
    return f"{value[:4]} *** *** {value[-3:]}"
