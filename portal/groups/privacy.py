"""The groups' part of a person's data: memberships and what they wrote in plans.

A table with rows about a person is one entry in each of PERSON_COLUMNS, EXPORTS and ERASERS.
"""

import sqlalchemy as sa

from portal import signals
from portal.extensions import db
from portal.extensions import utcnow
from portal.groups import members
from portal.groups.contacts import contact_digest
from portal.groups.models import ActionPlan
from portal.groups.models import GroupInvitation
from portal.groups.models import Membership
from portal.groups.models import PlanComment
from portal.groups.models import ProgressUpdate
from portal.groups.models import YouthGroup
from portal.signals import plain

PERSON_COLUMNS = {
    "youth_group.lead_id": "erased: the lead passes to the longest-standing active member who "
    "chose to join, or to the organisers (the group shows as needing a lead)",
    "membership.user_id": "exported; erased: ended, kept for the group's history",
    "plan_comment.author_id": "exported; erased: the body is blanked",
    "progress_update.author_id": "exported; erased: what happened is blanked",
    "action_plan.updated_by_id": "erased: cleared",
    "group_invitation.invitee_id": "exported; erased: deleted, with invitations naming their "
    "contact",
    "group_invitation.invited_by_id": signals.ACTOR_KEPT,
    "group_mentor.mentor_id": signals.ACTOR_KEPT,
    "plan_review.mentor_id": signals.ACTOR_KEPT,
    "plan_version.submitted_by_id": signals.ACTOR_KEPT,
}


def _memberships(user) -> list[dict]:
    return [
        {"group": m.group.name, "joined_at": plain(m.joined_at), "left_at": plain(m.left_at)}
        for m in db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id))
    ]


def _invitations(user) -> list[dict]:
    return [
        {
            "group": i.group.name,
            "status": i.status.value,
            "sent_at": plain(i.created_at),
            "expires_at": plain(i.expires_at),
            "answered_at": plain(i.answered_at),
        }
        for i in db.session.scalars(
            sa.select(GroupInvitation)
            .where(GroupInvitation.invitee_id == user.id)
            .order_by(GroupInvitation.id)
        )
    ]


def _plan_comments(user) -> list[dict]:
    return [
        {"plan": c.plan_id, "body": c.body, "created_at": plain(c.created_at)}
        for c in db.session.scalars(sa.select(PlanComment).where(PlanComment.author_id == user.id))
    ]


def _progress_updates(user) -> list[dict]:
    return [
        {"plan": u.plan_id, "what_happened": u.what_happened, "created_at": plain(u.created_at)}
        for u in db.session.scalars(
            sa.select(ProgressUpdate).where(ProgressUpdate.author_id == user.id)
        )
    ]


#: Section of the person's download → the rows it holds.
EXPORTS = {
    "groups": _memberships,
    "group_invitations": _invitations,
    "plan_comments": _plan_comments,
    "progress_updates": _progress_updates,
}


def _delete_invitations(user, by) -> None:
    """Invitations that reached the person or named their contact (still set at this point)."""
    digests = [contact_digest(value) for value in (user.email, user.phone) if value]
    db.session.execute(
        sa.delete(GroupInvitation).where(
            sa.or_(
                GroupInvitation.invitee_id == user.id,
                GroupInvitation.contact_digest.in_(digests),
            )
        )
    )


def _hand_over_led_groups(user, by) -> None:
    for group in db.session.scalars(sa.select(YouthGroup).where(YouthGroup.lead_id == user.id)):
        members.replace_leaving_lead(group, user, by=by)


def _blank_writing(user, by) -> None:
    db.session.execute(
        sa.update(PlanComment).where(PlanComment.author_id == user.id).values(body="—")
    )
    db.session.execute(
        sa.update(ProgressUpdate)
        .where(ProgressUpdate.author_id == user.id)
        .values(what_happened="—")
    )
    db.session.execute(
        sa.update(ActionPlan).where(ActionPlan.updated_by_id == user.id).values(updated_by_id=None)
    )


def _end_memberships(user, by) -> None:
    db.session.execute(
        sa.update(Membership).where(Membership.user_id == user.id, Membership.left_at.is_(None))
        .values(left_at=utcnow())
    )  # fmt: skip


#: Run in this order (the lead is handed over while the person is still a member).
ERASERS = (_delete_invitations, _hand_over_led_groups, _blank_writing, _end_memberships)


def connect() -> None:
    """Answer for the groups' tables when a person's data is requested or erased."""
    signals.data_requested.connect(export_groups)
    signals.user_erased.connect(erase_groups)
    signals.answer_for(PERSON_COLUMNS)


def export_groups(user) -> dict:
    return {section: rows(user) for section, rows in EXPORTS.items()}


def erase_groups(user, *, by) -> None:
    for erase in ERASERS:
        erase(user, by)
