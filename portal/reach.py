"""Which channels a person gets their news on, and short notices on SMS and Telegram.

Every notice is in-app. Beyond that a person chooses on their profile: e-mail, SMS, Telegram
(once linked). Until they choose, a person with an e-mail address gets e-mail, a phone-only
person gets SMS, and a linked Telegram chat gets Telegram.

What leaves by SMS or Telegram is a short notice and a link, never sensitive data: the notice is
one of the portal's own messages (a catalogue text) whose parameters are titles, counts and dates
only (`is_plain_notice`). Anything else (a parameter typed by a person, a reason) is sent as the
plain "You have news on Jashtar" and the link; the page behind the link asks them to sign in.
"""

from datetime import datetime
from typing import Any
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal import sms
from portal import telegram
from portal.audit import audit_event
from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import PerLanguage
from portal.i18n import lazy_gettext as _l
from portal.links import absolute_link

#: Parameters a notice may carry out of the portal: titles of camps, programmes and groups,
#: counts and dates.
PLAIN_PARAMETERS = frozenset(
    {"camp", "programme", "group", "session", "title", "place", "count", "num", "date", "day",
     "time", "when", "deadline", "starts", "code"}
)  # fmt: skip
GENERIC_NOTICE = _l("You have news on Jashtar.")


class ChannelChoice(Model):
    """The channels a person chose; no row means the defaults (see `choices`)."""

    __tablename__ = "channel_choice"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[bool] = mapped_column(default=True)
    sms: Mapped[bool] = mapped_column(default=False)
    telegram: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Reach(NamedTuple):
    """Where a person's news goes beyond the inbox: an address, a number, a chat (or None)."""

    email: str | None
    phone: str | None
    chat_id: int | None


def reach_query():
    """Per person: their e-mail and phone as they chose, and their Telegram chat, as one row
    (`reach_of` reads it for one person, broadcasts for many at once)."""
    from portal.accounts.models import User

    return (
        sa.select(
            User.id,
            User.email,
            User.phone,
            ChannelChoice.email,
            ChannelChoice.sms,
            ChannelChoice.telegram,
            telegram.TelegramLink.chat_id,
        )  # fmt: skip
        .select_from(User)
        .outerjoin(ChannelChoice, ChannelChoice.user_id == User.id)
        .outerjoin(telegram.TelegramLink, telegram.TelegramLink.user_id == User.id)
    )


def reach_from_row(row) -> Reach:
    _id, email, phone, wants_email, wants_sms, wants_telegram, chat_id = row
    chose = wants_email is not None
    if not chose:  # the defaults
        wants_email, wants_sms, wants_telegram = True, not email, True
    on_telegram = telegram.enabled() and chat_id is not None and wants_telegram
    return Reach(
        email=email if wants_email and email else None,
        phone=phone if wants_sms and phone and sms.enabled() else None,
        chat_id=chat_id if on_telegram else None,
    )


def reach_of(user) -> Reach:
    from portal.accounts.models import User

    return reach_from_row(db.session.execute(reach_query().where(User.id == user.id)).one())


def reach_of_many(user_ids) -> dict[int, Reach]:
    from portal.accounts.models import User

    ids = sorted(set(user_ids))
    found: dict[int, Reach] = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(reach_query().where(User.id.in_(ids[start : start + 500])))
        found.update({row[0]: reach_from_row(row) for row in rows})
    return found


def choices(user) -> dict[str, bool]:
    """What the profile's form shows: each channel ticked or not."""
    row = db.session.get(ChannelChoice, user.id)
    if row is None:
        return {"email": bool(user.email), "sms": not user.email and bool(user.phone),
                "telegram": True}  # fmt: skip
    return {"email": row.email, "sms": row.sms, "telegram": row.telegram}


def choose(user, *, email: bool, sms: bool, telegram: bool) -> None:
    """Save the person's channels (audited: which channels, no addresses)."""
    row = db.session.get(ChannelChoice, user.id)
    if row is None:
        row = ChannelChoice(user_id=user.id)
        db.session.add(row)
    row.email, row.sms, row.telegram = email, sms, telegram
    audit_event("user.channels_chosen", user, actor=user, email=email, sms=sms, telegram=telegram)


# --- short notices on SMS and Telegram --------------------------------------------------------


def is_plain_notice(message: Any) -> bool:
    """A catalogue text whose parameters are only titles, counts and dates (recursively)."""
    if not isinstance(message, LazyString):
        return False
    for name, value in message._kwargs.items():
        if isinstance(value, (int, float, bool, PerLanguage)) or value is None:
            continue
        if isinstance(value, LazyString) and is_plain_notice(value):
            continue
        if isinstance(value, str) and name in PLAIN_PARAMETERS:
            continue
        return False
    return True


def notice_body(message, link: str | None) -> str:
    """The text of an SMS or Telegram message in the current language: "Jashtar: notice link"."""
    notice = message if is_plain_notice(message) else GENERIC_NOTICE
    text = f"Jashtar: {notice}"
    return f"{text} {link}" if link else text


def queue_text(
    user, message, *, link: str | None = None, essential: bool = False,
    reach: Reach | None = None, broadcast_recipient_id: int | None = None,
) -> int:  # fmt: skip
    """Queue `message` (a lazy string) on the person's SMS and Telegram as they chose, in their
    language; `link` is a local path or an absolute link. `essential` (an invitation to set a
    password) goes by SMS to a phone-only person whatever they chose. Returns how many queued."""
    if link and link.startswith("/"):
        link = absolute_link(link)
    reach = reach or reach_of(user)
    phone = reach.phone
    if phone is None and essential and not user.email and user.phone and sms.enabled():
        phone = user.phone
    if phone is None and reach.chat_id is None:
        return 0
    with force_locale(user.locale):
        body = notice_body(message, link)
    queued = 0
    if phone:
        sms.queue_sms(phone, body, locale=user.locale, user_id=user.id,
                      broadcast_recipient_id=broadcast_recipient_id)  # fmt: skip
        queued += 1
    if reach.chat_id is not None:
        telegram.queue_telegram(reach.chat_id, body, locale=user.locale, user_id=user.id,
                                broadcast_recipient_id=broadcast_recipient_id)  # fmt: skip
        queued += 1
    return queued
