"""Who may see and do what with groups and plans (pure predicates).

Membership and mentor assignment are looked up on the group's loaded relationships, so a
template can call these for every row without new queries.
"""

from portal.groups.models import EDITABLE
from portal.groups.models import UNDER_WAY
from portal.groups.models import PlanStatus
from portal.security import Role


def is_member(user, group) -> bool:
    return user.is_authenticated and any(
        m.user_id == user.id and m.left_at is None for m in group.memberships
    )


def is_mentor_of(user, group) -> bool:
    return user.is_authenticated and any(link.mentor_id == user.id for link in group.mentor_links)


def can_manage_groups(user) -> bool:
    """See every group and plan, assign mentors, switch groups off, archive plans."""
    return user.is_authenticated and user.has_role(Role.ORGANISER)


def can_create_group(user) -> bool:
    return user.is_authenticated and user.has_any_role(Role.YOUTH, Role.ORGANISER)


def can_view_group(user, group) -> bool:
    """Members, the group's mentors and organisers; everyone else gets a 404."""
    return is_member(user, group) or is_mentor_of(user, group) or can_manage_groups(user)


def can_lead(user, group) -> bool:
    return user.is_authenticated and group.lead_id == user.id and is_member(user, group)


def can_invite(user, group) -> bool:
    return group.active and (can_lead(user, group) or can_manage_groups(user))


def can_become_lead(membership) -> bool:
    """Only a member who chose to join (accepted, used the code, or chose to stay)."""
    return membership.left_at is None and membership.consented


def lead_candidates(group) -> list:
    """Members the lead role may be handed to."""
    return [
        m.person for m in group.memberships if can_become_lead(m) and m.user_id != group.lead_id
    ]


def can_reassign_lead(user, group) -> bool:
    """Organisers may give a group a new lead (say, when the lead left the programme)."""
    return can_manage_groups(user)


def must_confirm_membership(user, group) -> bool:
    """A lead added this person before invitations existed: they are asked to stay or leave."""
    return user.is_authenticated and any(
        m.user_id == user.id and m.left_at is None and not m.consented for m in group.memberships
    )


def can_answer_invitation(user, invitation) -> bool:
    """Only the person the invitation reached; everyone else gets a 404."""
    return user.is_authenticated and invitation.invitee_id == user.id


def can_cancel_invitation(user, invitation) -> bool:
    return can_invite(user, invitation.group)


def can_view_plan(user, plan) -> bool:
    return can_view_group(user, plan.group)


def can_edit_plan(user, plan) -> bool:
    return plan.group.active and plan.status in EDITABLE and is_member(user, plan.group)


def can_submit_plan(user, plan) -> bool:
    return can_edit_plan(user, plan) and can_lead(user, plan.group)


def can_review_plan(user, plan) -> bool:
    return plan.status is PlanStatus.SUBMITTED and is_mentor_of(user, plan.group)


def can_discuss_plan(user, plan) -> bool:
    return is_member(user, plan.group) or is_mentor_of(user, plan.group)


def can_post_progress(user, plan) -> bool:
    return plan.status in UNDER_WAY and is_member(user, plan.group)


def can_complete_plan(user, plan) -> bool:
    return plan.status in UNDER_WAY and can_lead(user, plan.group)


def can_archive_plan(user, plan) -> bool:
    return can_manage_groups(user) and plan.status is not PlanStatus.ARCHIVED
