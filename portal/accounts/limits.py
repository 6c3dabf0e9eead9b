"""Rate-limit keys for the account a sign-in or reset form names."""

import unicodedata

from flask import request

from portal.accounts.services import find_by_login
from portal.extensions import hashed_key


def account_key() -> str:
    """Rate-limit key for the account named in the submitted form (login, reset).

    Keyed on the account the text resolves to, so "0555 123 456", "+996555123456" and
    "(0555) 123-456" share one bucket; text that names no account is keyed on its normalised
    form (NFKC, case-folded), so full-width letters do not make a fresh bucket either.
    """
    identifier = unicodedata.normalize("NFKC", request.form.get("email") or "").strip().casefold()
    user = find_by_login(identifier) if identifier else None
    if user is not None:
        return hashed_key("account", f"user:{user.id}")
    return hashed_key("account", "text:" + "".join(identifier.split()))
