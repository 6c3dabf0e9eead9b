"""Calendars' part of a person's data: the hash of their calendar link, deleted on erasure (it
says nothing about them, so the download leaves it out)."""

import sqlalchemy as sa

from portal import signals
from portal.calendars.models import CalendarFeed
from portal.extensions import db

PERSON_COLUMNS = {
    "calendar_feed.user_id": "not exported (only the hash of a secret link); erased: deleted",
}


def connect() -> None:
    signals.user_erased.connect(erase_calendar)
    signals.answer_for(PERSON_COLUMNS)


def erase_calendar(user, *, by) -> dict[str, list[int]]:
    """An erased person's calendar link stops working."""
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return {}
