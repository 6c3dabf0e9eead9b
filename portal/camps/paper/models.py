"""A printed paper application form, from the blank sheet to the application it became."""

import enum
import re
import secrets
import unicodedata
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.camps.models import Application
from portal.camps.models import Camp
from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import str_enum
from portal.extensions import utcnow

#: Letters and digits nobody mixes up when reading a handwritten or printed code (no 0/O, 1/I).
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8


class PaperStatus(enum.Enum):
    #: Printed blank; nobody has typed it in yet.
    PRINTED = "printed"
    #: An organiser typed it in: an application was sent for the person.
    ENTERED = "entered"
    #: The young person took it over online with the code and their phone number.
    CLAIMED = "claimed"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str:
    """A code as stored, however it was typed: any case, with spaces, dashes or full-width."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return re.sub(r"[^0-9A-Z]", "", folded)


def shown_code(code: str) -> str:
    """The code as printed and shown: two groups of four, easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"


class PaperForm(Model):
    __tablename__ = "paper_form"
    __table_args__ = (sa.Index("ix_paper_form_camp_status", "camp_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Printed large on every page of the form (CODE_ALPHABET, CODE_LENGTH characters).
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True, index=True)
    camp_id: Mapped[int] = mapped_column(sa.ForeignKey("camp.id", ondelete="CASCADE"))
    status: Mapped[PaperStatus] = mapped_column(str_enum(PaperStatus), default=PaperStatus.PRINTED)
    #: The language the form was printed in (its consent text was read in it).
    locale: Mapped[str] = mapped_column(sa.String(8), default="ky")
    printed_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    entered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: The application the form became once typed in (one form, one application).
    application_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )

    camp: Mapped[Camp] = relationship()
    application: Mapped[Optional[Application]] = relationship()

    @property
    def shown_code(self) -> str:
        return shown_code(self.code)
