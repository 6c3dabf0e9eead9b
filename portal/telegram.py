"""The outbox's Telegram channel, and linking a person's account to their Telegram chat.

Linking is the Bot API's deep-link flow: the profile makes a one-time code and opens
`https://t.me/<TELEGRAM_BOT_NAME>?start=<code>`; Telegram shows the bot with a Start button, and
pressing it sends the bot `/start <code>`, which Telegram posts to our webhook
(`POST /telegram/webhook`, proved by the secret header set with `flask telegram set-webhook`).
The code is stored hashed, lasts TELEGRAM_LINK_MINUTES and works once; the chat id is kept with
the account. Unlinking is one button on the profile, or `/stop` in the chat.

A Telegram message, like an SMS, carries a short notice and a link, never sensitive data.
TELEGRAM_BACKEND is `bot` (the Bot API at TELEGRAM_API_URL with TELEGRAM_BOT_TOKEN), `console`
(development: printed) or `memory` (tests: kept in `sent_telegrams`). Telegram is off while
TELEGRAM_BOT_NAME is empty.
"""

import hashlib
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal import outbox
from portal.audit import audit_event
from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import lazy_gettext as _l
from portal.outbox import DeliveryError
from portal.outbox import OutboxColumns
from portal.providers import post_json

#: Messages delivered by the "memory" backend, for tests.
sent_telegrams: list["OutboundTelegram"] = []
#: Telegram's `language_code` → the portal's language for the bot's own replies.
TELEGRAM_LANGUAGES = {"ky": "ky", "ru": "ru", "uz": "uz_Cyrl"}


class TelegramLink(Model):
    """A person's Telegram chat: where their Telegram messages go."""

    __tablename__ = "telegram_link"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TelegramLinkCode(Model):
    """A one-time code for the deep link, stored as its SHA-256."""

    __tablename__ = "telegram_link_code"

    code_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboundTelegram(OutboxColumns, Model):
    """A Telegram message in the outbox."""

    __tablename__ = "outbound_telegram"
    __table_args__ = (sa.Index("ix_outbound_telegram_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    chat_id: Mapped[int] = mapped_column(sa.BigInteger)
    locale: Mapped[str] = mapped_column(sa.String(8))
    body: Mapped[str] = mapped_column(sa.Text)
    broadcast_recipient_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("broadcast_recipient.id", ondelete="SET NULL"), index=True
    )


def enabled() -> bool:
    return bool(current_app.config["TELEGRAM_BOT_NAME"])


def link_of(user_id: int) -> TelegramLink | None:
    return db.session.get(TelegramLink, user_id)


def queue_telegram(chat_id: int, body: str, *, locale: str, user_id: int | None = None,
                   broadcast_recipient_id: int | None = None) -> OutboundTelegram:  # fmt: skip
    message = OutboundTelegram(
        chat_id=chat_id, body=body[:4000], locale=locale, user_id=user_id,
        broadcast_recipient_id=broadcast_recipient_id,
    )  # fmt: skip
    db.session.add(message)
    return message


# --- linking ---------------------------------------------------------------------------------


def _hashed(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def new_link_code(user, *, now: datetime | None = None) -> str:
    """A fresh one-time code for `user` (their earlier ones stop working)."""
    now = now or utcnow()
    db.session.execute(sa.delete(TelegramLinkCode).where(TelegramLinkCode.user_id == user.id))
    code = secrets.token_urlsafe(24)  # [A-Za-z0-9_-], as /start parameters allow, ≤ 64 chars
    minutes = current_app.config["TELEGRAM_LINK_MINUTES"]
    db.session.add(
        TelegramLinkCode(
            code_hash=_hashed(code), user_id=user.id, expires_at=now + timedelta(minutes=minutes)
        )  # fmt: skip
    )
    return code


def deep_link(code: str) -> str:
    return f"https://t.me/{current_app.config['TELEGRAM_BOT_NAME']}?start={code}"


def unlink(user, *, by=None) -> bool:
    """Forget the person's chat; False when there was none."""
    gone = db.session.execute(sa.delete(TelegramLink).where(TelegramLink.user_id == user.id))
    if gone.rowcount:  # type: ignore[attr-defined]
        audit_event("telegram.unlinked", user, actor=by or user)
        return True
    return False


def handle_update(update: dict[str, Any], *, now: datetime | None = None) -> str:
    """Act on one update the bot received; returns what happened (for the tests and logs:
    "linked", "expired", "unlinked", "ignored", "helped")."""
    from portal.accounts.models import User

    message = update.get("message") or {}
    chat = message.get("chat") or {}
    text = (message.get("text") or "").strip()
    chat_id = chat.get("id")
    if not isinstance(chat_id, int) or chat.get("type", "private") != "private":
        return "ignored"
    language = TELEGRAM_LANGUAGES.get(((message.get("from") or {}).get("language_code") or "")[:2])
    language = language or current_app.config["BABEL_DEFAULT_LOCALE"]
    command, _space, argument = text.partition(" ")
    command = command.split("@", 1)[0]
    if command == "/start" and argument:
        now = now or utcnow()
        found = db.session.get(TelegramLinkCode, _hashed(argument.strip()))
        user = db.session.get(User, found.user_id) if found else None
        if found is None or found.expires_at < now or user is None or not user.active:
            _reply(
                chat_id,
                language,
                _l(
                    "This link has expired. Open Jashtar, go to your "
                    'profile and press "Link Telegram" again.'
                ),
            )
            return "expired"
        db.session.delete(found)
        db.session.execute(  # the chat was someone else's: it is this person's now
            sa.delete(TelegramLink).where(
                sa.or_(TelegramLink.chat_id == chat_id, TelegramLink.user_id == user.id)
            )
        )
        db.session.add(TelegramLink(user_id=user.id, chat_id=chat_id, linked_at=now))
        audit_event("telegram.linked", user, actor=user)
        _reply(chat_id, user.locale, _l("Your Jashtar account is linked. News about your camps, "
                                         "training and group will come here. Send /stop to "
                                         "stop them."), user_id=user.id)  # fmt: skip
        return "linked"
    if command == "/stop":
        link = db.session.scalar(sa.select(TelegramLink).where(TelegramLink.chat_id == chat_id))
        if link is not None:
            user = db.session.get(User, link.user_id)
            db.session.delete(link)
            audit_event("telegram.unlinked", user, actor=user)
            _reply(chat_id, user.locale if user else language,
                   _l("Done: Jashtar will not write to you here any more."))  # fmt: skip
            return "unlinked"
    _reply(chat_id, language, _l("This bot only brings news from Jashtar. To link your "
                                  "account, open your profile on the site."))  # fmt: skip
    return "helped"


def _reply(chat_id: int, locale: str, message, *, user_id: int | None = None) -> None:
    from portal.links import external_url

    with force_locale(locale):
        body = f"{message}\n{external_url('accounts.profile')}"
    queue_telegram(chat_id, body, locale=locale, user_id=user_id)


# --- delivering -------------------------------------------------------------------------------


class BotSender:
    """The Telegram Bot API's sendMessage, one request per message."""

    def __init__(self, config):
        base = config["TELEGRAM_API_URL"].rstrip("/")
        self.url = f"{base}/bot{config['TELEGRAM_BOT_TOKEN']}/sendMessage"
        self.timeout = config["TELEGRAM_TIMEOUT"]

    def send(self, message: OutboundTelegram) -> None:
        try:
            post_json(
                self.url,
                {"chat_id": message.chat_id, "text": message.body,
                 "link_preview_options": {"is_disabled": True}},
                timeout=self.timeout,
            )  # fmt: skip
        except DeliveryError as error:
            if error.answer.startswith("403"):  # blocked by the person, or their account is gone
                db.session.execute(
                    sa.delete(TelegramLink).where(TelegramLink.chat_id == message.chat_id)
                )
                db.session.commit()
            raise


class LocalSender:
    def __init__(self, config):
        self.backend = config["TELEGRAM_BACKEND"]

    def send(self, message: OutboundTelegram) -> None:
        if self.backend == "memory":
            sent_telegrams.append(message)
        else:
            rule = "-" * 72
            print(f"{rule}\nTelegram to chat {message.chat_id} ({message.locale}):\n"
                  f"{message.body}\n{rule}", file=sys.stderr, flush=True)  # fmt: skip


@contextmanager
def telegram_transport(config) -> Iterator[outbox.Sender]:
    yield BotSender(config) if config["TELEGRAM_BACKEND"] == "bot" else LocalSender(config)


def set_webhook() -> dict:
    """Tell Telegram where to post updates (BASE_URL) and the secret it must send."""
    from portal.links import external_url

    config = current_app.config
    base = config["TELEGRAM_API_URL"].rstrip("/")
    return dict(post_json(
        f"{base}/bot{config['TELEGRAM_BOT_TOKEN']}/setWebhook",
        {"url": external_url("telegram.webhook"), "secret_token": config["TELEGRAM_WEBHOOK_SECRET"],
         "allowed_updates": ["message"]},
        timeout=config["TELEGRAM_TIMEOUT"],
    ))  # fmt: skip


TELEGRAM = outbox.Channel(
    name="telegram",
    label=_l("Telegram"),
    model=OutboundTelegram,
    transport=telegram_transport,
    recipient=lambda message: f"… {str(message.chat_id)[-3:]}",
)
outbox.register_channel(TELEGRAM)
