"""At the camp: attendance day by day, on the camp's days only (Bishkek time)."""

from datetime import date

import sqlalchemy as sa

from portal.camps import policy
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampAttendance
from portal.camps.services.camps import lock_application
from portal.camps.services.history import CampError
from portal.camps.services.history import move
from portal.camps.transitions import Who
from portal.camps.transitions import can_be_checked_in
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.i18n import short_date


def mark_attendance(application: Application, day: date, present: bool, *, by) -> None:
    """Record one camp day; the application becomes attended, or no-show if absent every day.

    A day is marked on that day or later (a correction after the camp is fine), never before;
    a minor whose guardian's consent is not on record is never marked present."""
    lock_application(application)  # two taps at once: the second finds the first one's mark
    if not can_be_checked_in(application.status):
        raise CampError(_l("Only confirmed participants can be checked in."))
    if day not in application.camp.days():
        raise CampError(_l("This day is not one of the camp's days."))
    if not policy.checkin_day_open(application.camp, day):
        raise CampError(
            _l("Check-in for %(day)s opens on that day, not before.", day=short_date(day))
        )
    if present and not policy.can_mark_present(application, day):
        raise CampError(
            _l("No guardian consent is on record for this minor: record it before check-in.")
        )
    record = db.session.get(CampAttendance, (application.id, day))
    if record is None:
        record = CampAttendance(application_id=application.id, day=day)
        db.session.add(record)
    record.present = present
    record.recorded_by_id = by.id
    db.session.flush()
    days_present = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CampAttendance)
        .where(CampAttendance.application_id == application.id, CampAttendance.present.is_(True))
    )
    target = S.ATTENDED if days_present else S.NO_SHOW
    if application.status is not target:
        move(application, target, actor=by, who=Who.ORGANISER)
