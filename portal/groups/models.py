"""Youth groups, their members and mentors, and action plans with versions, reviews and progress."""

import enum
import secrets
from datetime import date
from datetime import datetime
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
from portal.places import place

if TYPE_CHECKING:  # for the annotations only: accounts sits below this domain
    from portal.accounts.models import User


def new_join_code() -> str:
    return secrets.token_urlsafe(6)


class PlanStatus(enum.Enum):
    """Which status may follow which, and who takes each step: portal/groups/transitions.py."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class ProblemCategory(enum.Enum):
    EARLY_MARRIAGE = "early_marriage"
    DOMESTIC_VIOLENCE = "domestic_violence"
    BRIDE_KIDNAPPING = "bride_kidnapping"
    GIRLS_LEAVING_SCHOOL = "girls_leaving_school"
    STREET_HARASSMENT = "street_harassment"
    CHILD_NEGLECT = "child_neglect"
    INTERGROUP_TENSION = "intergroup_tension"
    VIOLENT_GROUPS = "violent_groups"
    POLICE_TRUST = "police_trust"
    OTHER = "other"


class Decision(enum.Enum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


class JoinedVia(enum.Enum):
    """How a person came into a group: every way but ADDED is their own choice."""

    CREATED = "created"
    INVITATION = "invitation"
    JOIN_CODE = "join_code"
    #: Put in by a lead before invitations existed, without being asked.
    ADDED = "added"
    #: Was ADDED, then chose to stay.
    CONFIRMED = "confirmed"


class InvitationStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class YouthGroup(Model):
    __tablename__ = "youth_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("admin_unit.code"), index=True)
    district_code: Mapped[Optional[str]] = mapped_column(sa.ForeignKey("admin_unit.code"))
    community: Mapped[str] = mapped_column(sa.String(120), default="")
    lead_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: Shared by the lead so others can join; the lead can reset it.
    join_code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_join_code)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def region(self):
        """The region from the reference data kept in memory (no join per row)."""
        return place(self.region_code)

    @property
    def district(self):
        """The district from the reference data kept in memory (no join per row)."""
        return place(self.district_code)

    lead: Mapped[Optional["User"]] = relationship("User", foreign_keys=[lead_id], lazy="joined")
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    mentor_links: Mapped[list["GroupMentor"]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )

    @property
    def members(self) -> list:
        return [m.person for m in self.memberships if m.left_at is None]

    @property
    def mentors(self) -> list:
        return [link.mentor for link in self.mentor_links]


class Membership(Model):
    __tablename__ = "membership"

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_group.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Set when the person leaves; they lose access to the group's plans at once.
    left_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    joined_via: Mapped[JoinedVia] = mapped_column(str_enum(JoinedVia))

    @property
    def consented(self) -> bool:
        """The person chose to be in the group (only they may be handed the lead role)."""
        return self.joined_via is not JoinedVia.ADDED

    group: Mapped[YouthGroup] = relationship(back_populates="memberships")
    person: Mapped["User"] = relationship("User", lazy="joined")


class GroupInvitation(Model):
    """A lead's invitation to a contact; membership exists only once the invitee accepts.

    A row is written for every contact the lead types, whether or not it names someone who may
    be invited, so nothing the lead sees tells the cases apart.
    """

    __tablename__ = "group_invitation"
    __table_args__ = (sa.Index("ix_group_invitation_group_contact", "group_id", "contact_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_group.id", ondelete="CASCADE"), index=True
    )
    #: The young person it reached; None when the contact named nobody who may be invited.
    invitee_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    invited_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    #: The contact as typed, masked ("+996 *** *** *33"), so the lead recognises it.
    contact_hint: Mapped[str] = mapped_column(sa.String(64))
    #: Keyed hash of the normalised contact: one open invitation per contact and group, and
    #: erased with the person.
    contact_digest: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[InvitationStatus] = mapped_column(
        str_enum(InvitationStatus), default=InvitationStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    group: Mapped[YouthGroup] = relationship(lazy="joined")
    invited_by: Mapped[Optional["User"]] = relationship("User", foreign_keys=[invited_by_id])

    def is_open(self, now: datetime) -> bool:
        """Still waiting for the invitee's answer."""
        return self.status is InvitationStatus.PENDING and self.expires_at > now

    def looks_open_to_inviter(self, now: datetime) -> bool:
        """What the lead sees: a declined invitation looks unanswered until it expires, so
        saying no costs nothing and no contact stands out from one with no account."""
        return (
            self.status in (InvitationStatus.PENDING, InvitationStatus.DECLINED)
            and self.expires_at > now
        )


class GroupMentor(Model):
    __tablename__ = "group_mentor"

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("youth_group.id", ondelete="CASCADE"), primary_key=True
    )
    mentor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[YouthGroup] = relationship(back_populates="mentor_links")
    mentor: Mapped["User"] = relationship("User", lazy="joined")


#: The plan's sections, in the order the form and the review show them.
SECTIONS = (
    "title", "category", "problem", "root_causes", "affected", "objectives", "activities",
    "partners", "do_no_harm", "indicators", "budget",
)  # fmt: skip


class ActionPlan(Model):
    __tablename__ = "action_plan"
    __table_args__ = (
        sa.Index("ix_action_plan_status_submitted", "status", "submitted_at"),
        # A group's plans, and those in a status (a mentor's review queue).
        sa.Index("ix_action_plan_group_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("youth_group.id", ondelete="CASCADE"))
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus), default=PlanStatus.DRAFT)
    category: Mapped[ProblemCategory] = mapped_column(
        str_enum(ProblemCategory), default=ProblemCategory.OTHER, index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    root_causes: Mapped[str] = mapped_column(sa.Text, default="")
    affected: Mapped[str] = mapped_column(sa.Text, default="")
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    #: Partner codes (police, local_authority, …); partners_other names anything else.
    partners: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    partners_other: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Do no harm: what could go wrong, and how the plan avoids raising tension.
    risks: Mapped[str] = mapped_column(sa.Text, default="")
    tension_avoidance: Mapped[str] = mapped_column(sa.Text, default="")
    indicators: Mapped[str] = mapped_column(sa.Text, default="")
    budget_som: Mapped[Optional[int]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    #: When the latest version was sent for review (the review queue's clock).
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_progress_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    group: Mapped[YouthGroup] = relationship(lazy="joined")
    updated_by: Mapped[Optional["User"]] = relationship("User", foreign_keys=[updated_by_id])
    activities: Mapped[list["PlanActivity"]] = relationship(
        back_populates="plan", order_by="PlanActivity.position", cascade="all, delete-orphan"
    )
    versions: Mapped[list["PlanVersion"]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest_version(self) -> Optional["PlanVersion"]:
        return self.versions[-1] if self.versions else None


class PlanActivity(Model):
    __tablename__ = "plan_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("action_plan.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    what: Mapped[str] = mapped_column(sa.String(300), default="")
    who: Mapped[str] = mapped_column(sa.String(200), default="")
    starts_on: Mapped[Optional[date]]
    ends_on: Mapped[Optional[date]]
    resources: Mapped[str] = mapped_column(sa.String(300), default="")

    plan: Mapped[ActionPlan] = relationship(back_populates="activities")


class PlanVersion(Model):
    """What the group sent for review, frozen: never changed after it is written."""

    __tablename__ = "plan_version"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number", name="uq_plan_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plan.id", ondelete="CASCADE"))
    number: Mapped[int]
    #: Every section as sent: {section: value}; activities as a list of dicts.
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    submitted_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[ActionPlan] = relationship(back_populates="versions")
    submitted_by: Mapped[Optional["User"]] = relationship("User")
    reviews: Mapped[list["PlanReview"]] = relationship(
        back_populates="version", order_by="PlanReview.id"
    )


class PlanReview(Model):
    __tablename__ = "plan_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plan_version.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: {criterion: {"score": 1-4, "note": "…"}}
    scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: {section: comment} for the sections the mentor commented on.
    section_comments: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    overall_comment: Mapped[str] = mapped_column(sa.Text, default="")
    decision: Mapped[Decision] = mapped_column(str_enum(Decision))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[PlanVersion] = relationship(back_populates="reviews")
    mentor: Mapped[Optional["User"]] = relationship("User", lazy="joined")


class PlanComment(Model):
    __tablename__ = "plan_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("action_plan.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Optional["User"]] = relationship("User", lazy="joined")


class ProgressUpdate(Model):
    __tablename__ = "progress_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("action_plan.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    percent_complete: Mapped[int]
    what_happened: Mapped[str] = mapped_column(sa.Text)
    #: {activity id (str): "not_started" | "under_way" | "done" | "dropped"}
    activity_statuses: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Optional["User"]] = relationship("User", lazy="joined")
