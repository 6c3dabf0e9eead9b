"""People who use the portal, their roles and their consents."""

import enum
import secrets
from datetime import date
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import validates

from portal.ages import age_on
from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import str_enum
from portal.extensions import utcnow
from portal.places import place
from portal.security import Role


class Gender(enum.Enum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class ConsentKind(enum.Enum):
    DATA_PROCESSING = "data_processing"
    PHOTO_MEDIA = "photo_media"


class User(UserMixin, Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The person's name as they write it, NFC-normalised; no assumed name order.
    full_name: Mapped[str] = mapped_column(sa.String(120))
    #: full_name case-folded in Python, for search (SQLite's lower() knows only ASCII).
    name_key: Mapped[str] = mapped_column(sa.String(120), index=True)
    #: Lower-cased; at least one of e-mail and phone is set.
    email: Mapped[Optional[str]] = mapped_column(sa.String(254), unique=True)
    #: E.164, e.g. +996555123456.
    phone: Mapped[Optional[str]] = mapped_column(sa.String(16), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    date_of_birth: Mapped[Optional[date]]
    #: None means the person preferred not to say.
    gender: Mapped[Optional[Gender]] = mapped_column(str_enum(Gender))
    region_code: Mapped[Optional[str]] = mapped_column(sa.ForeignKey("admin_unit.code"), index=True)
    district_code: Mapped[Optional[str]] = mapped_column(
        sa.ForeignKey("admin_unit.code"), index=True
    )
    #: Village or community, as the person writes it.
    community: Mapped[Optional[str]] = mapped_column(sa.String(120))
    locale: Mapped[str] = mapped_column(sa.String(8), default="ky")
    active: Mapped[bool] = mapped_column(default=True, index=True)
    #: Part of the login cookie: changing it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=lambda: secrets.token_hex(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def region(self):
        """The region from the reference data kept in memory (no join per row)."""
        return place(self.region_code)

    @property
    def district(self):
        """The district from the reference data kept in memory (no join per row)."""
        return place(self.district_code)

    consents: Mapped[list["Consent"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Consent.granted_at"
    )

    @validates("full_name")
    def _keep_name_key(self, key, value):
        self.name_key = (value or "").casefold()
        return value

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, role: Role) -> bool:
        held = self.roles
        return role in held or (role is Role.ORGANISER and Role.ADMIN in held)

    def has_any_role(self, *roles: Role) -> bool:
        return any(self.has_role(role) for role in roles)

    def set_roles(self, roles: set[Role]) -> None:
        keep = [row for row in self.role_rows if row.role in roles]
        for role in sorted(roles - {row.role for row in keep}, key=lambda r: r.value):
            keep.append(UserRole(role=role))
        self.role_rows = keep

    def age_on(self, day: date) -> int | None:
        return None if self.date_of_birth is None else age_on(self.date_of_birth, day)

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(8)


class UserRole(Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role), primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class Consent(Model):
    """A dated consent the person gave, with the text they saw; withdrawing keeps the row."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(str_enum(ConsentKind))
    #: Which wording was shown (bumped whenever the text changes).
    version: Mapped[str] = mapped_column(sa.String(16))
    locale: Mapped[str] = mapped_column(sa.String(8))
    text: Mapped[str] = mapped_column(sa.Text)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="consents")


class ErasureRequest(Model):
    """A person's request to be erased; an admin carries it out."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None while pending.
    done_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    done_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    person: Mapped["User"] = relationship("User", foreign_keys=[user_id], lazy="joined")


def pseudonym(user_id: int) -> str:
    """The name an erased person goes by from then on (their account and certificates)."""
    return f"— {user_id}"


def not_erased(user_id):
    """SQL: the person `user_id` (a column) has not been erased; exports leave erased people out."""
    return ~sa.exists().where(
        ErasureRequest.user_id == user_id, ErasureRequest.done_at.is_not(None)
    )
