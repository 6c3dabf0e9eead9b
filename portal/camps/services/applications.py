"""Applications: applying, the applicant's answers and choices, review and decisions."""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from portal.audit import audit_event
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import is_asked
from portal.camps.policy import decision_refusal
from portal.camps.services.camps import eligibility_problem
from portal.camps.services.camps import is_accepting_applications
from portal.camps.services.camps import lock_application
from portal.camps.services.camps import lock_camp
from portal.camps.services.camps import offer_deadline
from portal.camps.services.camps import places_free
from portal.camps.services.history import CampError
from portal.camps.services.history import move
from portal.camps.services.history import record
from portal.camps.services.history import tell
from portal.camps.services.waitlist import next_waitlist_position
from portal.camps.services.waitlist import promote_from_waitlist
from portal.camps.services.waitlist import renumber_waitlist
from portal.camps.transitions import DECISIONS
from portal.camps.transitions import Who
from portal.camps.transitions import application_may_move
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import lazy_gettext as _l
from portal.i18n import local_today


def start_application(camp: Camp, user) -> Application:
    """The user's application to the camp: the existing one, or a new draft."""
    # Under the camp's lock a second click finds the draft the first one made.
    camp = lock_camp(camp.id)
    existing = db.session.scalar(
        sa.select(Application)
        .where(Application.camp_id == camp.id, Application.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    if existing and existing.status is not S.WITHDRAWN:
        return existing
    problem = eligibility_problem(camp, user)
    if existing and problem is None:
        # Someone who withdrew may apply again while applications are open. Until they send
        # it again, the reopened draft is theirs alone (organisers see sent applications).
        # A new round: the last round's offer and reason stay in the history only.
        existing.submitted_at = None
        existing.offer_expires_on = None
        existing.decision_reason = ""
        existing.reopen_age_rule()
        move(existing, S.DRAFT, actor=user, who=Who.APPLICANT)
        return existing
    if problem:
        raise CampError(problem)
    application = Application(camp=camp, applicant=user, status=S.DRAFT)
    db.session.add(application)
    record(application, None, S.DRAFT, actor=user, who=Who.APPLICANT)
    return application


def save_answers(application: Application, *, ethnicity: list[str], photo_consent: bool, **fields):
    """Store what the applicant typed (a draft may be incomplete)."""
    lock_application(application)
    if application.status is not S.DRAFT:
        raise CampError(_l("A sent application cannot be changed."))
    if "answers" in fields:
        # Answers to questions that do not apply (or are no longer asked) are not kept.
        questions = {str(question.id): question for question in application.camp.questions}
        answers = fields["answers"]
        fields["answers"] = {
            key: value
            for key, value in answers.items()
            if key in questions and is_asked(questions[key], answers)
        }
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
    lock_application(application)
    if application.status is not S.DRAFT:
        raise CampError(_l("This application has already been sent."))
    if not is_accepting_applications(application.camp):
        raise CampError(_l("Applications for this camp are not open."))
    application.submitted_at = utcnow()
    # The age on the first day, and so the guardian rule, is fixed now (a later change of the
    # date of birth cannot lift it).
    application.fix_age_rule()
    move(application, S.SUBMITTED, actor=application.applicant, who=Who.APPLICANT)
    tell(application, _l("We received your application. We will tell you our decision here."))


def confirm(application: Application) -> None:
    """The applicant takes the offered place."""
    lock_application(application)
    if not application_may_move(application.status, S.CONFIRMED, Who.APPLICANT):
        raise CampError(_l("There is no offer to confirm."))
    if application.offer_expires_on and application.offer_expires_on < local_today():
        raise CampError(_l("The time to confirm this place has passed."))
    if application.needs_guardian_consent:
        raise CampError(
            _l("We need your parent's or guardian's consent first. An organiser will contact them.")
        )
    move(application, S.CONFIRMED, actor=application.applicant, who=Who.APPLICANT)


def decline(application: Application) -> None:
    """The applicant gives back the offered place; the waiting list moves up."""
    lock_application(application)
    if not application_may_move(application.status, S.DECLINED, Who.APPLICANT):
        raise CampError(_l("There is no offer to decline."))
    move(application, S.DECLINED, actor=application.applicant, who=Who.APPLICANT)
    promote_from_waitlist(application.camp, freed=1)


def withdraw(application: Application) -> None:
    """The applicant leaves (also the waiting list); a freed place goes to the next person."""
    lock_application(application)
    if not application_may_move(application.status, S.WITHDRAWN, Who.APPLICANT):
        raise CampError(_l("This application is already closed."))
    freed = application.status in SEAT_STATUSES
    queued = application.status is S.WAITLISTED
    application.waitlist_position = None
    move(application, S.WITHDRAWN, actor=application.applicant, who=Who.APPLICANT)
    if freed:
        promote_from_waitlist(application.camp, freed=1)
    elif queued:
        renumber_waitlist(application.camp)


def review(application: Application, *, score: int | None, notes: str, by) -> None:
    application.score = score
    application.notes = notes
    audit_event("application.reviewed", application, actor=by, score=score)


def decide(application: Application, decision, *, reason: str, by) -> None:
    """Accept, waitlist or reject; capacity and guardian consent are checked under a lock."""
    decision = S(decision)
    lock_application(application)
    if decision is application.status and decision in DECISIONS:
        return  # a second click, or another organiser's same decision
    camp = application.camp
    # The same rule the decision form is built from (policy.decisions_for).
    refusal = decision_refusal(application, decision, places_free=places_free(camp))
    if refusal:
        raise CampError(refusal)
    if decision is S.ACCEPTED:
        application.offer_expires_on = offer_deadline(camp)
    freed = application.status in SEAT_STATUSES and decision not in SEAT_STATUSES
    left_queue = application.status is S.WAITLISTED
    application.decision_reason = reason
    if decision is S.WAITLISTED:
        application.waitlist_position = next_waitlist_position(camp)
    else:
        application.waitlist_position = None
    move(application, decision, actor=by, who=Who.ORGANISER, reason=reason)
    audit_event("application.decided", application, actor=by, decision=decision.value)
    tell(application, DECISION_MESSAGES[decision])
    if freed:
        # The place goes to the next on the list, never straight back to this applicant.
        promote_from_waitlist(camp, freed=1, skip=application)
    elif left_queue:
        renumber_waitlist(camp)


def decide_each(
    applications: Sequence[Application], decision, *, reason: str, by
) -> list[tuple[Application, str]]:
    """The same decision for each application in turn, each checked on its own (capacity,
    consent, the transition); the refused ones come back with the reason, the others stand."""
    refused: list[tuple[Application, str]] = []
    for application in applications:
        try:
            with db.session.begin_nested():
                decide(application, decision, reason=reason, by=by)
        except CampError as error:
            refused.append((application, str(error)))
    return refused


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


def expire_offers(today: date | None = None) -> list[Application]:
    """Offers not confirmed in time are declined and their places offered to the waiting list."""
    today = today or local_today()
    overdue = (Application.status == S.ACCEPTED, Application.offer_expires_on < today)
    camp_ids = db.session.scalars(
        sa.select(Application.camp_id).where(*overdue).distinct().order_by(Application.camp_id)
    ).all()
    expired: list[Application] = []
    for camp_id in camp_ids:
        # Camp first, then its offers (as every step does), read again under the lock: an
        # offer confirmed a moment ago is not declined.
        camp = lock_camp(camp_id)
        offers = db.session.scalars(
            sa.select(Application)
            .where(Application.camp_id == camp_id, *overdue)
            .order_by(Application.id)
            .with_for_update(of=Application)
            .execution_options(populate_existing=True)
        ).all()
        for application in offers:
            move(application, S.DECLINED, actor=None, who=Who.SYSTEM, reason="offer expired")
            tell(
                application,
                _l("The time to confirm your camp place has passed, so it went to someone else."),
            )
        if offers:
            promote_from_waitlist(camp, freed=len(offers))
        expired.extend(offers)
    return expired


def withdraw_photo_consent(application: Application) -> None:
    """The applicant takes back their photo/media consent (at any time after sending)."""
    lock_application(application)
    if application.status is S.DRAFT:
        raise CampError(_l("In a draft, untick the photo consent and save the draft."))
    if application.photo_consent_at is None:
        raise CampError(_l("You have not allowed photos and videos."))
    given = application.photo_consent_at
    application.photo_consent_at = None
    audit_event(
        "application.photo_consent_withdrawn", application, actor=application.applicant,
        given=given.isoformat(),
    )  # fmt: skip


#: Statuses of a sent application still in play, whose age rule a birth-date change would touch.
_SENT_AND_OPEN = (S.SUBMITTED, S.WAITLISTED, S.ACCEPTED, S.CONFIRMED)


def birth_date_change_problem(user, *, new) -> str | None:
    """Why `user` cannot change their date of birth now (portal.signals.birth_date_changing):
    an application they sent, to a camp not yet over, is still open."""
    open_application = db.session.scalar(
        sa.select(Application.id)
        .join(Camp, Camp.id == Application.camp_id)
        .where(
            Application.user_id == user.id,
            Application.status.in_(_SENT_AND_OPEN),
            Camp.end_date >= local_today(),
        )
        .limit(1)
    )
    if open_application is None:
        return None
    return _l(
        "Your date of birth cannot be changed while a camp application you sent is open: the "
        "organisers decide with the age you gave. If it is wrong, tell the camp's organisers."
    )
