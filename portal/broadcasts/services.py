"""Every change to a broadcast: drafting it, sending it once, and what it queues per person.

Sending creates, per person, one `BroadcastRecipient` and: an in-app notification (read in the
reader's language whenever it is read), an e-mail, an SMS and a Telegram message as each person
chose (portal/reach.py), each in the outbox of its channel pointing at the recipient row; with
`include_guardians`, one SMS to each minor's guardian. The outbox delivers, retries and gives up
(portal/outbox.py); the delivery page reads the outboxes back.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale

from portal import reach
from portal import sms
from portal import telegram
from portal.audit import audit_event
from portal.broadcasts import queries
from portal.broadcasts.models import Audience
from portal.broadcasts.models import Broadcast
from portal.broadcasts.models import BroadcastRecipient
from portal.errors import PortalError
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import PerLanguage
from portal.i18n import lazy_gettext as _l
from portal.i18n import localized
from portal.links import absolute_link
from portal.notify import Subject
from portal.notify import notify
from portal.notify import queue_email

#: The camp statuses a broadcast may go to.
CAMP_STATUSES = ("accepted", "confirmed", "waitlisted")


class BroadcastError(PortalError):
    """A step the rules do not allow (sent already, nobody to send to)."""


def draft(
    author, target, *, texts: dict[str, str], statuses: list[str] | None = None,
    include_guardians: bool = False, broadcast: Broadcast | None = None,
) -> Broadcast:  # fmt: skip
    """Write (or rewrite) a draft broadcast to `target`'s people."""
    if broadcast is not None and broadcast.sent_at is not None:
        raise BroadcastError(_l("This message has already been sent."))
    audience = queries.audience_of(target)
    broadcast = broadcast or Broadcast(author_id=author.id, audience=audience)
    broadcast.camp_id = target.id if audience is Audience.CAMP else None
    broadcast.programme_id = target.id if audience is Audience.PROGRAMME else None
    broadcast.group_id = target.id if audience is Audience.GROUP else None
    broadcast.texts = {code: text.strip() for code, text in texts.items() if text and text.strip()}
    broadcast.statuses = [s for s in CAMP_STATUSES if s in (statuses or [])]
    broadcast.include_guardians = audience is Audience.CAMP and include_guardians
    db.session.add(broadcast)
    db.session.flush()
    audit_event("broadcast.drafted", broadcast, actor=author, audience=audience.value)
    return broadcast


def send(broadcast: Broadcast, *, by, now: datetime | None = None) -> int:
    """Send a draft to everyone it names, once: a second click (or a second server) finds it
    sent and is refused. Returns how many people (and guardians) it went to."""
    now = now or utcnow()
    claimed = db.session.execute(
        sa.update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.sent_at.is_(None))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise BroadcastError(_l("This message has already been sent."))
    db.session.refresh(broadcast)
    people = queries.people_of(broadcast)
    guardians = queries.guardians_of(broadcast) if broadcast.include_guardians else []
    if not people and not guardians:
        raise BroadcastError(_l("Nobody is in this list yet, so there is nobody to send to."))
    reaches = reach.reach_of_many(person.id for person, _link in people)
    texts = PerLanguage(broadcast.texts)
    count = 0
    for person, link in people:
        recipient = BroadcastRecipient(broadcast_id=broadcast.id, user_id=person.id)
        db.session.add(recipient)
        db.session.flush()
        note = notify(person, _message(texts), link=link, outside=False,
                      about=_subject(broadcast))  # fmt: skip
        db.session.flush()
        recipient.notification_id = note.id
        their = reaches.get(person.id)
        if their and their.email:
            queue_email(
                person, _l("A message from the Jashtar organisers"), "broadcast",
                text=localized(texts, person.locale), link=absolute_link(link),
                broadcast_recipient_id=recipient.id,
            )  # fmt: skip
        if their:
            _queue_written(person.locale, texts, absolute_link(link), their, person.id,
                           recipient.id)  # fmt: skip
        count += 1
    public = queries.public_link(broadcast) if guardians else ""
    for minor, phone in guardians:
        recipient = BroadcastRecipient(broadcast_id=broadcast.id, user_id=minor.id, guardian=True)
        db.session.add(recipient)
        db.session.flush()
        with force_locale(minor.locale):
            body = f"Jashtar: {localized(texts, minor.locale)} {public}"
        sms.queue_sms(phone, body, locale=minor.locale, user_id=minor.id,
                      broadcast_recipient_id=recipient.id,
                      limit=sms.MAX_BROADCAST_SMS_LENGTH)  # fmt: skip
        count += 1
    broadcast.recipient_count = count
    audit_event("broadcast.sent", broadcast, actor=by, recipients=count,
                guardians=len(guardians))  # fmt: skip
    return count


def _message(texts: PerLanguage):
    """The in-app notice: the organisers' words, in the reader's language when it is read."""
    return _l("A message from the organisers: %(text)s", text=texts)


def _subject(broadcast: Broadcast) -> Subject:
    kind = {Audience.CAMP: "camp", Audience.PROGRAMME: "programme", Audience.GROUP: "group"}
    return Subject(kind[broadcast.audience], broadcast.target.id)


def _queue_written(locale, texts, link, their: reach.Reach, user_id, recipient_id) -> None:
    """The organisers' own words (written for sending) and the link, by SMS and Telegram."""
    body = f"Jashtar: {localized(texts, locale)} {link}"
    if their.phone:
        sms.queue_sms(their.phone, body, locale=locale, user_id=user_id,
                      broadcast_recipient_id=recipient_id,
                      limit=sms.MAX_BROADCAST_SMS_LENGTH)  # fmt: skip
    if their.chat_id is not None:
        telegram.queue_telegram(their.chat_id, body, locale=locale, user_id=user_id,
                                broadcast_recipient_id=recipient_id)  # fmt: skip


def discard(broadcast: Broadcast, *, by) -> None:
    if broadcast.sent_at is not None:
        raise BroadcastError(_l("This message has already been sent."))
    audit_event("broadcast.discarded", broadcast, actor=by)
    db.session.delete(broadcast)
