"""In-app notifications and the e-mail outbox, each written in the recipient's language."""

import enum
import smtplib
import sys
from datetime import datetime
from email.message import EmailMessage
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask import render_template
from flask_babel import force_locale
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import db
from portal.extensions import str_enum
from portal.extensions import utcnow

#: Messages delivered by the "memory" backend, for tests.
sent_messages: list[EmailMessage] = []


class Notification(Model):
    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Text rendered in the recipient's language when the notification was created.
    message: Mapped[str] = mapped_column(sa.Text)
    #: A local path to the page the notification is about.
    link: Mapped[Optional[str]] = mapped_column(sa.String(255))
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class EmailStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboundEmail(Model):
    __tablename__ = "outbound_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[EmailStatus] = mapped_column(
        str_enum(EmailStatus), default=EmailStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: The last delivery error (the SMTP server's answer), kept for the failed-mail report.
    last_error: Mapped[Optional[str]] = mapped_column(sa.String(500))
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


def notify(user, message, *, link: str | None = None) -> Notification:
    """Add an in-app notification; `message` is a lazy string rendered in the user's language."""
    with force_locale(user.locale):
        text = str(message)
    notification = Notification(user_id=user.id, message=text, link=link)
    db.session.add(notification)
    return notification


def queue_email(
    user, subject, template: str, *, to_address: str | None = None, **context
) -> OutboundEmail | None:
    """Render `email/<template>.txt` in the user's language and put it in the outbox.

    `to_address` sends it elsewhere than the user's current address (e.g. to the old address
    after a change, so the real owner hears of it).
    """
    to_address = to_address or user.email
    if not to_address:
        return None
    with force_locale(user.locale):
        email = OutboundEmail(
            user_id=user.id,
            to_address=to_address,
            locale=user.locale,
            subject=str(subject),
            body=render_template(f"email/{template}.txt", user=user, **context),
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


def mark_all_read(user) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Try each pending e-mail once; return (sent, failed). Failures stay for the next run."""
    config = current_app.config
    pending = db.session.scalars(
        sa.select(OutboundEmail)
        .where(OutboundEmail.status == EmailStatus.PENDING)
        .order_by(OutboundEmail.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for email in pending:
        email.attempts += 1
        email.last_attempt_at = utcnow()
        try:
            _deliver(_as_message(email, config["MAIL_SENDER"]), config)
        except (OSError, smtplib.SMTPException) as error:
            failed += 1
            email.last_error = str(error)[:500]
            if email.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                email.status = EmailStatus.FAILED
        else:
            sent += 1
            email.status = EmailStatus.SENT
            email.sent_at = utcnow()
            email.last_error = None
        db.session.commit()
    return sent, failed


def deliver_if_configured() -> None:
    """Send queued mail now when the configuration asks for it (development)."""
    if current_app.config["MAIL_DELIVER_ON_REQUEST"]:
        deliver_pending()


def _as_message(email: OutboundEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Content-Language"] = email.locale.replace("_", "-")
    message.set_content(email.body)
    return message


def _deliver(message: EmailMessage, config) -> None:
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        sent_messages.append(message)
    elif backend == "console":
        print(message.as_string(), file=sys.stderr, flush=True)
    else:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
