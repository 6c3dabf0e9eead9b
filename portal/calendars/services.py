"""Turning a person's calendar link on, making it anew and turning it off (audited)."""

import hashlib
import secrets

from portal.audit import audit_event
from portal.calendars.models import CalendarFeed
from portal.extensions import db
from portal.extensions import utcnow

#: 32 random bytes: 256 bits, far beyond guessing (the brief asks for at least 128).
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """What the table keeps of a link's token: its sha256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def reset_link(user) -> str:
    """Give the person a new calendar link (the old one, if any, stops working); returns the
    token, which is shown once and never kept."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = db.session.get(CalendarFeed, user.id)
    had_one = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = token_hash(token)
    feed.created_at = utcnow()
    audit_event("calendar.reset", user, actor=user, replaced=had_one)
    return token


def turn_off(user) -> bool:
    """Void the person's calendar link; False when there was none."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        return False
    db.session.delete(feed)
    audit_event("calendar.off", user, actor=user)
    return True
