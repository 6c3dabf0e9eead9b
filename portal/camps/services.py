"""Every change to camps and applications: checks the transition, writes history, audit, news."""

from collections.abc import Sequence
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit import audit_event
from portal.camps.models import OPEN_STATUSES
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import CampAttendance
from portal.camps.models import CampQuestion
from portal.camps.models import CampStatus
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.errors import PortalError
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import local_today
from portal.links import external_url
from portal.links import local_path
from portal.notify import notify
from portal.notify import queue_email

#: An offer made from the waiting list after the camp's deadline stays open this long.
LATE_OFFER_DAYS = 3

#: Which statuses an organiser's decision may move an application from.
DECIDABLE = {S.SUBMITTED, S.WAITLISTED, S.ACCEPTED}
DECISIONS = {S.ACCEPTED, S.WAITLISTED, S.REJECTED}


class CampError(PortalError):
    """A step the rules do not allow now; the message is translated for the person."""


# --- camps ------------------------------------------------------------------------------------


def save_camp(camp: Camp, *, by, **fields) -> Camp:
    """Create or edit a camp from the form's cleaned fields."""
    creating = camp.id is None
    for name, value in fields.items():
        setattr(camp, name, value)
    if creating:
        camp.created_by_id = by.id
        db.session.add(camp)
    audit_event("camp.created" if creating else "camp.updated", camp, actor=by)
    return camp


def set_camp_status(camp: Camp, status: CampStatus, *, by) -> None:
    """Publish, close or cancel a camp; cancelling tells everyone who applied."""
    allowed = {
        CampStatus.PUBLISHED: {CampStatus.DRAFT, CampStatus.CLOSED},
        CampStatus.CLOSED: {CampStatus.PUBLISHED},
        CampStatus.CANCELLED: {CampStatus.DRAFT, CampStatus.PUBLISHED, CampStatus.CLOSED},
    }
    if camp.status not in allowed[status]:
        raise CampError(_l("This camp cannot change to that status now."))
    camp.status = status
    audit_event(f"camp.{status.value}", camp, actor=by)
    if status is CampStatus.CANCELLED:
        for application in applications_of(camp, statuses=OPEN_STATUSES):
            if application.status is not S.DRAFT:
                _tell(application, _l("The camp you applied to is cancelled. We are sorry."))


def add_question(camp: Camp, *, by, **fields) -> CampQuestion:
    """Add an extra question at the end of the camp's application form."""
    question = CampQuestion(position=len(camp.questions) + 1, **fields)
    camp.questions.append(question)
    audit_event("camp.question_added", camp, actor=by)
    return question


def remove_question(question: CampQuestion, *, by) -> None:
    """Remove a question; answers already given stay in the applications."""
    camp = question.camp
    camp.questions.remove(question)
    audit_event("camp.question_removed", camp, actor=by)


def applications_of(camp: Camp, *, statuses) -> Sequence[Application]:
    return db.session.scalars(
        sa.select(Application)
        .where(Application.camp_id == camp.id, Application.status.in_(statuses))
        .order_by(Application.id)
    ).all()


def is_accepting_applications(camp: Camp, today: date | None = None) -> bool:
    today = today or local_today()
    return (
        camp.status is CampStatus.PUBLISHED
        and camp.applications_open <= today <= camp.applications_close
    )


def eligibility_problem(camp: Camp, user) -> str | None:
    """Why `user` cannot apply to `camp`, or None."""
    if not is_accepting_applications(camp):
        return _l("Applications for this camp are not open.")
    age = user.age_on(camp.start_date)
    if age is None or not camp.min_age <= age <= camp.max_age:
        return _l(
            "This camp is for young people aged %(min)d to %(max)d on its first day.",
            min=camp.min_age,
            max=camp.max_age,
        )
    if camp.eligible_regions and user.region_code not in camp.eligible_regions:
        return _l("This camp is for young people from other regions.")
    return None


# --- applying ---------------------------------------------------------------------------------


def start_application(camp: Camp, user) -> Application:
    """The user's application to the camp: the existing one, or a new draft."""
    existing = db.session.scalar(
        sa.select(Application).where(Application.camp_id == camp.id, Application.user_id == user.id)
    )
    if existing and existing.status is S.WITHDRAWN and is_accepting_applications(camp):
        # Someone who withdrew may apply again while applications are open. Until they send
        # it again, the reopened draft is theirs alone (organisers see sent applications).
        existing.submitted_at = None
        _move(existing, S.DRAFT, actor=user)
        return existing
    if existing:
        return existing
    problem = eligibility_problem(camp, user)
    if problem:
        raise CampError(problem)
    application = Application(camp=camp, applicant=user, status=S.DRAFT)
    db.session.add(application)
    _record(application, None, S.DRAFT, actor=user)
    return application


def save_answers(application: Application, *, ethnicity: list[str], photo_consent: bool, **fields):
    """Store what the applicant typed (a draft may be incomplete)."""
    if application.status is not S.DRAFT:
        raise CampError(_l("A sent application cannot be changed."))
    for name, value in fields.items():
        setattr(application, name, value)
    if photo_consent and application.photo_consent_at is None:
        application.photo_consent_at = utcnow()
    elif not photo_consent:
        application.photo_consent_at = None
    _store_ethnicity(application, ethnicity)


def _store_ethnicity(application: Application, groups: list[str]) -> None:
    db.session.execute(
        sa.delete(ApplicationEthnicity).where(ApplicationEthnicity.application_id == application.id)
    )
    for group in sorted(set(groups)):
        db.session.add(ApplicationEthnicity(application_id=application.id, group=group))


def ethnicity_of(application: Application) -> Sequence[str]:
    return db.session.scalars(
        sa.select(ApplicationEthnicity.group).where(
            ApplicationEthnicity.application_id == application.id
        )
    ).all()


def submit(application: Application) -> None:
    """Send a complete draft to the organisers."""
    if application.status is not S.DRAFT:
        raise CampError(_l("This application has already been sent."))
    if not is_accepting_applications(application.camp):
        raise CampError(_l("Applications for this camp are not open."))
    application.submitted_at = utcnow()
    _move(application, S.SUBMITTED, actor=application.applicant)
    _tell(application, _l("We received your application. We will tell you our decision here."))


def confirm(application: Application) -> None:
    """The applicant takes the offered place."""
    if application.status is not S.ACCEPTED:
        raise CampError(_l("There is no offer to confirm."))
    if application.offer_expires_on and application.offer_expires_on < local_today():
        raise CampError(_l("The time to confirm this place has passed."))
    if application.needs_guardian_consent:
        raise CampError(
            _l("We need your parent's or guardian's consent first. An organiser will contact them.")
        )
    _move(application, S.CONFIRMED, actor=application.applicant)


def decline(application: Application) -> None:
    """The applicant gives back the offered place; the waiting list moves up."""
    if application.status is not S.ACCEPTED:
        raise CampError(_l("There is no offer to decline."))
    _move(application, S.DECLINED, actor=application.applicant)
    promote_from_waitlist(application.camp)


def withdraw(application: Application) -> None:
    """The applicant leaves (also the waiting list); a freed place goes to the next person."""
    if application.status not in OPEN_STATUSES:
        raise CampError(_l("This application is already closed."))
    freed = application.status in SEAT_STATUSES
    queued = application.status is S.WAITLISTED
    application.waitlist_position = None
    _move(application, S.WITHDRAWN, actor=application.applicant)
    if freed:
        promote_from_waitlist(application.camp)
    elif queued:
        renumber_waitlist(application.camp)


# --- review -----------------------------------------------------------------------------------


def review(application: Application, *, score: int | None, notes: str, by) -> None:
    application.score = score
    application.notes = notes
    audit_event("application.reviewed", application, actor=by, score=score)


def decide(application: Application, decision, *, reason: str, by) -> None:
    """Accept, waitlist or reject; capacity and guardian consent are checked under a lock."""
    decision = S(decision)
    if decision not in DECISIONS or application.status not in DECIDABLE:
        raise CampError(_l("This application cannot get that decision now."))
    if decision is application.status:
        return
    camp = lock_camp(application.camp.id)
    if decision is S.ACCEPTED:
        if application.needs_guardian_consent:
            raise CampError(_l("Record the guardian's consent before accepting a minor."))
        if seats_taken(camp) >= camp.capacity:
            raise CampError(_l("The camp is full. Put the applicant on the waiting list instead."))
        application.offer_expires_on = offer_deadline(camp)
    freed = application.status is S.ACCEPTED
    left_queue = application.status is S.WAITLISTED
    application.decision_reason = reason
    if decision is S.WAITLISTED:
        application.waitlist_position = next_waitlist_position(camp)
    else:
        application.waitlist_position = None
    _move(application, decision, actor=by, reason=reason)
    audit_event("application.decided", application, actor=by, decision=decision.value)
    _tell(application, DECISION_MESSAGES[decision])
    if freed:
        promote_from_waitlist(camp)
    elif left_queue:
        renumber_waitlist(camp)


DECISION_MESSAGES = {
    S.ACCEPTED: _l(
        "Good news: you have a place at the camp! Please confirm it before the deadline."
    ),
    S.WAITLISTED: _l(
        "You are on the waiting list for the camp. We will tell you if a place opens."
    ),
    S.REJECTED: _l(
        "We could not offer you a place at this camp. See the reason in your application."
    ),
}


def lock_camp(camp_id: int) -> Camp:
    """The camp row, locked until commit so capacity checks cannot race (PostgreSQL)."""
    return db.session.scalars(
        sa.select(Camp)
        .where(Camp.id == camp_id)
        .with_for_update(of=Camp)
        .execution_options(populate_existing=True)
    ).one()


def seats_taken(camp: Camp) -> int:
    taken = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Application)
        .where(Application.camp_id == camp.id, Application.status.in_(SEAT_STATUSES))
    )
    return taken or 0


def offer_deadline(camp: Camp, today: date | None = None) -> date:
    """The camp's confirmation deadline, or a few days for late offers (never after the start)."""
    today = today or local_today()
    if camp.confirmation_deadline >= today:
        return camp.confirmation_deadline
    return min(today + timedelta(days=LATE_OFFER_DAYS), camp.start_date)


def next_waitlist_position(camp: Camp) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(Application.waitlist_position)).where(
            Application.camp_id == camp.id, Application.status == S.WAITLISTED
        )
    )
    return (highest or 0) + 1


def waitlist(camp: Camp) -> Sequence[Application]:
    return db.session.scalars(
        sa.select(Application)
        .where(Application.camp_id == camp.id, Application.status == S.WAITLISTED)
        .order_by(Application.waitlist_position, Application.id)
    ).all()


def promote_from_waitlist(camp: Camp) -> list[Application]:
    """Offer free places to the waiting list in order; minors without consent wait."""
    camp = lock_camp(camp.id)
    promoted = []
    free = camp.capacity - seats_taken(camp)
    for application in waitlist(camp):
        if free <= 0:
            break
        if application.needs_guardian_consent:
            continue
        application.waitlist_position = None
        application.offer_expires_on = offer_deadline(camp)
        application.decision_reason = ""
        _move(application, S.ACCEPTED, actor=None, reason="waitlist")
        _tell(application, _l("A place opened up and it is yours! Please confirm it soon."))
        promoted.append(application)
        free -= 1
    if promoted:
        renumber_waitlist(camp)
    return promoted


def renumber_waitlist(camp: Camp) -> None:
    """Positions 1, 2, 3… in queue order, so "your place in the queue" stays true when
    someone ahead leaves the list."""
    for number, entry in enumerate(waitlist(camp), start=1):
        entry.waitlist_position = number


def move_on_waitlist(application: Application, position: int, *, reason: str, by) -> None:
    """Put a waitlisted applicant at `position` (1 = next); the others shift."""
    if application.status is not S.WAITLISTED:
        raise CampError(_l("Only applications on the waiting list can be moved."))
    queue = [a for a in waitlist(application.camp) if a.id != application.id]
    position = max(1, min(position, len(queue) + 1))
    queue.insert(position - 1, application)
    before = application.waitlist_position
    for number, entry in enumerate(queue, start=1):
        entry.waitlist_position = number
    audit_event(
        "application.waitlist_moved", application, actor=by, before=before, after=position,
        reason=reason,
    )  # fmt: skip


def expire_offers(today: date | None = None) -> list[Application]:
    """Offers not confirmed in time are declined and their places offered to the waiting list."""
    today = today or local_today()
    expired = db.session.scalars(
        sa.select(Application).where(
            Application.status == S.ACCEPTED, Application.offer_expires_on < today
        )
    ).all()
    for application in expired:
        _move(application, S.DECLINED, actor=None, reason="offer expired")
        _tell(
            application,
            _l("The time to confirm your camp place has passed, so it went to someone else."),
        )
    for camp_id in sorted({application.camp_id for application in expired}):
        promote_from_waitlist(db.session.get_one(Camp, camp_id))
    return list(expired)


# --- guardian consent -------------------------------------------------------------------------


def record_guardian_consent(
    application: Application, method: ConsentMethod, *, by, note: str = "", file=None
) -> GuardianConsent:
    if not application.is_minor:
        raise CampError(_l("Guardian consent is only needed for applicants under 18."))
    consent = GuardianConsent(method=method, note=note, recorded_by_id=by.id)
    if file is not None:
        consent.file_name, consent.file_type = file
    application.consents.append(consent)
    audit_event("consent.recorded", application, actor=by, method=method.value)
    if application.status is S.WAITLISTED:
        promote_from_waitlist(application.camp)
    return consent


def withdraw_guardian_consent(consent: GuardianConsent, *, by) -> None:
    if consent.withdrawn_at is not None:
        return
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = by.id
    audit_event("consent.withdrawn", consent.application, actor=by)


def remind_missing_consent(application: Application, *, by) -> None:
    _tell(
        application,
        _l(
            "Your camp place needs your parent's or guardian's consent. Please ask them to call us."
        ),
    )
    audit_event("consent.reminded", application, actor=by)


# --- at the camp ------------------------------------------------------------------------------


def mark_attendance(application: Application, day: date, present: bool, *, by) -> None:
    """Record one camp day; the application becomes attended, or no-show if absent every day."""
    if application.status not in (S.CONFIRMED, S.ATTENDED, S.NO_SHOW):
        raise CampError(_l("Only confirmed participants can be checked in."))
    if day not in application.camp.days():
        raise CampError(_l("This day is not one of the camp's days."))
    record = db.session.get(CampAttendance, (application.id, day))
    if record is None:
        record = CampAttendance(application_id=application.id, day=day)
        db.session.add(record)
    record.present = present
    record.recorded_by_id = by.id
    db.session.flush()
    days_present = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CampAttendance)
        .where(CampAttendance.application_id == application.id, CampAttendance.present.is_(True))
    )
    target = S.ATTENDED if days_present else S.NO_SHOW
    if application.status is not target:
        _move(application, target, actor=by)


# --- shared -----------------------------------------------------------------------------------


def _move(application: Application, status: S, *, actor, reason: str = "") -> None:
    previous = application.status
    application.status = status
    _record(application, previous, status, actor=actor, reason=reason)


def _record(application, previous, status, *, actor, reason: str = "") -> None:
    application.events.append(
        ApplicationEvent(
            from_status=previous,
            to_status=status,
            actor_id=getattr(actor, "id", None),
            reason=reason,
        )
    )


def _tell(application: Application, message) -> None:
    """In-app notification and e-mail, in the applicant's own language."""
    user = application.applicant
    link = local_path("camps.application", application_id=application.id)
    notify(user, message, link=link)
    queue_email(
        user, _l("News about your camp application"), "application_news",
        message=message, camp=application.camp,
        link=external_url("camps.application", application_id=application.id),
    )  # fmt: skip


def send_camp_reminders(today: date | None = None, days_before: int = 2) -> int:
    """Remind confirmed participants of camps starting within `days_before` days (once each)."""
    today = today or local_today()
    due = db.session.scalars(
        sa.select(Application)
        .join(Camp, Application.camp_id == Camp.id)
        .where(
            Application.status == S.CONFIRMED,
            Application.reminded_at.is_(None),
            Camp.status == CampStatus.PUBLISHED,
            Camp.start_date >= today,
            Camp.start_date <= today + timedelta(days=days_before),
        )
    ).all()
    for application in due:
        application.reminded_at = utcnow()
        _tell(application, _l("Your camp starts soon. We are waiting for you!"))
    return len(due)
