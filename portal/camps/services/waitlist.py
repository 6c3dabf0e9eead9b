"""The waiting list: its order, moving people on it, and offering freed places."""

from collections.abc import Sequence

import sqlalchemy as sa

from portal.audit import audit_event
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.services.camps import lock_application
from portal.camps.services.camps import lock_camp
from portal.camps.services.camps import offer_deadline
from portal.camps.services.camps import seats_taken
from portal.camps.services.history import CampError
from portal.camps.services.history import move
from portal.camps.services.history import tell
from portal.camps.transitions import Who
from portal.extensions import db
from portal.i18n import lazy_gettext as _l


def next_waitlist_position(camp: Camp) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(Application.waitlist_position)).where(
            Application.camp_id == camp.id, Application.status == S.WAITLISTED
        )
    )
    return (highest or 0) + 1


def waitlist(camp: Camp) -> Sequence[Application]:
    """The queue in its order, as the database has it now (read again under the camp's lock)."""
    return db.session.scalars(
        sa.select(Application)
        .where(Application.camp_id == camp.id, Application.status == S.WAITLISTED)
        .order_by(Application.waitlist_position, Application.id)
        .execution_options(populate_existing=True)
    ).all()


def promote_from_waitlist(
    camp: Camp, *, freed: int, skip: Application | None = None
) -> list[Application]:
    """Offer the places just given up to the waiting list, in its order: one person for each
    freed place (never more than the camp has free), minors without consent waiting their turn
    and `skip` (whom an organiser just moved off a place) left where they are.

    Called only when a place is freed, never to fill places an organiser chose to leave
    empty; the organiser's reason given with the waiting list stays on the application."""
    camp = lock_camp(camp.id)
    promoted: list[Application] = []
    free = min(freed, camp.capacity - seats_taken(camp))
    for application in waitlist(camp):
        if free <= 0:
            break
        if application is skip or application.needs_guardian_consent:
            continue
        application.waitlist_position = None
        application.offer_expires_on = offer_deadline(camp)
        move(application, S.ACCEPTED, actor=None, who=Who.SYSTEM, reason="waitlist")
        tell(application, _l("A place opened up and it is yours! Please confirm it soon."))
        promoted.append(application)
        free -= 1
    if promoted:
        renumber_waitlist(camp)
    return promoted


def renumber_waitlist(camp: Camp) -> None:
    """Positions 1, 2, 3… in queue order, so "your place in the queue" stays true when
    someone ahead leaves the list."""
    for number, entry in enumerate(waitlist(camp), start=1):
        entry.waitlist_position = number


def move_on_waitlist(application: Application, position: int, *, reason: str, by) -> None:
    """Put a waitlisted applicant at `position` (1 = next); the others shift."""
    lock_application(application)
    if application.status is not S.WAITLISTED:
        raise CampError(_l("Only applications on the waiting list can be moved."))
    queue = [a for a in waitlist(application.camp) if a.id != application.id]
    position = max(1, min(position, len(queue) + 1))
    queue.insert(position - 1, application)
    before = application.waitlist_position
    for number, entry in enumerate(queue, start=1):
        entry.waitlist_position = number
    audit_event(
        "application.waitlist_moved", application, actor=by, before=before, after=position,
        reason=reason,
    )  # fmt: skip
