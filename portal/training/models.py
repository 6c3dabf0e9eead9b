"""Training programmes, their modules and sessions, enrolments, attendance and certificates."""

import enum
import secrets
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import str_enum
from portal.extensions import utcnow
from portal.i18n import localized

if TYPE_CHECKING:  # for the annotations only: accounts sits below this domain
    from portal.accounts.models import User


class DeliveryMode(enum.Enum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    MESSAGING = "messaging"


class CompletionRule(enum.Enum):
    #: Attended at least one session of every required module.
    REQUIRED_MODULES = "required_modules"
    #: Attended at least `completion_percent` of the sessions since enrolling.
    SESSION_SHARE = "session_share"


class Topic(enum.Enum):
    DEMOCRACY = "democracy"
    TOLERANCE = "tolerance"
    DIVERSITY = "diversity"
    ACTIVISM = "activism"
    CONFLICT_ANALYSIS = "conflict_analysis"
    GENDER_SAFETY = "gender_safety"
    COMMUNICATION = "communication"
    OTHER = "other"


class EnrolmentStatus(enum.Enum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"


class AttendanceStatus(enum.Enum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"


#: Marks that count as having taken part in a session.
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class Programme(Model):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    description: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    delivery_mode: Mapped[DeliveryMode] = mapped_column(str_enum(DeliveryMode))
    #: Graduates become youth ambassadors.
    makes_ambassadors: Mapped[bool] = mapped_column(default=False, index=True)
    completion_rule: Mapped[CompletionRule] = mapped_column(str_enum(CompletionRule))
    #: For SESSION_SHARE: the share of sessions to attend, in percent.
    completion_percent: Mapped[int] = mapped_column(default=80)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    modules: Mapped[list["Module"]] = relationship(
        back_populates="programme", order_by="Module.position", cascade="all, delete-orphan"
    )
    sessions: Mapped[list["TrainingSession"]] = relationship(
        back_populates="programme",
        order_by="TrainingSession.starts_at",
        cascade="all, delete-orphan",
    )

    @property
    def display_title(self) -> str:
        return localized(self.title)

    @property
    def display_description(self) -> str:
        return localized(self.description)


class Module(Model):
    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    topic: Mapped[Topic] = mapped_column(str_enum(Topic))
    position: Mapped[int] = mapped_column(default=1)
    required: Mapped[bool] = mapped_column(default=True)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1), default=Decimal("2"))

    programme: Mapped[Programme] = relationship(back_populates="modules")

    @property
    def display_title(self) -> str:
        return localized(self.title)


class TrainingSession(Model):
    __tablename__ = "training_session"
    #: A programme's sessions in time order: what every count of sessions held or attended
    #: since someone enrolled reads, so its cost is one programme's sessions, not everyone's.
    __table_args__ = (
        sa.Index("ix_training_session_programme_starts", "programme_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    module_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("module.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: A place for in-person sessions, or a channel (e.g. the WhatsApp group) for others; per
    #: language like titles: {"ky": …, "ru": …, "uz_Cyrl": …}.
    place: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    trainer_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: When its time or place last changed (calendar apps move the entry); None for sessions
    #: older than this column that never changed since.
    updated_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    programme: Mapped[Programme] = relationship(back_populates="sessions")
    module: Mapped[Optional[Module]] = relationship(lazy="joined")
    trainer: Mapped[Optional["User"]] = relationship("User", lazy="joined")

    @property
    def display_place(self) -> str:
        return localized(self.place)


class SessionReminder(Model):
    """A session's reminder sent to one enrolment: at most one each, even when two runs of
    `flask training remind` overlap (the primary key refuses the second)."""

    __tablename__ = "session_reminder"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True
    )
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Enrolment(Model):
    __tablename__ = "enrolment"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "user_id", name="uq_enrolment_programme_user"),
        sa.Index("ix_enrolment_programme_status", "programme_id", "status"),
        sa.Index("ix_enrolment_name_key", "name_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus), default=EnrolmentStatus.ACTIVE
    )
    #: Sessions that started before this moment never count for or against the person.
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    dropped_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: Completed before the portal kept this programme's attendance (a graduate imported from a
    #: list): the completion rule, which reads attendance marks, leaves it completed.
    completed_elsewhere: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The person's `name_key`, kept here so the directory sorts 10,000 enrolments by an index
    #: of their own (training/names.py keeps it in step with the person's name).
    name_key: Mapped[str] = mapped_column(sa.String(120))

    programme: Mapped[Programme] = relationship(lazy="joined")
    person: Mapped["User"] = relationship("User", lazy="joined")
    #: Oldest first. A new certificate is issued only after the earlier one was revoked.
    certificates: Mapped[list["Certificate"]] = relationship(
        back_populates="enrolment", order_by="Certificate.id"
    )

    @property
    def certificate(self) -> Optional["Certificate"]:
        """The latest certificate (revoked only when none was issued after it), or None."""
        return self.certificates[-1] if self.certificates else None

    @property
    def valid_certificate(self) -> Optional["Certificate"]:
        """The certificate that is not revoked, if there is one (never more than one)."""
        certificate = self.certificate
        return certificate if certificate is not None and certificate.revoked_at is None else None


class Attendance(Model):
    __tablename__ = "attendance"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True
    )
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    #: Set by the service on every change, from the same clock as the rule that allows it.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceChange(Model):
    """Every change of an attendance mark: who changed what, and when."""

    __tablename__ = "attendance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"))
    from_status: Mapped[Optional[AttendanceStatus]] = mapped_column(
        str_enum(AttendanceStatus, name="attendance_from")
    )
    to_status: Mapped[AttendanceStatus] = mapped_column(
        str_enum(AttendanceStatus, name="attendance_to")
    )
    changed_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def new_certificate_code() -> str:
    return secrets.token_urlsafe(12)


class CertificateState(enum.Enum):
    VALID = "valid"
    #: Its enrolment no longer meets the completion rule: the organiser revokes or keeps it.
    FLAGGED = "flagged"
    #: Kept valid by an organiser (with a reason) although the rule is no longer met.
    KEPT = "kept"
    REVOKED = "revoked"


class Certificate(Model):
    __tablename__ = "certificate"
    __table_args__ = (
        # One certificate of an enrolment at most is not revoked.
        sa.Index(
            "uq_certificate_unrevoked_enrolment",
            "enrolment_id",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    #: Unguessable; printed on the certificate and in its QR code.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_certificate_code)
    #: The name as it was when the certificate was issued.
    holder_name: Mapped[str] = mapped_column(sa.String(120))
    issued_on: Mapped[date]
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: Since when its enrolment no longer meets the completion rule, awaiting the organiser's
    #: decision (revoke or keep); None when there is no open flag.
    flagged_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    #: An organiser kept it valid, with a reason, although the rule is no longer met.
    kept_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    kept_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    keep_reason: Mapped[str] = mapped_column(sa.Text, default="")

    enrolment: Mapped[Enrolment] = relationship(back_populates="certificates", lazy="joined")

    @property
    def state(self) -> CertificateState:
        if self.revoked_at is not None:
            return CertificateState.REVOKED
        if self.flagged_at is not None:
            return CertificateState.FLAGGED
        if self.kept_at is not None:
            return CertificateState.KEPT
        return CertificateState.VALID
