"""Camps, their questions, applications with their history, and guardian consent."""

import enum
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
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
from portal.i18n import localized
from portal.places import place

if TYPE_CHECKING:  # for the annotations only: accounts sits below this domain
    from portal.accounts.models import User


class CampStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class QuestionKind(enum.Enum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    YES_NO = "yes_no"
    CHOICE = "choice"


class ApplicationStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


#: Statuses that hold one of the camp's places. A no-show keeps theirs: marked absent on one
#: day, they may still come on the next (and be marked present), so the place is not offered.
SEAT_STATUSES = (
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.CONFIRMED,
    ApplicationStatus.ATTENDED,
    ApplicationStatus.NO_SHOW,
)
#: Statuses from which the applicant may still withdraw.
OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.CONFIRMED,
)


def is_asked(question, answers: dict) -> bool:
    """A conditional question applies only when the other question got the given answer."""
    if not question.condition_question_id:
        return True
    return (answers.get(str(question.condition_question_id)) or "") == question.condition_value


class Who(enum.Enum):
    """Who takes a step of an application (portal/camps/transitions.py says who may)."""

    APPLICANT = "applicant"
    ORGANISER = "organiser"
    #: The portal itself: the waiting list moving up, an offer expiring.
    SYSTEM = "system"


class ConsentMethod(enum.Enum):
    PAPER_FORM = "paper_form"
    PHONE_CALL = "phone_call"


class Camp(Model):
    __tablename__ = "camp"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: {"ky": …, "ru": …, "uz_Cyrl": …}; shown with a fallback (portal.i18n.localized).
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    description: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("admin_unit.code"), index=True)
    #: Where it happens, per language like the title: {"ky": …, "ru": …, "uz_Cyrl": …}.
    venue: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    start_date: Mapped[date] = mapped_column(index=True)
    end_date: Mapped[date]
    applications_open: Mapped[date]
    applications_close: Mapped[date]
    #: Accepted applicants must confirm by this day.
    confirmation_deadline: Mapped[date]
    capacity: Mapped[int]
    min_age: Mapped[int] = mapped_column(default=14)
    max_age: Mapped[int] = mapped_column(default=25)
    #: Region codes whose young people may apply; empty means everyone.
    eligible_regions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Languages the camp is run in: "ky", "ru", "uz".
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Cohort targets as {dimension: {value: [min_percent, max_percent]}}.
    targets: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[CampStatus] = mapped_column(
        str_enum(CampStatus), default=CampStatus.DRAFT, index=True
    )
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the camp last changed (its calendar entries say so to calendar apps); None for camps
    #: older than this column that never changed since.
    updated_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    @property
    def region(self):
        """The region from the reference data kept in memory (no join per row)."""
        return place(self.region_code)

    questions: Mapped[list["CampQuestion"]] = relationship(
        back_populates="camp", order_by="CampQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def display_title(self) -> str:
        return localized(self.title)

    @property
    def display_description(self) -> str:
        return localized(self.description)

    @property
    def display_venue(self) -> str:
        return localized(self.venue)

    def days(self) -> list[date]:
        return [
            self.start_date + timedelta(days=offset)
            for offset in range((self.end_date - self.start_date).days + 1)
        ]


class CampQuestion(Model):
    __tablename__ = "camp_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    camp_id: Mapped[int] = mapped_column(sa.ForeignKey("camp.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    label: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    #: For CHOICE: [{"value": "a", "label": {"ky": …, "ru": …, "uz_Cyrl": …}}, …]
    choices: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    #: Ask this question only when the answer to that question equals condition_value.
    condition_question_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("camp_question.id", ondelete="SET NULL")
    )
    condition_value: Mapped[Optional[str]] = mapped_column(sa.String(100))

    camp: Mapped[Camp] = relationship(back_populates="questions")

    @property
    def display_label(self) -> str:
        return localized(self.label)

    def choice_options(self) -> list[tuple[str, str]]:
        return [(choice["value"], localized(choice["label"])) for choice in self.choices]


class Application(Model):
    __tablename__ = "application"
    __table_args__ = (
        sa.UniqueConstraint("camp_id", "user_id", name="uq_application_camp_user"),
        sa.Index("ix_application_camp_status", "camp_id", "status", "submitted_at"),
        sa.Index("ix_application_camp_submitted", "camp_id", "submitted_at"),
        # The review list's orders by name and by age walk these instead of sorting the camp.
        sa.Index("ix_application_camp_name_key", "camp_id", "applicant_name_key", "id"),
        sa.Index("ix_application_camp_age", "camp_id", "age_when_sent", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    camp_id: Mapped[int] = mapped_column(sa.ForeignKey("camp.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: The applicant's `name_key`, kept here so the review list orders a camp's applications by
    #: name from an index of their own instead of looking up every applicant (camps/names.py
    #: keeps it in step with the person's name).
    applicant_name_key: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus), default=ApplicationStatus.DRAFT
    )
    motivation: Mapped[str] = mapped_column(sa.Text, default="")
    safety_problem: Mapped[str] = mapped_column(sa.Text, default="")
    #: Languages the applicant speaks: "ky", "ru", "uz", "tg", "en", "other".
    spoken_languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    previous_camps: Mapped[str] = mapped_column(sa.Text, default="")
    #: Sensitive: health, diet and accessibility needs.
    needs: Mapped[str] = mapped_column(sa.Text, default="")
    #: Sensitive: who to call in an emergency.
    emergency_name: Mapped[str] = mapped_column(sa.String(120), default="")
    emergency_phone: Mapped[Optional[str]] = mapped_column(sa.String(16))
    #: Sensitive, only for applicants under 18 on the camp's first day.
    guardian_name: Mapped[str] = mapped_column(sa.String(120), default="")
    guardian_relation: Mapped[str] = mapped_column(sa.String(60), default="")
    guardian_phone: Mapped[Optional[str]] = mapped_column(sa.String(16))
    #: Photo/media consent is a separate opt-in; the date is kept with it. Given or taken back
    #: in the draft; after sending it can only be withdrawn (and the withdrawal is audited).
    photo_consent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: Answers to the camp's extra questions: {question_id (str): value}.
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    score: Mapped[Optional[int]]
    #: Organisers' private notes; never shown to the applicant.
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    #: Shown to the applicant with the decision.
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: Accepted applicants confirm by this day, or the place goes to the waiting list.
    offer_expires_on: Mapped[Optional[date]]
    #: 1 is offered the next free place.
    waitlist_position: Mapped[Optional[int]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    #: Age on the camp's first day, fixed when the application is sent (None before): what
    #: the organisers decided on, whatever the profile says later.
    age_when_sent: Mapped[Optional[int]]
    #: Whether guardian consent is needed (under 18 on the first day), fixed when sent with
    #: age_when_sent; None while the application is a draft (the rule then follows the profile).
    consent_required: Mapped[Optional[bool]]
    #: When the retention rule (or an erasure) cleared the answers.
    anonymised_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: When the retention rule cleared the health needs, emergency and guardian contacts and
    #: consent scans, some time after the camp (CAMP_SENSITIVE_RETENTION_DAYS).
    sensitive_cleared_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: When the "camp starts soon" reminder went out (sent once).
    reminded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: The confirmation deadline the applicant was last reminded of: a new offer (from the
    #: waiting list, a new deadline) is reminded of again, the same one never twice.
    offer_reminded_for: Mapped[Optional[date]]
    #: A draft's code to continue it on another phone, and when it stops working. Kept as is,
    #: not hashed: it opens nothing without its owner's signed-in session (portal/camps/
    #: services/resume.py), and a second click must show the same code, not send another.
    resume_code: Mapped[Optional[str]] = mapped_column(sa.String(8), index=True)
    resume_code_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    camp: Mapped[Camp] = relationship(lazy="joined")
    applicant: Mapped["User"] = relationship("User", lazy="joined")
    events: Mapped[list["ApplicationEvent"]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id", cascade="all, delete-orphan"
    )
    consents: Mapped[list["GuardianConsent"]] = relationship(
        back_populates="application", order_by="GuardianConsent.id", cascade="all, delete-orphan"
    )

    def fix_age_rule(self) -> None:
        """Fix the age on the first day and the guardian rule, as the application is sent."""
        age = self.applicant.age_on(self.camp.start_date)
        self.age_when_sent = age
        self.consent_required = age is not None and age < 18

    def reopen_age_rule(self) -> None:
        """A reopened draft follows the profile again until it is sent again."""
        self.age_when_sent = None
        self.consent_required = None

    @property
    def applicant_age(self) -> int | None:
        """Age on the camp's first day, which is what the guardian rule depends on (as fixed
        when the application was sent; for a draft, from the profile)."""
        if self.consent_required is not None:
            return self.age_when_sent
        return self.applicant.age_on(self.camp.start_date)

    @property
    def is_minor(self) -> bool:
        return is_minor_by_rule(self.consent_required, self.applicant_age)

    @property
    def holds_place(self) -> bool:
        return self.status in SEAT_STATUSES

    @property
    def active_consent(self) -> Optional["GuardianConsent"]:
        return next((c for c in reversed(self.consents) if c.withdrawn_at is None), None)

    @property
    def needs_guardian_consent(self) -> bool:
        """A minor with no consent on record: not accepted, confirmed or checked in until one
        is recorded (an application that already holds a place keeps it, flagged)."""
        return self.is_minor and self.active_consent is None

    @property
    def consent_withdrawn(self) -> bool:
        """Consent was recorded once and every consent on record is withdrawn."""
        return self.needs_guardian_consent and bool(self.consents)


def is_minor_by_rule(consent_required: bool | None, age: int | None) -> bool:
    """A minor as the guardian rule fixed when the application was sent, or by `age` (on the
    camp's first day) before that (Application.is_minor; the review list's rows too)."""
    if consent_required is not None:
        return consent_required
    return age is not None and age < 18


class ApplicationEvent(Model):
    """One step of an application's history: who moved it from which status to which, and why."""

    __tablename__ = "application_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[Optional[ApplicationStatus]] = mapped_column(
        str_enum(ApplicationStatus, name="from_status")
    )
    to_status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, name="to_status")
    )
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: Whose step it was in the transition table: the applicant, an organiser or the portal.
    who: Mapped[Who] = mapped_column(str_enum(Who))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")
    actor: Mapped[Optional["User"]] = relationship("User")


class GuardianConsent(Model):
    """A guardian's consent for a minor to attend one camp, and how it was given."""

    __tablename__ = "guardian_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[ConsentMethod] = mapped_column(str_enum(ConsentMethod))
    #: Random name of a scanned paper form in the upload store (portal/uploads.py; the mark
    #: keeps `flask uploads sweep` from taking it for a file nobody owns).
    file_name: Mapped[Optional[str]] = mapped_column(sa.String(80), info={"upload": True})
    file_type: Mapped[Optional[str]] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    application: Mapped[Application] = relationship(back_populates="consents")
    recorded_by: Mapped[Optional["User"]] = relationship("User", foreign_keys=[recorded_by_id])


class ApplicationEthnicity(Model):
    """One self-described ethnic group of an applicant; optional, kept apart from the profile.

    No row means "prefer not to say". Only ever read as aggregates (DESIGN §6).
    """

    __tablename__ = "application_ethnicity"

    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), primary_key=True
    )
    group: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class CampAttendance(Model):
    """Whether a participant was at the camp on one of its days."""

    __tablename__ = "camp_attendance"

    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    present: Mapped[bool]
    recorded_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
