"""Who may see and do what with groups and plans (pure predicates).

Membership and mentor assignment are looked up on the group's loaded relationships, so a
template can call these for every row without new queries. The steps a plan takes come from
portal/groups/transitions.py, the table the services check.
"""

from portal.groups import transitions
from portal.groups.transitions import Step
from portal.groups.transitions import Who
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


def can_start_plan(user, group) -> bool:
    """Members start plans while their group is switched on."""
    return group.active and is_member(user, group)


def can_view_plan(user, plan) -> bool:
    return can_view_group(user, plan.group)


def roles_on(user, plan) -> frozenset[Who]:
    """What the user is to the plan's group (several things at once, or nothing)."""
    group = plan.group
    roles = set()
    if is_member(user, group):
        roles.add(Who.MEMBER)
        if group.lead_id == user.id:
            roles.add(Who.LEAD)
    if is_mentor_of(user, group):
        roles.add(Who.MENTOR)
    if can_manage_groups(user):
        roles.add(Who.ORGANISER)
    return frozenset(roles)


def can_take(user, plan, step: Step) -> bool:
    """The one rule behind every plan action: the plan's page and its service both ask it."""
    return transitions.may_take(plan, step, roles_on(user, plan))


def can_edit_plan(user, plan) -> bool:
    return can_take(user, plan, Step.SAVE)


def can_submit_plan(user, plan) -> bool:
    return can_take(user, plan, Step.SEND)


def can_review_plan(user, plan) -> bool:
    return can_take(user, plan, Step.APPROVE) or can_take(user, plan, Step.REQUEST_CHANGES)


def can_discuss_plan(user, plan) -> bool:
    return can_take(user, plan, Step.COMMENT)


def can_post_progress(user, plan) -> bool:
    return can_take(user, plan, Step.PROGRESS)


def can_complete_plan(user, plan) -> bool:
    return can_take(user, plan, Step.COMPLETE)


def can_archive_plan(user, plan) -> bool:
    return can_take(user, plan, Step.ARCHIVE)


def shows_progress(plan, updates) -> bool:
    """The plan page has a progress section: past approval, or with updates to show."""
    return bool(updates) or plan.status in transitions.PAST_APPROVAL
