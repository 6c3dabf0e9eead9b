"""Who a broadcast goes to, what each person gets, and what was delivered (read-only)."""

from collections import Counter
from typing import Any

import sqlalchemy as sa

from portal import reach
from portal.accounts.models import User
from portal.accounts.models import not_erased
from portal.broadcasts.models import Audience
from portal.broadcasts.models import Broadcast
from portal.broadcasts.models import BroadcastRecipient
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.extensions import db
from portal.groups.models import Membership
from portal.groups.models import YouthGroup
from portal.links import external_url
from portal.links import local_path
from portal.listing import paginate_rows
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.outbox import DeliveryStatus
from portal.sms import OutboundSms
from portal.telegram import OutboundTelegram
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from portal.training.models import Programme

#: The outbox of each channel a broadcast may use, in the order the pages show them.
OUTBOXES: dict[str, Any] = {
    "email": OutboundEmail, "sms": OutboundSms, "telegram": OutboundTelegram
}  # fmt: skip


def audience_of(target) -> Audience:
    if isinstance(target, Camp):
        return Audience.CAMP
    if isinstance(target, Programme):
        return Audience.PROGRAMME
    if isinstance(target, YouthGroup):
        return Audience.GROUP
    raise TypeError(f"no broadcast goes to {type(target).__name__}")


def target_of(kind: str, target_id: int):
    """The camp, programme or group `kind` names (None when there is none)."""
    model = {"camp": Camp, "programme": Programme, "group": YouthGroup}.get(kind)
    return db.session.get(model, target_id) if model else None


def broadcasts(target):
    """The broadcasts to `target`'s people, the latest first."""
    audience = audience_of(target)
    column = {Audience.CAMP: Broadcast.camp_id, Audience.PROGRAMME: Broadcast.programme_id,
              Audience.GROUP: Broadcast.group_id}[audience]  # fmt: skip
    return (
        sa.select(Broadcast)
        .where(Broadcast.audience == audience, column == target.id)
        .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
    )


def _reachable(query):
    return query.where(User.active.is_(True), not_erased(User.id))


def people_query(broadcast: Broadcast):
    """(person, the id their link needs) for everyone the broadcast names, by name."""
    query: Any
    if broadcast.audience is Audience.CAMP:
        statuses = [ApplicationStatus(s) for s in broadcast.statuses]
        query = (
            sa.select(User, Application.id)
            .join(Application, Application.user_id == User.id)
            .where(Application.camp_id == broadcast.camp_id, Application.status.in_(statuses))
        )
    elif broadcast.audience is Audience.PROGRAMME:
        query = (
            sa.select(User, sa.literal(None))
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(
                Enrolment.programme_id == broadcast.programme_id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
            )  # fmt: skip
        )
    else:
        query = (
            sa.select(User, sa.literal(None))
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == broadcast.group_id, Membership.left_at.is_(None))
        )
    return _reachable(query).order_by(User.name_key, User.id)


def link_for(broadcast: Broadcast, linked_id) -> str:
    """The page a person's message leads to: their application, their training, the group."""
    if broadcast.audience is Audience.CAMP:
        return local_path("camps.application", application_id=linked_id)
    if broadcast.audience is Audience.PROGRAMME:
        return local_path("training.mine")
    return local_path("groups.group", group_id=broadcast.group_id)


def people_of(broadcast: Broadcast) -> list[tuple[User, str]]:
    return [(person, link_for(broadcast, linked)) for person, linked in
            db.session.execute(people_query(broadcast)).all()]  # fmt: skip


def guardians_query(broadcast: Broadcast):
    """(minor, guardian's phone) for the minors among a camp broadcast's applicants."""
    statuses = [ApplicationStatus(s) for s in broadcast.statuses]
    return _reachable(
        sa.select(User, Application.guardian_phone)
        .join(Application, Application.user_id == User.id)
        .where(
            Application.camp_id == broadcast.camp_id,
            Application.status.in_(statuses),
            Application.consent_required.is_(True),
            Application.guardian_phone.is_not(None),
        )
    ).order_by(User.name_key, User.id)


def guardians_of(broadcast: Broadcast) -> list[tuple[User, str]]:
    if broadcast.audience is not Audience.CAMP:
        return []
    return [(minor, phone) for minor, phone in db.session.execute(guardians_query(broadcast))]


def public_link(broadcast: Broadcast) -> str:
    """Where a guardian's SMS leads: the camp's public page."""
    return external_url("camps.camp", camp_id=broadcast.camp_id)


# --- the preview: who gets it on which channel ------------------------------------------------


def channels_of(their: reach.Reach | None) -> list[str]:
    """The channels a person gets a broadcast on, beyond the inbox."""
    if their is None:
        return []
    return [name for name, value in
            (("email", their.email), ("sms", their.phone), ("telegram", their.chat_id))
            if value is not None]  # fmt: skip


def preview(broadcast: Broadcast):
    """(how many get it on each channel, one page of people with their channels)."""
    ids = db.session.scalars(people_query(broadcast).with_only_columns(User.id)).all()
    reaches = reach.reach_of_many(ids)
    counts: Counter = Counter({"inbox": len(ids)})
    for their in reaches.values():
        counts.update(channels_of(their))
    if broadcast.include_guardians:
        counts["guardians"] = db.session.scalar(  # type: ignore[assignment]
            sa.select(sa.func.count()).select_from(guardians_query(broadcast).subquery())
        )
    page = paginate_rows(people_query(broadcast))
    page.items = [(person, channels_of(reaches.get(person.id))) for person, _linked in page.items]
    return counts, page


# --- delivery: what each channel did ----------------------------------------------------------


def delivery_counts(broadcast: Broadcast) -> dict[str, Counter]:
    """Per channel, how many messages are waiting, sent and failed (and the inbox: read)."""
    recipients = sa.select(BroadcastRecipient.id).where(
        BroadcastRecipient.broadcast_id == broadcast.id
    )
    found: dict[str, Counter] = {}
    for name, model in OUTBOXES.items():
        rows = db.session.execute(
            sa.select(model.status, sa.func.count())
            .where(model.broadcast_recipient_id.in_(recipients))
            .group_by(model.status)
        )
        found[name] = Counter({status.value: count for status, count in rows})
    read, total = db.session.execute(
        sa.select(sa.func.count(Notification.read_at), sa.func.count(Notification.id))
        .join(BroadcastRecipient, BroadcastRecipient.notification_id == Notification.id)
        .where(BroadcastRecipient.broadcast_id == broadcast.id)
    ).one()
    found["inbox"] = Counter({"sent": total, "read": read})
    return found


def delivery_page(broadcast: Broadcast):
    """One page of recipients, each with its status on every channel it used."""
    page = paginate_rows(
        sa.select(BroadcastRecipient, User.full_name)
        .outerjoin(User, User.id == BroadcastRecipient.user_id)
        .where(BroadcastRecipient.broadcast_id == broadcast.id)
        .order_by(BroadcastRecipient.id)
    )
    ids = [recipient.id for recipient, _name in page.items]
    statuses: dict[int, dict[str, DeliveryStatus]] = {i: {} for i in ids}
    errors: dict[int, dict[str, str]] = {i: {} for i in ids}
    if ids:
        for name, model in OUTBOXES.items():
            for recipient_id, status, error in db.session.execute(
                sa.select(model.broadcast_recipient_id, model.status, model.last_error)
                .where(model.broadcast_recipient_id.in_(ids))
            ):  # fmt: skip
                statuses[recipient_id][name] = status
                if error:
                    errors[recipient_id][name] = error
        read: dict[int, Any] = dict(
            db.session.execute(  # type: ignore[arg-type]
                sa.select(BroadcastRecipient.id, Notification.read_at)
                .join(Notification, Notification.id == BroadcastRecipient.notification_id)
                .where(BroadcastRecipient.id.in_(ids))
            ).all()
        )
    else:
        read = {}
    page.items = [
        (recipient, name, statuses[recipient.id], errors[recipient.id], read.get(recipient.id))
        for recipient, name in page.items
    ]
    return page
