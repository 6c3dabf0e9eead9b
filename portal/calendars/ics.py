"""Calendars as iCalendar (RFC 5545) text, built with the icalendar library.

Every entry has a UID that never changes (a calendar app updates it rather than adding a
second one), a DTSTAMP, and LAST-MODIFIED when the portal knows it; sessions start at a TZID
of Asia/Bishkek with its VTIMEZONE. Entries hold what the person may read on the camp's public
page or their training page, never consent, health or ethnicity.
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import lru_cache

import icalendar
from icalendar.enums import STATUS
from icalendar.enums import TRANSP

from portal.calendars import policy
from portal.camps.models import CampStatus
from portal.i18n import BISHKEK
from portal.i18n import gettext as _
from portal.i18n import short_date
from portal.links import external_url
from portal.links import public_host

#: Sessions keep no end time: a calendar shows them this long.
SESSION_LENGTH = timedelta(hours=2)
PRODID = "-//Jashtar//Jashtar portal//EN"
#: Bishkek has kept UTC+6 since 2005; the VTIMEZONE describes these years only.
ZONE_YEARS = (date(2010, 1, 1), date(2045, 1, 1))


@lru_cache(maxsize=1)
def _bishkek_zone() -> bytes:
    """The VTIMEZONE of Asia/Bishkek (made once: the library takes a while to derive it)."""
    first, last = ZONE_YEARS
    return icalendar.Timezone.from_tzid("Asia/Bishkek", first_date=first, last_date=last).to_ical()


def _uid(kind: str, object_id: int, host: str) -> str:
    return f"{kind}-{object_id}@{host}"


def new_calendar(name: str, *, uid: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar.new(prodid=PRODID, name=name, uid=uid)
    calendar.add("CALSCALE", "GREGORIAN")
    return calendar


def finished(calendar: icalendar.Calendar) -> bytes:
    """The calendar as text, with the VTIMEZONE its entries name first."""
    if calendar.get_missing_tzids():
        calendar.subcomponents.insert(0, icalendar.Timezone.from_ical(_bishkek_zone()))
    return calendar.to_ical()


def camp_event(
    camp, *, now: datetime, host: str, status: STATUS = STATUS.CONFIRMED, note: str = ""
):
    """A camp as an all-day entry from its first to its last day (DTEND is the day after)."""
    changed = camp.updated_at or camp.created_at
    lines = [camp.display_description, note, external_url("camps.camp", camp_id=camp.id)]
    return icalendar.Event.new(
        uid=_uid("camp", camp.id, host),
        summary=_("Camp: %(title)s", title=camp.display_title),
        start=camp.start_date,
        end=camp.end_date + timedelta(days=1),
        location=_place(camp.display_venue, camp.region.name if camp.region else ""),
        description="\n\n".join(line for line in lines if line),
        url=external_url("camps.camp", camp_id=camp.id),
        stamp=changed or now,
        last_modified=changed,
        status=STATUS.CANCELLED if camp.status is CampStatus.CANCELLED else status,
        transparency=TRANSP.OPAQUE,
    )


def session_event(session, *, now: datetime, host: str):
    """A training session, starting at its time in Bishkek."""
    programme = session.programme.display_title
    if session.module is not None:
        summary = session.module.display_title  # the programme is named in the description
    else:
        summary = _("Training: %(programme)s", programme=programme)
    starts = session.starts_at.astimezone(BISHKEK)
    about = _("Training session of the programme “%(programme)s”.", programme=programme)
    return icalendar.Event.new(
        uid=_uid("training-session", session.id, host),
        summary=summary,
        start=starts,
        end=starts + SESSION_LENGTH,
        location=session.display_place,
        description="\n\n".join([about, external_url("training.mine")]),
        url=external_url("training.mine"),
        stamp=session.updated_at or now,
        last_modified=session.updated_at,
        status=STATUS.CONFIRMED,
    )


def _place(venue: str, region: str) -> str:
    return ", ".join(part for part in (venue, region) if part)


def person_calendar(user, places, sessions, *, now: datetime, base_url: str) -> bytes:
    """The person's camps and training sessions, in the language of the moment."""
    host = public_host(base_url) or "jashtar"
    calendar = new_calendar(
        _("Jashtar: my camps and training"), uid=_uid("person-calendar", user.id, host)
    )
    for application in places:
        tentative = not policy.is_place_confirmed(application)
        note = (
            _("Confirm your place by %(date)s.",
              date=short_date(application.camp.confirmation_deadline))
            if tentative
            else ""
        )  # fmt: skip
        calendar.add_component(
            camp_event(application.camp, now=now, host=host,
                       status=STATUS.TENTATIVE if tentative else STATUS.CONFIRMED, note=note)
        )  # fmt: skip
    for session in sessions:
        calendar.add_component(session_event(session, now=now, host=host))
    return finished(calendar)


def camp_calendar(camp, *, now: datetime, base_url: str) -> bytes:
    """One public camp, in the language of the moment."""
    host = public_host(base_url) or "jashtar"
    calendar = new_calendar(camp.display_title, uid=_uid("camp-calendar", camp.id, host))
    calendar.add_component(camp_event(camp, now=now, host=host))
    return finished(calendar)
