"""A person's own data: everything the portal holds about them, and erasure.

Accounts is the bottom domain and knows no other: each domain answers for its own tables by
signal (portal.signals); this module merges their answers and handles the profile, consents,
messages, mail and audit trail.
"""

import sqlalchemy as sa

from portal import signals
from portal.accounts.models import ConsentKind
from portal.accounts.models import ErasureRequest
from portal.accounts.models import User
from portal.accounts.models import pseudonym
from portal.audit import AuditEvent
from portal.audit import audit_event
from portal.extensions import db
from portal.extensions import utcnow
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.reach import ChannelChoice
from portal.reach import choices
from portal.security import unusable_password_hash
from portal.signals import plain
from portal.sms import OutboundSms
from portal.telegram import OutboundTelegram
from portal.telegram import TelegramLink
from portal.telegram import TelegramLinkCode

PROFILE_FIELDS = (
    "full_name", "email", "phone", "date_of_birth", "gender", "region_code", "district_code",
    "community", "locale", "created_at", "last_login_at",
)  # fmt: skip

PERSON_COLUMNS = {
    "user_role.user_id": "exported; kept on the anonymised account",
    "consent.user_id": "exported; erased: photo/media consents go, the data-processing one "
    "(a text shown to everyone) stays",
    "erasure_request.user_id": "erased: marked done (exports leave the person out)",
    "erasure_request.done_by_id": signals.ACTOR_KEPT,
    "notification.user_id": "exported; erased: deleted",
    "outbound_email.user_id": "erased: deleted",
    "outbound_sms.user_id": "erased: deleted",
    "outbound_telegram.user_id": "erased: deleted",
    "channel_choice.user_id": "exported; erased: deleted",
    "telegram_link.user_id": "exported (linked or not, never the chat id); erased: deleted",
    "telegram_link_code.user_id": "erased: deleted",
    "audit_event.actor_id": "exported as the activity log; erased: the events by or about the "
    "person keep what happened and when, not the IP address or details",
}


def connect() -> None:
    """Record the columns accounts and the core answer for (accounts sends, never receives)."""
    signals.answer_for(PERSON_COLUMNS)


def export_data(user: User) -> dict:
    """Everything the portal holds about `user` (ASVS 8.3.2), as plain JSON-ready data.

    Sections in alphabetical order, as the JSON download lists them.
    """
    data = {
        "profile": {name: plain(getattr(user, name)) for name in PROFILE_FIELDS},
        "roles": sorted(role.value for role in user.roles),
        "consents": [
            {
                "kind": c.kind.value,
                "version": c.version,
                "text": c.text,
                "granted_at": plain(c.granted_at),
                "withdrawn_at": plain(c.withdrawn_at),
            }
            for c in user.consents
        ],  # fmt: skip
        "notifications": [
            {"message": n.text, "created_at": plain(n.created_at)}
            for n in db.session.scalars(
                sa.select(Notification).where(Notification.user_id == user.id)
            )
        ],  # fmt: skip
        "channels": {
            **choices(user),
            "telegram_linked": db.session.get(TelegramLink, user.id) is not None,
        },
        "activity_log": [
            {"action": e.action, "at": plain(e.created_at)}
            for e in db.session.scalars(
                sa.select(AuditEvent)
                .where(
                    sa.or_(
                        AuditEvent.actor_id == user.id,
                        sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == user.id),
                    )
                )
                .order_by(AuditEvent.id)
            )
        ],  # fmt: skip
    }
    for receiver, sections in signals.data_requested.send(user):
        for name, rows in (sections or {}).items():
            if name in data:
                raise RuntimeError(f"{receiver.__module__} exports {name!r}, already exported")
            data[name] = rows
    return dict(sorted(data.items()))


def erase(user: User, *, by) -> None:
    """Anonymise the person, keeping what aggregates count (region, district, gender, the
    month of birth, statuses), and delete their uploads, messages and mail.

    Also gone: their village, ethnicity answers, photo consent, the scores and free-text reasons
    about them, and the IP addresses and details of the audit events about or by them. Groups
    they led get a new lead (or go to the organisers), and exports leave them out. Uploads are
    deleted once the erasure is committed.
    """
    about = {"user": [user.id]}
    # Every domain first, while the person still has their contacts (rows may name them so).
    for _receiver, subjects in signals.user_erased.send(user, by=by):
        for kind, ids in (subjects or {}).items():
            about.setdefault(kind, []).extend(ids)
    user.full_name = pseudonym(user.id)
    user.email = None
    user.phone = None
    user.community = None
    # Unusable, and free: no password matches a hash without a method (werkzeug answers False),
    # where hashing a random password took scrypt's 0.1-0.3 s inside the erasure's transaction
    # (on SQLite, while every other writer waits for the lock; found by `make stress`).
    user.password_hash = unusable_password_hash()
    if user.date_of_birth:
        user.date_of_birth = user.date_of_birth.replace(day=1)
    user.active = False
    user.rotate_session_token()
    user.consents = [c for c in user.consents if c.kind is not ConsentKind.PHOTO_MEDIA]
    _forget_audit_details(user, about)
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
    for model in (OutboundEmail, OutboundSms, OutboundTelegram, ChannelChoice, TelegramLink,
                  TelegramLinkCode):  # fmt: skip
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    _mark_erased(user, by=by)
    audit_event("user.erased", user, actor=by)


def _forget_audit_details(user: User, subjects: dict[str, list[int]]) -> None:
    """Events by or about the person keep what happened and when, not where from or why."""
    about = [
        sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
        for kind, ids in sorted(subjects.items())
        if ids
    ]
    db.session.execute(
        sa.update(AuditEvent)
        .where(sa.or_(AuditEvent.actor_id == user.id, *about))
        .values(ip_address=None, details={})
    )


def _mark_erased(user: User, *, by) -> None:
    """The person's erasure request is done (one is written if an admin erased without one)."""
    pending = db.session.scalars(
        sa.select(ErasureRequest).where(
            ErasureRequest.user_id == user.id, ErasureRequest.done_at.is_(None)
        )
    ).all() or [ErasureRequest(user_id=user.id)]
    for erasure in pending:
        erasure.done_at = utcnow()
        erasure.done_by_id = getattr(by, "id", None)
        db.session.add(erasure)
