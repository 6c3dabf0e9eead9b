"""Who may see and do what with camps and applications (pure predicates).

The steps offered on pages come from portal/camps/transitions.py, the tables the services check,
so a page offers exactly what the service accepts."""

from datetime import date

from portal.camps import transitions
from portal.camps.models import ApplicationStatus
from portal.camps.models import CampStatus
from portal.camps.transitions import Who
from portal.i18n import lazy_gettext as _l
from portal.i18n import local_today
from portal.security import Role


def can_manage_camps(user) -> bool:
    """Create and run camps, review applications, record consent and attendance."""
    return user.is_authenticated and user.has_role(Role.ORGANISER)


def can_manage_camp(user, camp) -> bool:
    """Every organiser runs every camp (the programme is small and shares the work)."""
    return can_manage_camps(user)


def can_view_camp(user, camp) -> bool:
    visible = camp.status in (CampStatus.PUBLISHED, CampStatus.CLOSED)
    return visible or can_manage_camps(user)


def can_apply(user) -> bool:
    return user.is_authenticated and user.has_role(Role.YOUTH)


def is_accepting_applications(camp, today: date | None = None) -> bool:
    today = today or local_today()
    return (
        camp.status is CampStatus.PUBLISHED
        and camp.applications_open <= today <= camp.applications_close
    )


#: Where a camp stands for someone choosing one (queries.camp_phase is the same in SQL).
OPEN, APPLICATIONS_CLOSED, PAST = "open", "applications_closed", "past"


def camp_phase(camp, today: date | None = None) -> str:
    """OPEN while it takes applications (or will), APPLICATIONS_CLOSED until it is over, PAST."""
    today = today or local_today()
    if camp.end_date < today:
        return PAST
    if camp.status is CampStatus.PUBLISHED and camp.applications_close >= today:
        return OPEN
    return APPLICATIONS_CLOSED


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


def awaits_guardian_consent(application) -> bool:
    """A minor's sent application on the way to the camp with no consent on record: an
    organiser records the guardian's consent (a signed paper form, or a phone call) before the
    minor can be accepted, confirm the place or be checked in."""
    return (
        is_sent(application)
        and application.status in transitions.HEADED_FOR_CAMP
        and application.needs_guardian_consent
    )


def can_review(user, application) -> bool:
    """Organisers see an application once it is sent; a draft is the young person's alone."""
    return can_manage_camps(user) and is_sent(application)


def next_camp_statuses(camp) -> tuple[CampStatus, ...]:
    """The statuses an organiser may move the camp to now."""
    return transitions.next_camp_statuses(camp.status)


def _applicant_may(user, application, target) -> bool:
    return owns(user, application) and transitions.application_may_move(
        application.status, target, Who.APPLICANT
    )


def offer_expired(application) -> bool:
    return bool(application.offer_expires_on and application.offer_expires_on < local_today())


def can_confirm(user, application) -> bool:
    """Take the offered place: in time, and (for a minor) once the guardian has agreed."""
    return (
        _applicant_may(user, application, ApplicationStatus.CONFIRMED)
        and not offer_expired(application)
        and not application.needs_guardian_consent
    )


def can_decline(user, application) -> bool:
    return _applicant_may(user, application, ApplicationStatus.DECLINED)


def can_withdraw(user, application) -> bool:
    return _applicant_may(user, application, ApplicationStatus.WITHDRAWN)


def can_apply_again(user, application) -> bool:
    """Someone who withdrew may reopen their application while applications are open."""
    return (
        can_apply(user)
        and _applicant_may(user, application, ApplicationStatus.DRAFT)
        and is_accepting_applications(application.camp)
    )


def can_withdraw_photo_consent(user, application) -> bool:
    """Photo/media consent may be taken back at any time (in a draft, by unticking it)."""
    return (
        owns(user, application)
        and application.photo_consent_at is not None
        and application.status is not ApplicationStatus.DRAFT
    )


def checkin_day_open(camp, day: date) -> bool:
    """A camp day is marked on that day (Bishkek time) or later, as a correction; never before."""
    return day in camp.days() and day <= local_today()


def can_mark_absent(application, day: date) -> bool:
    return transitions.can_be_checked_in(application.status) and checkin_day_open(
        application.camp, day
    )


def can_mark_present(application, day: date) -> bool:
    """A minor without a guardian's consent on record is never marked present."""
    return can_mark_absent(application, day) and not application.needs_guardian_consent


def decision_refusal(application, decision: ApplicationStatus, *, places_free: int):
    """Why an organiser may not give `decision` now, or None: the transition table, a minor's
    missing consent, a full camp. The page offers only decisions without a refusal and
    services.decide refuses with it, so the two never disagree."""
    if decision not in transitions.decisions_from(application.status):
        return _l("This application cannot get that decision now.")
    if decision is ApplicationStatus.ACCEPTED:
        if application.needs_guardian_consent:
            return _l("Record the guardian's consent before accepting a minor.")
        if places_free <= 0:
            return _l("The camp is full. Put the applicant on the waiting list instead.")
    return None


def decisions_for(user, application, *, places_free: int) -> tuple[ApplicationStatus, ...]:
    """The decisions an organiser may give now (`places_free`: the camp's places not taken)."""
    if not can_review(user, application):
        return ()
    return tuple(
        decision
        for decision in transitions.DECISIONS
        if decision_refusal(application, decision, places_free=places_free) is None
    )


def camp_decisions(user, camp, *, places_free: int) -> tuple[ApplicationStatus, ...]:
    """The decisions the bulk form offers for the camp's applications: accepting only while
    places are free (each application is still checked on its own)."""
    if not can_manage_camp(user, camp):
        return ()
    return tuple(
        decision
        for decision in transitions.DECISIONS
        if not (decision is ApplicationStatus.ACCEPTED and places_free <= 0)
    )
