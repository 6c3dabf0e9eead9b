"""Who is in a group and how they got there: invitations the invitee accepts, the join code,
leaving, and the lead role. Every change here checks the step, audits and notifies.

Nobody becomes a member without their own step (accepting an invitation or typing the code).
The lead never learns whether a contact belongs to anyone: every invitation is recorded and
answered the same way, and only a young person who may be invited receives it.
"""

from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.audit import audit_event
from portal.extensions import db
from portal.extensions import utcnow
from portal.groups.contacts import contact_digest
from portal.groups.contacts import masked
from portal.groups.models import GroupInvitation
from portal.groups.models import InvitationStatus
from portal.groups.models import JoinedVia
from portal.groups.models import Membership
from portal.groups.models import YouthGroup
from portal.groups.models import new_join_code
from portal.groups.services import GroupError
from portal.groups.services import membership
from portal.i18n import lazy_gettext as _l
from portal.links import external_url
from portal.links import local_path
from portal.notify import Subject
from portal.notify import notify
from portal.notify import queue_email
from portal.security import Role

#: An invitation not answered within this time can no longer be accepted.
INVITATION_VALID = timedelta(days=14)
#: What the lead sees for an invitation: the answer is hidden until it expires.
SHOWN_TO_INVITER = (InvitationStatus.PENDING, InvitationStatus.DECLINED)


# --- invitations ------------------------------------------------------------------------------


def invite(group: YouthGroup, contact: tuple[str, str], *, by, now=None) -> GroupInvitation:
    """Invite a contact; it reaches the person only if they may be invited (never said)."""
    now = now or utcnow()
    kind, value = contact
    digest = contact_digest(value)
    shown = db.session.scalar(
        sa.select(GroupInvitation).where(
            GroupInvitation.group_id == group.id,
            GroupInvitation.contact_digest == digest,
            GroupInvitation.status.in_(SHOWN_TO_INVITER),
            GroupInvitation.expires_at > now,
        )
    )
    if shown is not None:
        return shown
    person = _invitable(group, kind, value, now)
    invitation = GroupInvitation(
        group_id=group.id, invitee_id=person.id if person else None, invited_by_id=by.id,
        contact_hint=masked(kind, value), contact_digest=digest,
        status=InvitationStatus.PENDING, created_at=now, expires_at=now + INVITATION_VALID,
    )  # fmt: skip
    db.session.add(invitation)
    db.session.flush()
    audit_event("group.invitation_sent", group, actor=by, invitation=invitation.id)
    if person is not None:
        _deliver(invitation, person)
    return invitation


def _invitable(group, kind: str, value: str, now) -> User | None:
    """The young person the contact names, if the lead may invite them.

    Not staff, not someone who is or was in the group (left or removed: they may come back
    with the code themselves), not someone who said no or already has an open invitation.
    """
    column = User.email if kind == "email" else User.phone
    person = db.session.scalar(sa.select(User).where(column == value))
    if person is None or not person.active or person.roles != {Role.YOUTH}:
        return None
    if membership(group, person) is not None:
        return None
    blocking = sa.or_(
        GroupInvitation.status == InvitationStatus.DECLINED,
        sa.and_(
            GroupInvitation.status == InvitationStatus.PENDING, GroupInvitation.expires_at > now
        ),
    )
    earlier = db.session.scalar(
        sa.select(GroupInvitation.id).where(
            GroupInvitation.group_id == group.id,
            GroupInvitation.invitee_id == person.id,
            blocking,
        )
    )
    return None if earlier else person


def _deliver(invitation: GroupInvitation, person) -> None:
    notify(
        person,
        _l("You are invited to join a youth group. Open the invitation to say yes or no."),
        link=local_path("group_members.invitation", invitation_id=invitation.id),
        about=Subject("group", invitation.group_id),
    )
    queue_email(
        person, _l("An invitation to a youth group"), "group_invitation",
        group=invitation.group, expires_at=invitation.expires_at,
        link=external_url("group_members.invitation", invitation_id=invitation.id),
    )  # fmt: skip


def accept(invitation: GroupInvitation, person, *, now=None) -> None:
    """The invitee says yes: only now do they become a member."""
    now = now or utcnow()
    group = invitation.group
    if invitation.invitee_id != person.id or not invitation.is_open(now):
        raise GroupError(_l("This invitation is no longer open."))
    if not group.active:
        raise GroupError(_l("This group is switched off, so nobody can join it now."))
    if not person.has_role(Role.YOUTH):
        raise GroupError(_l("Only young people can be members of a group."))
    _join(group, person, JoinedVia.INVITATION, now)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.answered_at = now
    audit_event("group.invitation_accepted", group, actor=person, invitation=invitation.id)
    if group.lead is not None and group.lead.id != person.id:
        notify(
            group.lead,
            _l("A young person accepted your invitation and joined your group."),
            link=local_path("groups.group", group_id=group.id),
            about=Subject("group", group.id),
        )


def decline(invitation: GroupInvitation, person, *, now=None) -> None:
    """The invitee says no; the lead is not told and cannot invite them again."""
    now = now or utcnow()
    if invitation.invitee_id != person.id or not invitation.is_open(now):
        raise GroupError(_l("This invitation is no longer open."))
    invitation.status = InvitationStatus.DECLINED
    invitation.answered_at = now
    audit_event("group.invitation_declined", invitation.group, actor=person,
                invitation=invitation.id)  # fmt: skip


def cancel(invitation: GroupInvitation, *, by, now=None) -> None:
    """The lead takes an invitation back; a refusal behind it still stands."""
    now = now or utcnow()
    if not invitation.looks_open_to_inviter(now):
        return
    if invitation.status is InvitationStatus.PENDING:
        invitation.status = InvitationStatus.CANCELLED
        invitation.answered_at = now
    else:
        invitation.expires_at = now  # declined: gone from the lead's list, still refused
    audit_event("group.invitation_cancelled", invitation.group, actor=by,
                invitation=invitation.id)  # fmt: skip


# --- joining, leaving, the lead role -----------------------------------------------------------


def _join(group, person, via: JoinedVia, now) -> bool:
    """Make `person` an active member; False if they already were."""
    found = membership(group, person)
    if found is not None and found.left_at is None:
        return False
    if found is None:
        group.memberships.append(Membership(user_id=person.id, joined_via=via, joined_at=now))
    else:
        found.left_at = None
        found.joined_at = now
        found.joined_via = via
    return True


def join_by_code(code: str, person) -> YouthGroup:
    """A young person joins with the code the lead shared (also after leaving: their choice)."""
    group = db.session.scalar(
        sa.select(YouthGroup).where(YouthGroup.join_code == code.strip(), YouthGroup.active)
    )
    if group is None:
        raise GroupError(_l("No group has this code. Ask your group's lead for the right one."))
    if not person.has_role(Role.YOUTH):
        raise GroupError(_l("Only young people can be members of a group."))
    now = utcnow()
    if _join(group, person, JoinedVia.JOIN_CODE, now):
        audit_event("group.member_joined", group, actor=person, via="join_code")
    db.session.execute(
        sa.update(GroupInvitation)
        .where(
            GroupInvitation.group_id == group.id,
            GroupInvitation.invitee_id == person.id,
            GroupInvitation.status == InvitationStatus.PENDING,
        )
        .values(status=InvitationStatus.ACCEPTED, answered_at=now)
    )
    return group


def confirm_membership(group: YouthGroup, person) -> None:
    """Someone a lead once added without asking chooses to stay."""
    found = membership(group, person)
    if found is None or found.left_at is not None or found.joined_via is not JoinedVia.ADDED:
        raise GroupError(_l("You are not a member of this group."))
    found.joined_via = JoinedVia.CONFIRMED
    audit_event("group.membership_confirmed", group, actor=person)


def leave(group: YouthGroup, person) -> None:
    if group.lead_id == person.id:
        raise GroupError(_l("Hand the lead role to another member before you leave."))
    found = membership(group, person)
    if found is None or found.left_at is not None:
        raise GroupError(_l("You are not a member of this group."))
    found.left_at = utcnow()
    audit_event("group.member_left", group, actor=person)


def hand_over_lead(group: YouthGroup, new_lead, *, by) -> None:
    """The lead (or an organiser) gives the lead role to a member who chose to join."""
    if group.lead_id != by.id and not by.has_role(Role.ORGANISER):
        raise GroupError(_l("Only the lead can hand over the lead role."))
    found = membership(group, new_lead)
    if found is None or found.left_at is not None or not found.consented:
        raise GroupError(_l("The lead role can go only to a member who chose to join the group."))
    if group.lead_id == new_lead.id:
        return
    group.lead_id = new_lead.id
    audit_event("group.lead_changed", group, actor=by, lead=new_lead.id)
    notify(new_lead, _l("You are now the lead of your youth group."),
           link=local_path("groups.group", group_id=group.id),
           about=Subject("group", group.id))  # fmt: skip


def replace_leaving_lead(group: YouthGroup, leaving, *, by):
    """The longest-standing remaining member who chose to join leads; with nobody left,
    organisers take it over (the group then shows as needing a lead). Returns the new lead."""
    successor = db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.group_id == group.id,
            Membership.left_at.is_(None),
            Membership.joined_via != JoinedVia.ADDED,
            User.id != leaving.id,
            User.active.is_(True),
        )
        .order_by(Membership.joined_at, Membership.user_id)
        .limit(1)
    )
    group.lead_id = successor.id if successor else None
    audit_event("group.lead_changed", group, actor=by, lead=group.lead_id)
    if successor:
        notify(successor, _l("You are now the lead of your youth group."),
               link=local_path("groups.group", group_id=group.id),
               about=Subject("group", group.id))  # fmt: skip
    return successor


def reset_join_code(group: YouthGroup, *, by) -> None:
    group.join_code = new_join_code()
    audit_event("group.join_code_reset", group, actor=by)
