"""Who may do what with accounts: pure predicates shared by views and templates."""

from portal.security import Role
from portal.security import has_usable_password


def can_manage_accounts(user) -> bool:
    """See everyone's account, change roles, switch accounts off and on."""
    return user.is_authenticated and user.has_role(Role.ADMIN)


def can_issue_reset_links(user) -> bool:
    """Create one-time reset links for people who registered with a phone only."""
    return user.is_authenticated and user.has_role(Role.ORGANISER)


def holds_staff_role(person) -> bool:
    """Mentor, organiser or admin: any role above youth."""
    return bool(person.roles - {Role.YOUTH})


def can_issue_reset_link_for(user, person) -> bool:
    """Only active young people without e-mail: a link to a staff account hands over its rights."""
    return (
        can_issue_reset_links(user)
        and person.active
        and not person.email
        and not holds_staff_role(person)
    )


def can_switch_off(user, person) -> bool:
    """Admins may switch off any account but their own (so one admin always remains)."""
    return can_manage_accounts(user) and person.active and person.id != user.id


def can_switch_on(user, person) -> bool:
    return can_manage_accounts(user) and not person.active


def has_password(person) -> bool:
    """The person can sign in with a password (an account made from a paper form cannot
    until they claim it and choose one)."""
    return has_usable_password(person.password_hash)
