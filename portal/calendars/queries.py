"""What a feed reads: each in one query, however many camps and sessions there are."""

from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import noload

from portal.accounts.models import User
from portal.calendars import policy
from portal.calendars.models import CalendarFeed
from portal.calendars.services import token_hash
from portal.camps.models import Application
from portal.camps.models import Camp
from portal.camps.models import CampStatus
from portal.extensions import db
from portal.training.models import Enrolment
from portal.training.models import TrainingSession

#: How far back a feed reaches: calendar apps keep what they saw, a feed need not repeat it.
HISTORY = timedelta(days=365)
#: The longest token a link can carry (token_urlsafe(32) is 43 characters).
MAX_TOKEN_LENGTH = 100


def feed_of(user) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


def person_for_token(token: str) -> User | None:
    """The active person whose calendar link carries `token`, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(
        sa.select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == token_hash(token), User.active.is_(True))
        .options(noload(User.role_rows))
    )


def camp_places(user, now: datetime) -> list[Application]:
    """The person's places at camps (accepted, confirmed or attended), their camps loaded."""
    since = (now - HISTORY).date()
    return list(
        db.session.scalars(
            sa.select(Application)
            .join(Camp, Camp.id == Application.camp_id)
            .where(
                Application.user_id == user.id,
                Application.status.in_(policy.CAMP_STATUSES),
                Camp.status != CampStatus.DRAFT,
                Camp.end_date >= since,
            )
            .options(contains_eager(Application.camp), noload(Application.applicant))
            .order_by(Camp.start_date, Camp.id)
        ).unique()
    )


def training_sessions(user, now: datetime) -> list[TrainingSession]:
    """The sessions of the programmes the person learns in (or completed), programme and
    module loaded."""
    return list(
        db.session.scalars(
            sa.select(TrainingSession)
            .join(Enrolment, Enrolment.programme_id == TrainingSession.programme_id)
            .where(
                Enrolment.user_id == user.id,
                Enrolment.status.in_(policy.ENROLMENT_STATUSES),
                TrainingSession.starts_at >= now - HISTORY,
            )
            .options(
                joinedload(TrainingSession.programme, innerjoin=True),
                noload(TrainingSession.trainer),
            )
            .order_by(TrainingSession.starts_at, TrainingSession.id)
        ).unique()
    )


def public_camp(camp_id: int) -> Camp | None:
    """A camp with a public feed, or None (drafts and cancelled camps have none)."""
    camp = db.session.get(Camp, camp_id)
    return camp if camp is not None and policy.has_public_feed(camp) else None
