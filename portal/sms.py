"""The outbox's SMS channel: short notices and a link, to a phone, in the recipient's language.

A provider adapter is chosen by SMS_BACKEND:

- `http`: a generic HTTP SMS gateway. Each message is one `POST SMS_GATEWAY_URL` with the JSON
  `{"to": "+996…", "text": "…", "from": SMS_SENDER}` and `Authorization: Bearer
  SMS_GATEWAY_TOKEN`; a 2xx is delivered (the answer's `id` is kept), 408/429/5xx are tried
  again later, any other 4xx is given up on with the gateway's answer (portal/providers.py).
- `off` (the default in production until a gateway is set): nothing is queued for SMS.
- `console` (development): printed on the terminal; `memory` (tests): kept in `sent_sms`.

An SMS never carries sensitive data (health, consent details, ethnicity): portal/reach.py builds
its text from the portal's own short notices and a link, and a broadcast from what an organiser
wrote for sending.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal import outbox
from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import lazy_gettext as _l
from portal.outbox import OutboxColumns
from portal.providers import post_json

#: Messages delivered by the "memory" backend, for tests.
sent_sms: list["OutboundSms"] = []
#: The longest notice the portal sends: three concatenated Cyrillic (UCS-2) parts of 67
#: characters; a broadcast (up to 280 characters written, "Jashtar: " and a link) may take seven.
MAX_SMS_LENGTH = 201
MAX_BROADCAST_SMS_LENGTH = 469


class OutboundSms(OutboxColumns, Model):
    """An SMS in the outbox (portal/outbox.py claims, sends, retries and gives up)."""

    __tablename__ = "outbound_sms"
    __table_args__ = (sa.Index("ix_outbound_sms_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Whom it is for (None once they are erased); a guardian's SMS names the young person.
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: E.164, as accounts and applications store numbers.
    to_number: Mapped[str] = mapped_column(sa.String(16))
    locale: Mapped[str] = mapped_column(sa.String(8))
    body: Mapped[str] = mapped_column(sa.Text)
    #: The broadcast's recipient it was sent to, for the broadcast's delivery page.
    broadcast_recipient_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("broadcast_recipient.id", ondelete="SET NULL"), index=True
    )
    #: The gateway's id for the message, once it took it.
    provider_id: Mapped[Optional[str]] = mapped_column(sa.String(100))


def enabled() -> bool:
    """SMS is off (SMS_BACKEND=off) until a gateway is configured."""
    return current_app.config["SMS_BACKEND"] != "off"


def queue_sms(to_number: str, body: str, *, locale: str, user_id: int | None = None,
              broadcast_recipient_id: int | None = None,
              limit: int = MAX_SMS_LENGTH) -> OutboundSms:  # fmt: skip
    """Put one SMS in the outbox (the caller's transaction commits it)."""
    sms = OutboundSms(
        to_number=to_number, body=shortened(body, limit), locale=locale, user_id=user_id,
        broadcast_recipient_id=broadcast_recipient_id,
    )  # fmt: skip
    db.session.add(sms)
    return sms


def shortened(body: str, limit: int = MAX_SMS_LENGTH) -> str:
    """`body` cut to `limit` characters; a link at its end is kept whole (a notice is shortened
    before its link is)."""
    if len(body) <= limit:
        return body
    text, space, last = body.rpartition(" ")
    if space and last.startswith(("http://", "https://")) and len(last) < limit - 2:
        return text[: limit - len(last) - 2].rstrip() + "… " + last
    return body[: limit - 1].rstrip() + "…"


class GatewaySender:
    """The generic HTTP SMS gateway (one request per message)."""

    def __init__(self, config):
        self.url = config["SMS_GATEWAY_URL"]
        self.headers = {"Authorization": f"Bearer {config['SMS_GATEWAY_TOKEN']}"}
        self.sender = config["SMS_SENDER"]
        self.timeout = config["SMS_TIMEOUT"]

    def send(self, sms: OutboundSms) -> None:
        answer = post_json(
            self.url, {"to": sms.to_number, "text": sms.body, "from": self.sender},
            headers=self.headers, timeout=self.timeout,
        )  # fmt: skip
        provider_id = answer.get("id") or answer.get("message_id")
        if provider_id:
            db.session.execute(
                sa.update(OutboundSms).where(OutboundSms.id == sms.id)
                .values(provider_id=str(provider_id)[:100])
            )  # fmt: skip
            db.session.commit()


class LocalSender:
    """ "memory" keeps the message for tests; "console" prints it for a developer."""

    def __init__(self, config):
        self.backend = config["SMS_BACKEND"]

    def send(self, sms: OutboundSms) -> None:
        if self.backend == "memory":
            sent_sms.append(sms)
        else:
            rule = "-" * 72
            print(f"{rule}\nSMS to {sms.to_number} ({sms.locale}):\n{sms.body}\n{rule}",
                  file=sys.stderr, flush=True)  # fmt: skip


@contextmanager
def sms_transport(config) -> Iterator[outbox.Sender]:
    yield GatewaySender(config) if config["SMS_BACKEND"] == "http" else LocalSender(config)


def masked_number(number: str) -> str:
    """Enough of a number for an organiser to recognise it, and no more."""
    return f"{number[:4]} *** *** {number[-2:]}"


SMS = outbox.Channel(
    name="sms",
    label=_l("SMS"),
    model=OutboundSms,
    transport=sms_transport,
    recipient=lambda sms: masked_number(sms.to_number),
)
outbox.register_channel(SMS)
