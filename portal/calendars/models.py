"""A person's secret calendar link: only its hash is kept, so a stolen database opens no feed."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import utcnow


class CalendarFeed(Model):
    """The one calendar link a person has turned on (none: the feed is off)."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    #: sha256 (hex) of the link's random token; the token itself is shown once and never kept.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("User", lazy="joined")
