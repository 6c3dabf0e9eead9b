"""In-app notifications and the outbox's e-mail channel, in the recipient's language."""

import smtplib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from typing import NamedTuple
from typing import Optional
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask import render_template
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal import outbox
from portal import reach
from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import PerLanguage
from portal.i18n import gettext
from portal.i18n import lazy_gettext as _l
from portal.i18n import ngettext
from portal.i18n import npgettext
from portal.i18n import pgettext
from portal.outbox import DeliveryStatus
from portal.outbox import OutboxColumns

#: Messages delivered by the "memory" backend, for tests.
sent_messages: list[EmailMessage] = []


class Notification(Model):
    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Text rendered in the recipient's language when the notification was created: what rows
    #: older than `msgid` show, and what a message no catalogue knows any more falls back to.
    message: Mapped[str] = mapped_column(sa.Text)
    #: The message's key (English msgid, plural and count, context) and its parameters
    #: (portal.notify.stored_params), so the inbox renders it in the reader's language of now.
    msgid: Mapped[Optional[str]] = mapped_column(sa.Text)
    msgid_plural: Mapped[Optional[str]] = mapped_column(sa.Text)
    msgctxt: Mapped[Optional[str]] = mapped_column(sa.String(100))
    count: Mapped[Optional[int]]
    params: Mapped[Optional[dict[str, Any]]] = mapped_column(sa.JSON)
    #: A local path to the page the notification is about.
    link: Mapped[Optional[str]] = mapped_column(sa.String(255))
    #: What it is about ("camp", "plan", "programme", "group", "account") and that object's id:
    #: the inbox names it in the reader's language when it is read (portal/main/inbox.py).
    subject_kind: Mapped[Optional[str]] = mapped_column(sa.String(20))
    subject_id: Mapped[Optional[int]]
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    @property
    def text(self) -> str:
        """The message in the current language; rows stored before keys keep their text."""
        if self.msgid is None:
            return self.message
        key = MessageKey(self.msgid, self.msgid_plural, self.count, self.msgctxt)
        return render_message(key, self.params or {})


#: E-mail's delivery states are the outbox's (the name stays for callers).
EmailStatus = DeliveryStatus


class OutboundEmail(OutboxColumns, Model):
    """An e-mail in the outbox (portal/outbox.py claims, sends, retries and gives up)."""

    __tablename__ = "outbound_email"
    #: What a runner looks for: pending messages by when they are due.
    __table_args__ = (sa.Index("ix_outbound_email_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    #: The broadcast's recipient it was sent to, for the broadcast's delivery page.
    broadcast_recipient_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("broadcast_recipient.id", ondelete="SET NULL"), index=True
    )


class MessageKey(NamedTuple):
    """What finds a message in the catalogues: its English text, plural and count, context."""

    msgid: str
    plural: str | None = None
    num: int | None = None
    context: str | None = None


def message_key(message: LazyString) -> tuple[MessageKey, dict[str, Any]]:
    """The key and parameters of a lazy string made by `_l`, `lazy_ngettext` or `lazy_pgettext`.

    A plain string has no key to translate it again later, so it is refused.
    """
    if not isinstance(message, LazyString):
        raise TypeError("a notification needs a lazy string (_l), not text in one language")
    kind = getattr(message._func, "__name__", "")
    args, variables = message._args, dict(message._kwargs)
    if kind == "gettext":
        key = MessageKey(args[0])
    elif kind == "ngettext":
        key = MessageKey(args[0], args[1], args[2])
    elif kind == "pgettext":
        key = MessageKey(args[1], context=args[0])
    elif kind == "npgettext":
        key = MessageKey(args[1], args[2], args[3], args[0])
    else:
        raise TypeError(f"cannot keep the key of a lazy string made by {kind or message._func}")
    variables.pop("num", None)  # the count, kept in the key
    return key, variables


def stored_params(variables: dict[str, Any]) -> dict[str, Any]:
    """Parameters as JSON: per-language content as {"per_language": …}, a translatable
    parameter (a status, a decision) as {"message": its key and parameters}, the rest as is."""
    stored: dict[str, Any] = {}
    for name, value in variables.items():
        if isinstance(value, PerLanguage):
            stored[name] = {"per_language": dict(value)}
        elif isinstance(value, LazyString):
            key, inner = message_key(value)
            stored[name] = {"message": [*key], "params": stored_params(inner)}
        elif value is None or isinstance(value, (str, int, float, bool)):
            stored[name] = value
        else:
            raise TypeError(f"cannot store the parameter {name!r} of a notification")
    return stored


def render_message(key: MessageKey, params: dict[str, Any]) -> str:
    """The message in the current language, its parameters resolved in that language too."""
    variables = {name: _resolved(value) for name, value in params.items()}
    if key.plural is not None:
        if key.context is not None:
            return npgettext(key.context, key.msgid, key.plural, key.num, **variables)
        return ngettext(key.msgid, key.plural, key.num, **variables)
    if key.context is not None:
        return pgettext(key.context, key.msgid, **variables)
    return gettext(key.msgid, **variables)


def _resolved(value):
    if isinstance(value, dict) and "per_language" in value:
        return PerLanguage(value["per_language"])
    if isinstance(value, dict) and "message" in value:
        return render_message(MessageKey(*value["message"]), value.get("params") or {})
    return value


class Subject(NamedTuple):
    """What a notification is about: a kind of object ("camp", "plan", …) and its id."""

    kind: str
    id: int


def notify(
    user,
    message: LazyString,
    *,
    link: str | None = None,
    about: Subject | None = None,
    outside: bool = True,
) -> Notification:
    """Add an in-app notification: its key and parameters, shown in the reader's language
    whenever it is read (and its text in the user's language of now, for the record), and the
    object it is `about`, named in the reader's language in the inbox.

    With `outside` (the default) the notice also goes by SMS and Telegram as the person chose
    (portal/reach.py: a short notice and the link, never sensitive data)."""
    key, variables = message_key(message)
    with force_locale(user.locale):
        text = str(message)
    notification = Notification(
        user_id=user.id, message=text, link=link, msgid=key.msgid, msgid_plural=key.plural,
        count=key.num, msgctxt=key.context, params=stored_params(variables) or None,
        subject_kind=about.kind if about else None, subject_id=about.id if about else None,
    )  # fmt: skip
    db.session.add(notification)
    if outside:
        reach.queue_text(user, message, link=link)
    return notification


def queue_email(
    user,
    subject,
    template: str,
    *,
    to_address: str | None = None,
    essential: bool = False,
    broadcast_recipient_id: int | None = None,
    **context,
) -> OutboundEmail | None:
    """Render `email/<template>.txt` in the user's language and put it in the outbox.

    `to_address` sends it elsewhere than the user's current address (e.g. to the old address
    after a change, so the real owner hears of it). News goes only to a person who gets e-mail
    (portal/reach.py); an `essential` message (a reset link, a changed password or contact)
    goes whatever they chose.
    """
    to_address = to_address or user.email
    if not to_address:
        return None
    if not essential and to_address == user.email and reach.reach_of(user).email is None:
        return None
    with force_locale(user.locale):
        email = OutboundEmail(
            user_id=user.id,
            to_address=to_address,
            locale=user.locale,
            subject=str(subject),
            body=render_template(f"email/{template}.txt", user=user, **context),
            broadcast_recipient_id=broadcast_recipient_id,
        )
    db.session.add(email)
    return email


def unread_count_of(user_id):
    """The unread count as a correlated subquery, so the user loader fetches it with the user."""
    return (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def unread_count(user) -> int:
    """The badge count: loaded with the signed-in user (one query a page), else counted now."""
    loaded = getattr(user, "unread_notifications", None)
    if loaded is not None:
        return loaded
    return db.session.scalar(sa.select(unread_count_of(user.id))) or 0


def inbox_query(user):
    """The user's notifications, newest first (a query, for paging)."""
    return (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def is_local_link(link: str | None) -> bool:
    """A path on this site, never another host ("//host", "/\\host", "https://…", or a tab or
    newline that a browser drops to make "//host")."""
    if not link or not link.startswith("/") or "\\" in link:
        return False
    if any(ord(character) < 33 or ord(character) == 127 for character in link):
        return False
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc


def open_notification(user, notification_id: int) -> Notification | None:
    """The user's own notification, marked read with every unread one that leads to the same
    page (it shows them all); None for anyone else's. Opening it again changes nothing."""
    notification = db.session.scalar(
        sa.select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if notification is None:
        return None
    same_page = (
        Notification.link == notification.link
        if notification.link
        else Notification.id == notification.id
    )
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None), same_page)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return notification


def page_links(path: str, full_path: str) -> list[str]:
    """The addresses a notification can lead to this page by: with its query string, or not.
    None with a NUL byte: no link holds one, and PostgreSQL refuses it as a parameter (such a
    request is answered 400, and its error page loads the signed-in user too)."""
    return sorted({link for link in (path, full_path.rstrip("?")) if "\x00" not in link})


def unread_leading_to(user_id, links):
    """Whether the user has an unread notification that leads to one of `links` (a correlated
    EXISTS, so the user loader asks it with the user)."""
    return sa.exists().where(
        Notification.user_id == user_id,
        Notification.read_at.is_(None),
        Notification.link.in_(links),
    )


#: Built once: a page view of someone with unread notifications asks it, and building it cost
#: more than running it.
UNREAD_LEADING_TO = sa.select(
    unread_leading_to(sa.bindparam("user_id"), sa.bindparam("links", expanding=True))
)


def mark_page_read(user, path: str, full_path: str) -> None:
    """Opening a page marks read the user's unread notifications that lead to it, as opening
    them from the inbox does (a plan opened from the home page or a bookmark is read too).

    Only when something leads here: the signed-in user is loaded with the answer
    (`unread_leading_here`, accounts/queries.py), so a page costs no query otherwise; a user
    loaded another way is asked now. Nothing to mark is a read, not a write: on SQLite a write
    would queue for the lock."""
    if not unread_count(user):
        return
    links = page_links(path, full_path)
    leads_here = getattr(user, "unread_leading_here", None)
    if leads_here is None:
        leads_here = db.session.scalar(UNREAD_LEADING_TO, {"user_id": user.id, "links": links})
    if not leads_here:
        return
    marked = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            Notification.link.in_(links),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    user.unread_leading_here = False
    if getattr(user, "unread_notifications", None) is not None:
        user.unread_notifications = max(0, user.unread_notifications - marked.rowcount)  # type: ignore[attr-defined]


def mark_all_read(user) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def deliver_pending(limit: int = 100, *, now: datetime | None = None) -> tuple[int, int]:
    """Deliver the e-mails that are due; return (sent, failed attempts). A failed message is
    tried again later (OUTBOX_RETRY_DELAYS), then kept as failed; see portal/outbox.py."""
    result = outbox.deliver_due(EMAIL, limit=limit, now=now)
    return result.sent, result.failed


def deliver_if_configured() -> None:
    """Send what is queued on every channel now when the configuration asks for it
    (development)."""
    if current_app.config["MAIL_DELIVER_ON_REQUEST"]:
        for _channel, _result in outbox.all_due():
            pass


def _as_message(email: OutboundEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Content-Language"] = email.locale.replace("_", "-")
    message.set_content(email.body)
    return message


# --- the e-mail channel: one SMTP connection per batch -----------------------------------------


class SmtpSender:
    """Sends over one SMTP connection, opened again if the server drops it between messages."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def connect(self) -> None:
        config = self.config
        try:
            smtp = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            )
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException) as error:
            raise outbox.ProviderUnreachable(smtp_answer(error)) from error
        self.smtp = smtp

    def connected(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.connect()
        if self.smtp is None:  # for the type checker: connect() sets it or raises
            raise outbox.ProviderUnreachable("not connected")
        return self.smtp

    def send(self, email: OutboundEmail) -> None:
        smtp = self.connected()
        try:
            smtp.send_message(_as_message(email, self.config["MAIL_SENDER"]))
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise outbox.DeliveryError(
                smtp_answer(error), permanent=all(500 <= code < 600 for code in codes)
            ) from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:  # the server is closing the connection
                self.close()
                raise outbox.ProviderUnreachable(smtp_answer(error)) from error
            raise outbox.DeliveryError(
                smtp_answer(error), permanent=500 <= error.smtp_code < 600
            ) from error
        except (OSError, smtplib.SMTPException) as error:  # the connection broke
            self.close()
            raise outbox.ProviderUnreachable(smtp_answer(error)) from error

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def smtp_answer(error: Exception) -> str:
    """What the server said (code and text), or what went wrong on the way to it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = [f"{code} {_text(text)}" for code, text in error.recipients.values()]
        return "; ".join(answers)[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"[:500]
    return (f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)[:500]


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class MemorySender:
    """The "memory" backend (tests) and "console" (development) deliver at once."""

    def __init__(self, config):
        self.config = config

    def send(self, email: OutboundEmail) -> None:
        message = _as_message(email, self.config["MAIL_SENDER"])
        if self.config["MAIL_BACKEND"] == "memory":
            sent_messages.append(message)
        else:
            print(readable(message), file=sys.stderr, flush=True)


#: Headers of a printed e-mail: what a person reads, not the MIME machinery.
READABLE_HEADERS = ("From", "To", "Subject", "Content-Language")


def readable(message: EmailMessage) -> str:
    """An e-mail as a person reads it: its headers and its text decoded (the "console"
    backend prints this, so a reset link in development is one click away, not base64)."""
    headers = [f"{name}: {message[name]}" for name in READABLE_HEADERS if message[name]]
    rule = "-" * 72
    return "\n".join([rule, *headers, "", message.get_content().rstrip("\n"), rule])


@contextmanager
def email_transport(config) -> Iterator[outbox.Sender]:
    if config["MAIL_BACKEND"] in ("memory", "console"):
        yield MemorySender(config)
        return
    sender = SmtpSender(config)
    sender.connect()
    try:
        yield sender
    finally:
        sender.close()


def masked_address(address: str) -> str:
    """Enough of an address for an organiser to recognise it, and no more."""
    local, at, domain = address.partition("@")
    if not at:  # a phone number (later channels)
        return f"{address[:4]} *** *** {address[-2:]}"
    return f"{local[:1]}***@{domain}"


EMAIL = outbox.Channel(
    name="email",
    label=_l("E-mail"),
    model=OutboundEmail,
    transport=email_transport,
    recipient=lambda email: masked_address(email.to_address),
)
outbox.register_channel(EMAIL)
