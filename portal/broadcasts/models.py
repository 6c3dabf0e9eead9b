"""A broadcast and the people it went to."""

import enum
from datetime import datetime
from typing import Any
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import str_enum
from portal.extensions import utcnow
from portal.i18n import PerLanguage


class Audience(enum.Enum):
    CAMP = "camp"
    PROGRAMME = "programme"
    GROUP = "group"


class Broadcast(Model):
    """What an organiser wrote (per language) and to whom; a draft until it is sent."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    camp_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("camp.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("youth_group.id", ondelete="CASCADE"), index=True
    )
    #: A camp's broadcast: the application statuses it goes to ("accepted", "confirmed", …).
    statuses: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: A camp's broadcast: also to the guardians of minors, by SMS (numbers recorded with
    #: their consent).
    include_guardians: Mapped[bool] = mapped_column(default=False)
    #: {"ky": …, "ru": …, "uz_Cyrl": …}: each person reads their language, or the next there is.
    texts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    recipient_count: Mapped[int] = mapped_column(default=0)

    author = relationship("User", foreign_keys=[author_id])
    camp = relationship("Camp")
    programme = relationship("Programme")
    group = relationship("YouthGroup")

    @property
    def text(self) -> PerLanguage:
        return PerLanguage(self.texts or {})

    @property
    def target(self):
        return {Audience.CAMP: self.camp, Audience.PROGRAMME: self.programme,
                Audience.GROUP: self.group}[self.audience]  # fmt: skip


class BroadcastRecipient(Model):
    """One person a broadcast went to (or a minor's guardian, by SMS): its messages on each
    channel point here."""

    __tablename__ = "broadcast_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        sa.ForeignKey("broadcast.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: The message went to this young person's guardian, not to them.
    guardian: Mapped[bool] = mapped_column(default=False)
    notification_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("notification.id", ondelete="SET NULL")
    )

    person = relationship("User")
