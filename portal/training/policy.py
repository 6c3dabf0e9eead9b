"""Who may see and do what with training records (pure predicates)."""

from datetime import date
from datetime import datetime

from portal.i18n import BISHKEK
from portal.security import Role
from portal.training.completion import counts_for
from portal.training.models import CertificateState


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


# --- attendance, enrolment dates and certificates (what the pages offer, the services check) ---

#: No one is enrolled before this day, whatever dates a programme's sessions were given.
EARLIEST_ENROLMENT = date(2000, 1, 1)


def can_mark_session(session, now: datetime) -> bool:
    """Attendance is marked from the session's start, never before it has begun."""
    return session.starts_at <= now


def can_mark(session, enrolment, now: datetime) -> bool:
    """A mark for this person at this session: the session has begun and counts for them."""
    return can_mark_session(session, now) and counts_for(enrolment, session)


def earliest_enrolment_date(programme, today: date) -> date:
    """A programme exists from its creation in the portal or its first session, whichever
    came first (a programme entered after it began)."""
    days = [programme.created_at.astimezone(BISHKEK).date() if programme.created_at else today]
    days += [session.starts_at.astimezone(BISHKEK).date() for session in programme.sessions]
    return max(EARLIEST_ENROLMENT, min(days))


def enrolment_date_allowed(programme, day: date, today: date) -> bool:
    return earliest_enrolment_date(programme, today) <= day <= today


def certificate_needs_decision(certificate) -> bool:
    """Its enrolment no longer meets the rule: an organiser revokes or keeps it."""
    return certificate.state is CertificateState.FLAGGED


def can_revoke_certificate(user, certificate) -> bool:
    return can_manage_training(user) and certificate.state is not CertificateState.REVOKED


def can_keep_certificate(user, certificate) -> bool:
    """Keeping (with a reason) answers an open flag; nothing else needs it."""
    return can_manage_training(user) and certificate_needs_decision(certificate)
