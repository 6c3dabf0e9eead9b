"""How to reach the programme (CONTACT_* settings), as the footer of every page shows it."""

import re
from dataclasses import dataclass

from flask import current_app

from portal.i18n import localized

#: What a t.me user name may hold (Telegram: 5 to 32 letters, digits and underscores).
TELEGRAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


@dataclass(frozen=True)
class ContactPath:
    """One way to reach the programme: what the page shows and the link a phone opens."""

    kind: str
    text: str
    href: str


def phone_href(number: str) -> str:
    """A `tel:` link of the number as dialled: its digits, and a leading + if it has one."""
    digits = re.sub(r"[^0-9]", "", number)
    return f"tel:{'+' if number.strip().startswith('+') else ''}{digits}"


def telegram_name(value: str) -> str | None:
    """The user name in "@name", "name" or a t.me link; None if it is not one."""
    name = re.sub(r"^(?:https?://)?(?:t\.me|telegram\.me)/|^@", "", value.strip()).strip("/")
    return name if TELEGRAM_NAME.fullmatch(name) else None


def contact_paths() -> list[ContactPath]:
    """The ways the settings give, in the order a phone-only young person tries them."""
    config = current_app.config
    paths = []
    phone = (config.get("CONTACT_PHONE") or "").strip()
    if phone and re.search(r"[0-9]", phone):
        paths.append(ContactPath("phone", phone, phone_href(phone)))
    name = telegram_name(config.get("CONTACT_TELEGRAM") or "")
    if name:
        paths.append(ContactPath("telegram", f"@{name}", f"https://t.me/{name}"))
    email = (config.get("CONTACT_EMAIL") or "").strip()
    if "@" in email:
        paths.append(ContactPath("email", email, f"mailto:{email}"))
    return paths


def contact_hours() -> str:
    """When someone answers, in the reader's language (one text, or one per language)."""
    hours = current_app.config.get("CONTACT_HOURS") or ""
    return localized(hours) if isinstance(hours, dict) else str(hours).strip()


def init_app(app) -> None:
    app.jinja_env.globals.update(contact_paths=contact_paths, contact_hours=contact_hours)
