"""Read-only queries behind the group and plan lists."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.database import built
from portal.extensions import db
from portal.groups import transitions
from portal.groups.models import ActionPlan
from portal.groups.models import GroupInvitation
from portal.groups.models import GroupMentor
from portal.groups.models import InvitationStatus
from portal.groups.models import Membership
from portal.groups.models import PlanComment
from portal.groups.models import PlanReview
from portal.groups.models import PlanStatus
from portal.groups.models import PlanVersion
from portal.groups.models import ProblemCategory
from portal.groups.models import ProgressUpdate
from portal.groups.models import YouthGroup
from portal.groups.transitions import Step
from portal.listing import contains_pattern

#: Load what policy predicates and list rows read, in a fixed number of queries.
GROUP_LOADS = (
    selectinload(YouthGroup.memberships),
    selectinload(YouthGroup.mentor_links),
)


def my_groups(user):
    """Groups the user is an active member of, or mentors."""
    member_of = sa.select(Membership.group_id).where(
        Membership.user_id == user.id, Membership.left_at.is_(None)
    )
    mentor_of = sa.select(GroupMentor.group_id).where(GroupMentor.mentor_id == user.id)
    return (
        sa.select(YouthGroup)
        .where(sa.or_(YouthGroup.id.in_(member_of), YouthGroup.id.in_(mentor_of)))
        .options(*GROUP_LOADS)
        .order_by(YouthGroup.name, YouthGroup.id)
    )


def all_groups(q=None):
    query = sa.select(YouthGroup).options(*GROUP_LOADS).order_by(YouthGroup.name, YouthGroup.id)
    if q:
        query = query.where(sa.func.lower(YouthGroup.name).like(contains_pattern(q), escape="\\"))
    return query


def invitations_sent(group, now):
    """What the lead sees: invitations not accepted, cancelled or expired (no names)."""
    return db.session.scalars(
        sa.select(GroupInvitation)
        .where(
            GroupInvitation.group_id == group.id,
            GroupInvitation.status.in_((InvitationStatus.PENDING, InvitationStatus.DECLINED)),
            GroupInvitation.expires_at > now,
        )
        .order_by(GroupInvitation.created_at.desc(), GroupInvitation.id.desc())
    ).all()


def invitations_for(user, now):
    """Invitations waiting for the user's answer."""
    return db.session.scalars(
        sa.select(GroupInvitation)
        .where(
            GroupInvitation.invitee_id == user.id,
            GroupInvitation.status == InvitationStatus.PENDING,
            GroupInvitation.expires_at > now,
        )
        .order_by(GroupInvitation.created_at.desc(), GroupInvitation.id.desc())
    ).all()


def plans_of(group):
    return (
        sa.select(ActionPlan)
        .where(ActionPlan.group_id == group.id)
        .order_by(ActionPlan.created_at.desc(), ActionPlan.id.desc())
    )


def review_queue(mentor):
    """Plans the mentor may review now in their groups (switched on), oldest first."""
    return (
        sa.select(ActionPlan)
        .join(GroupMentor, GroupMentor.group_id == ActionPlan.group_id)
        .join(YouthGroup, YouthGroup.id == ActionPlan.group_id)
        .where(
            GroupMentor.mentor_id == mentor.id,
            ActionPlan.status.in_(transitions.statuses_taking(Step.APPROVE)),
            YouthGroup.active,
        )
        .options(joinedload(ActionPlan.group).selectinload(YouthGroup.mentor_links))
        .order_by(ActionPlan.submitted_at, ActionPlan.id)
    )


def review_queue_rows(mentor):
    """The review queue as plain rows: id, title, submitted_at and group_name of each plan
    (built once per mentor: database.built)."""
    group_name = YouthGroup.name.label("group_name")
    return built(("review-queue", mentor.id), lambda: review_queue(mentor).with_only_columns(
        ActionPlan.id, ActionPlan.title, ActionPlan.submitted_at, group_name
    ))  # fmt: skip


def past_reviews(mentor):
    return (
        sa.select(PlanReview)
        .where(PlanReview.mentor_id == mentor.id)
        .options(selectinload(PlanReview.version).selectinload(PlanVersion.plan))
        .order_by(PlanReview.created_at.desc(), PlanReview.id.desc())
    )


def all_plans(filters: dict):
    query = (
        sa.select(ActionPlan)
        .join(YouthGroup, YouthGroup.id == ActionPlan.group_id)
        .options(joinedload(ActionPlan.group).selectinload(YouthGroup.mentor_links))
        .order_by(ActionPlan.submitted_at.asc().nulls_last(), ActionPlan.id)
    )
    if filters.get("status"):
        query = query.where(ActionPlan.status == PlanStatus(filters["status"]))
    if filters.get("region"):
        query = query.where(YouthGroup.region_code == filters["region"])
    if filters.get("category"):
        query = query.where(ActionPlan.category == ProblemCategory(filters["category"]))
    if filters.get("mentor"):
        query = query.where(
            ActionPlan.group_id.in_(
                sa.select(GroupMentor.group_id).where(
                    GroupMentor.mentor_id == int(filters["mentor"])
                )
            )
        )
    if filters.get("q"):
        pattern = contains_pattern(filters["q"])
        query = query.where(
            sa.or_(
                sa.func.lower(YouthGroup.name).like(pattern, escape="\\"),
                sa.func.lower(ActionPlan.title).like(pattern, escape="\\"),
            )
        )
    return query


#: A plan's comments and progress updates (built once: the plan's page asks both each time).
_COMMENTS = (
    sa.select(PlanComment)
    .where(PlanComment.plan_id == sa.bindparam("plan_id"))
    .order_by(PlanComment.id)
)
_PROGRESS = (
    sa.select(ProgressUpdate)
    .where(ProgressUpdate.plan_id == sa.bindparam("plan_id"))
    .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
)


def comments_of(plan):
    return db.session.scalars(_COMMENTS, {"plan_id": plan.id}).all()


def progress_of(plan):
    return db.session.scalars(_PROGRESS, {"plan_id": plan.id}).all()


def mentors():
    from portal.accounts.models import UserRole
    from portal.security import Role

    return db.session.scalars(
        sa.select(User)
        .where(
            User.active,
            User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role.MENTOR)),
        )
        .order_by(User.name_key)
    ).all()


def last_round_review(plan, mentor) -> PlanReview | None:
    """The mentor's latest review of an earlier version of `plan`, if there is one."""
    return db.session.scalar(
        sa.select(PlanReview)
        .join(PlanVersion, PlanReview.version_id == PlanVersion.id)
        .where(
            PlanVersion.plan_id == plan.id,
            PlanVersion.id != plan.latest_version.id,
            PlanReview.mentor_id == mentor.id,
        )
        .order_by(PlanVersion.number.desc(), PlanReview.id.desc())
        .limit(1)
    )
