"""What groups and plans ask of people next, for the homes (portal/main/tasks.py composes
them): feedback a group has to read or act on, plans waiting for a mentor, discussions with
unread messages. Plain data, bounded, a fixed number of queries.

"Unread" is the notifications' own mark: the services tell members and mentors of a review and
of each message (portal/groups/services.py), and opening the notification marks it read.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.extensions import utcnow
from portal.groups import transitions
from portal.groups.models import ActionPlan
from portal.groups.models import GroupMentor
from portal.groups.models import Membership
from portal.groups.models import PlanStatus
from portal.groups.models import YouthGroup
from portal.groups.queries import review_queue
from portal.groups.services import APPROVED
from portal.groups.services import CHANGES_ASKED
from portal.groups.services import NEW_MESSAGE
from portal.groups.transitions import Step
from portal.groups.transitions import Who
from portal.i18n import gettext as _
from portal.notify import Notification
from portal.notify import message_key

#: Plans a mentor may review now (the same statuses review_queue lists).
WAITING = transitions.statuses_taking(Step.APPROVE)


def plan_name(title: str, group_name: str) -> str:
    """A plan is called by its title, or by its group's name while it has none."""
    return title or _("Action plan of %(group)s", group=group_name)


@dataclass(frozen=True)
class PlanTask:
    plan_id: int
    name: str
    group_name: str
    status: PlanStatus
    #: The unread notification to open (it leads to the plan and is then read), if any.
    notification_id: int | None = None
    #: Whole days since it was sent for review.
    days_waiting: int = 0
    #: Unread messages in its discussion.
    unread: int = 0


def _member_of(person):
    """The groups `person` (a user id, or a bind parameter for one) is an active member of."""
    return sa.select(Membership.group_id).where(
        Membership.user_id == person, Membership.left_at.is_(None)
    )


def _latest_unread(person, *messages):
    """Plan id → the newest unread notification of these messages about it for `person` (a
    user id, or a bind parameter for one): a subquery."""
    keys = [message_key(message)[0].msgid for message in messages]
    return (
        sa.select(
            Notification.subject_id.label("plan_id"),
            sa.func.max(Notification.id).label("notification_id"),
            sa.func.count().label("unread"),
        )
        .where(
            Notification.user_id == person,
            Notification.read_at.is_(None),
            Notification.subject_kind == "plan",
            Notification.msgid.in_(keys),
        )
        .group_by(Notification.subject_id)
        .subquery()
    )


def _plan_feedback_query():
    person = sa.bindparam("user_id")
    unread = _latest_unread(person, APPROVED, CHANGES_ASKED)
    return (
        sa.select(
            ActionPlan.id, ActionPlan.title, ActionPlan.status, YouthGroup.name,
            YouthGroup.active, unread.c.notification_id,
        )
        .join(YouthGroup, YouthGroup.id == ActionPlan.group_id)
        .outerjoin(unread, unread.c.plan_id == ActionPlan.id)
        .where(
            ActionPlan.group_id.in_(_member_of(person)),
            sa.or_(
                ActionPlan.status == PlanStatus.CHANGES_REQUESTED,
                sa.and_(
                    ActionPlan.status.in_(transitions.UNDER_WAY),
                    unread.c.notification_id.is_not(None),
                ),
            ),
        )
        .order_by(ActionPlan.updated_at.desc(), ActionPlan.id.desc())
        .limit(sa.bindparam("rows"))
    )  # fmt: skip


#: Built once: making the statement costs more than running it (each home asks it).
_PLAN_FEEDBACK = _plan_feedback_query()


def plan_feedback(user, *, limit: int) -> tuple[list[PlanTask], bool]:
    """A mentor's feedback for the person's groups: plans sent back for changes (while the
    person may edit them, policy.can_edit_plan) and approvals of plans under way not read yet
    (one query of plain columns)."""
    rows = db.session.execute(_PLAN_FEEDBACK, {"user_id": user.id, "rows": limit + 1}).all()
    tasks = [
        PlanTask(plan_id, plan_name(title, group), group, status,
                 notification_id=notification_id)
        for plan_id, title, status, group, active, notification_id in rows[:limit]
        if status is not PlanStatus.CHANGES_REQUESTED or _member_may_edit(status, active)
    ]  # fmt: skip
    return tasks, len(rows) > limit


def _member_may_edit(status: PlanStatus, group_active: bool) -> bool:
    """policy.can_edit_plan for an active member of the plan's group (as every plan of
    plan_feedback is the person's groups'): only members take the step, so what else the
    person is to the group does not change the answer."""
    return transitions.may_take(
        _PlanState(status, _GroupState(group_active)), Step.SAVE, frozenset({Who.MEMBER})
    )


@dataclass(frozen=True)
class _GroupState:
    active: bool


@dataclass(frozen=True)
class _PlanState:
    """What transitions.may_take reads of a plan."""

    status: PlanStatus
    group: _GroupState


def _waiting(plan: ActionPlan, now: datetime) -> PlanTask:
    days = (now - plan.submitted_at).days if plan.submitted_at else 0
    return PlanTask(
        plan.id, plan_name(plan.title, plan.group.name), plan.group.name, plan.status,
        days_waiting=max(days, 0),
    )  # fmt: skip


def waiting_for_me(mentor, *, limit: int) -> tuple[list[PlanTask], int]:
    """The mentor's review queue, oldest first with days waiting, and its length (three
    queries: the count, the plans, their groups' mentors)."""
    queue = review_queue(mentor)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(queue.subquery())) or 0
    now = utcnow()
    plans = db.session.scalars(queue.limit(limit)).unique().all() if total else []
    return [_waiting(plan, now) for plan in plans], total


def waiting_for_a_mentor(*, limit: int) -> tuple[list[PlanTask], int]:
    """Plans sent and not reviewed yet, in groups that are switched on, oldest first, and how
    many there are (two queries)."""
    where = (ActionPlan.status.in_(WAITING), YouthGroup.active)
    total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ActionPlan)
        .join(YouthGroup, YouthGroup.id == ActionPlan.group_id)
        .where(*where)
    )
    if not total:
        return [], 0
    plans = db.session.scalars(
        sa.select(ActionPlan)
        .join(YouthGroup, YouthGroup.id == ActionPlan.group_id)
        .where(*where)
        .order_by(ActionPlan.submitted_at, ActionPlan.id)
        .limit(limit)
    ).all()
    now = utcnow()
    return [_waiting(plan, now) for plan in plans], total


def unread_threads(user, *, limit: int) -> tuple[list[PlanTask], bool]:
    """Plan discussions with messages the person has not read, newest first, in groups they
    belong to or mentor (one query)."""
    unread = _latest_unread(user.id, NEW_MESSAGE)
    mentor_of = sa.select(GroupMentor.group_id).where(GroupMentor.mentor_id == user.id)
    rows = db.session.execute(
        sa.select(
            ActionPlan.id, ActionPlan.title, ActionPlan.status, YouthGroup.name,
            unread.c.notification_id, unread.c.unread,
        )
        .join(YouthGroup, YouthGroup.id == ActionPlan.group_id)
        .join(unread, unread.c.plan_id == ActionPlan.id)
        .where(sa.or_(YouthGroup.id.in_(_member_of(user.id)), YouthGroup.id.in_(mentor_of)))
        .order_by(unread.c.notification_id.desc())
        .limit(limit + 1)
    ).all()  # fmt: skip
    tasks = [
        PlanTask(plan_id, plan_name(title, group), group, status,
                 notification_id=notification_id, unread=count)
        for plan_id, title, status, group, notification_id, count in rows[:limit]
    ]  # fmt: skip
    return tasks, len(rows) > limit


def plan_names(ids) -> dict[int, str]:
    """Plan id → what the inbox calls it (one query)."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ActionPlan.id, ActionPlan.title, YouthGroup.name)
        .join(YouthGroup, YouthGroup.id == ActionPlan.group_id)
        .where(ActionPlan.id.in_(ids))
    )
    return {plan_id: plan_name(title, group) for plan_id, title, group in rows}


def group_names(ids) -> dict[int, str]:
    """Group id → its name (one query)."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(YouthGroup.id, YouthGroup.name).where(YouthGroup.id.in_(ids))
    )
    return dict(rows.all())  # type: ignore[arg-type]
