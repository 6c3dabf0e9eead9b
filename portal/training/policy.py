"""Who may see and do what with training records (pure predicates)."""

from portal.security import Role


def can_manage_training(user) -> bool:
    """Programmes, modules, sessions, enrolments, certificates and the ambassador directory."""
    return user.is_authenticated and user.has_role(Role.ORGANISER)


def can_lead_sessions(user) -> bool:
    return user.is_authenticated and user.has_any_role(Role.MENTOR, Role.ORGANISER)


def can_record_attendance(user, session) -> bool:
    """The session's own trainer, and organisers."""
    if not user.is_authenticated:
        return False
    return can_manage_training(user) or session.trainer_id == user.id


def can_download_certificate(user, certificate) -> bool:
    """The holder, and organisers."""
    if not user.is_authenticated:
        return False
    return certificate.enrolment.user_id == user.id or can_manage_training(user)
