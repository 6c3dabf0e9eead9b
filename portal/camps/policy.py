"""Who may see and do what with camps and applications (pure predicates)."""

from portal.camps.models import ApplicationStatus
from portal.camps.models import CampStatus
from portal.security import Role


def can_manage_camps(user) -> bool:
    """Create and run camps, review applications, record consent and attendance."""
    return user.is_authenticated and user.has_role(Role.ORGANISER)


def can_view_camp(user, camp) -> bool:
    visible = camp.status in (CampStatus.PUBLISHED, CampStatus.CLOSED)
    return visible or can_manage_camps(user)


def can_apply(user) -> bool:
    return user.is_authenticated and user.has_role(Role.YOUTH)


def owns(user, application) -> bool:
    return user.is_authenticated and application.user_id == user.id


def can_view_application(user, application) -> bool:
    """The applicant's own page; organisers use the review pages instead."""
    return owns(user, application)


def can_edit_application(user, application) -> bool:
    return owns(user, application) and application.status is ApplicationStatus.DRAFT


def is_sent(application) -> bool:
    """Sent to the organisers, and not reopened as a draft since."""
    return (
        application.status is not ApplicationStatus.DRAFT and application.submitted_at is not None
    )


def can_review(user, application) -> bool:
    """Organisers see an application once it is sent; a draft is the young person's alone."""
    return can_manage_camps(user) and is_sent(application)


def can_see_sensitive_fields(user, application) -> bool:
    """Health needs and guardian details: the applicant, and organisers (audited for minors)."""
    return owns(user, application) or can_manage_camps(user)
