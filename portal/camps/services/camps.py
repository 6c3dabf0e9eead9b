"""Camps: details, status, questions, who may apply, places taken, reminders."""

from collections.abc import Sequence
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.models import UserRole
from portal.audit import audit_event
from portal.camps.models import OPEN_STATUSES
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import CampQuestion
from portal.camps.models import CampStatus
from portal.camps.policy import is_accepting_applications
from portal.camps.schedule import DATE_FIELDS
from portal.camps.schedule import date_problems
from portal.camps.services.history import CampError
from portal.camps.services.history import tell
from portal.camps.transitions import camp_may_move
from portal.camps.versions import kept_for_camp
from portal.database import lock_again
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import PerLanguage
from portal.i18n import lazy_gettext as _l
from portal.i18n import local_today
from portal.i18n import ngettext
from portal.i18n import short_date
from portal.security import Role

#: An offer made from the waiting list after the camp's deadline stays open this long.
LATE_OFFER_DAYS = 3
#: The applicants told when their camp is cancelled: every open application that was sent.
TOLD_ON_CANCEL = tuple(status for status in OPEN_STATUSES if status is not S.DRAFT)


def save_camp(camp: Camp, *, by, **fields) -> Camp:
    """Create or edit a camp from the form's cleaned fields."""
    creating = camp.id is None
    if fields.keys() & set(DATE_FIELDS):  # the dates keep their order (camps/schedule.py)
        dates = {name: fields.get(name, getattr(camp, name, None)) for name in DATE_FIELDS}
        problems = date_problems(dates)
        if problems:
            raise CampError(next(iter(problems.values())))
    if "capacity" in fields and not creating:
        problem = capacity_problem(camp, fields["capacity"])
        if problem:
            raise CampError(problem)
    for name, value in fields.items():
        setattr(camp, name, value)
    if creating:
        camp.created_by_id = by.id
        db.session.add(camp)
    audit_event("camp.created" if creating else "camp.updated", camp, actor=by)
    return camp


def capacity_problem(camp: Camp, capacity: int) -> str | None:
    """Why the camp cannot have `capacity` places: fewer than the people holding one (the
    camp would be over capacity, and nobody is moved off a place by an edit)."""
    taken = seats_taken(camp)
    if capacity >= taken:
        return None
    return ngettext(
        "%(num)d person already holds a place at this camp, so it cannot have fewer places.",
        "%(num)d people already hold a place at this camp, so it cannot have fewer places.",
        taken,
    )


def set_camp_status(camp: Camp, status: CampStatus, *, by) -> None:
    """Publish, close or cancel a camp; cancelling tells everyone who applied."""
    if not camp_may_move(camp.status, status):
        raise CampError(_l("This camp cannot change to that status now."))
    camp.status = status
    audit_event(f"camp.{status.value}", camp, actor=by)
    if status is CampStatus.CANCELLED:
        for application in applications_of(camp, statuses=TOLD_ON_CANCEL):
            tell(application, _l("The camp you applied to is cancelled. We are sorry."))


def add_question(camp: Camp, *, by, **fields) -> CampQuestion:
    """Add an extra question at the end of the camp's application form."""
    question = CampQuestion(position=len(camp.questions) + 1, **fields)
    camp.questions.append(question)
    audit_event("camp.question_added", camp, actor=by)
    return question


def change_question(question: CampQuestion, *, by, **fields) -> None:
    """Change a question; answers already given stay as they were."""
    for name, value in fields.items():
        setattr(question, name, value)
    audit_event("camp.question_changed", question.camp, actor=by)


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


def camp_organisers(camp: Camp) -> Sequence[User]:
    """Who hears news about a camp: the organiser who created it, or, when that person no
    longer runs camps, every active organiser (admins included)."""
    creator = db.session.get(User, camp.created_by_id) if camp.created_by_id else None
    if creator is not None and creator.active and creator.has_role(Role.ORGANISER):
        return [creator]
    return db.session.scalars(
        sa.select(User)
        .where(
            User.active.is_(True),
            User.role_rows.any(UserRole.role.in_((Role.ORGANISER, Role.ADMIN))),
        )
        .order_by(User.id)
    ).all()


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


def lock_camp(camp_id: int) -> Camp:
    """The camp row, locked until commit so capacity checks cannot race (PostgreSQL)."""
    return db.session.scalars(
        sa.select(Camp)
        .where(Camp.id == camp_id)
        .with_for_update(of=Camp)
        .execution_options(populate_existing=True)
    ).one()


def lock_application(application: Application) -> Application:
    """Lock the application's camp, then the application, until commit, and read it again.

    Every step that changes an application starts here, so two clicks (or two people) at once
    queue and the second sees what the first did; and since all take the camp first, steps on
    one camp never wait for each other in a circle (PostgreSQL; SQLite queues writers at BEGIN).
    """
    db.session.flush()  # an application made in this transaction has its ids
    lock_camp(application.camp_id)
    return lock_again(application, expire=("consents",))  # a consent recorded meanwhile counts


def places_free(camp: Camp) -> int:
    """The camp's places nobody holds (never below 0)."""
    return max(camp.capacity - seats_taken(camp), 0)


#: Built once: the review list and every application's page ask it, and building a statement
#: (with its cache key) cost as much as running it.
SEATS_TAKEN = (
    sa.select(sa.func.count())
    .select_from(Application)
    .where(Application.camp_id == sa.bindparam("camp_id"), Application.status.in_(SEAT_STATUSES))
)


def seats_taken(camp: Camp) -> int:
    return db.session.scalar(SEATS_TAKEN, {"camp_id": camp.id}) or 0


def shown_places_free(camp: Camp) -> int:
    """The camp's free places as a page shows them (and offers decisions by): the seats
    counted once per change to the camp's applications, kept under its version
    (camps/versions.py) for every app server. A decision itself counts under the camp's lock
    (places_free), so a page a moment old can offer nothing the service then lets through."""
    taken = kept_for_camp(camp.id, "seats", lambda: seats_taken(camp))
    return max(camp.capacity - taken, 0)


def offer_deadline(camp: Camp, today: date | None = None) -> date:
    """The camp's confirmation deadline, or a few days for late offers (never after the start)."""
    today = today or local_today()
    if camp.confirmation_deadline >= today:
        return camp.confirmation_deadline
    return min(today + timedelta(days=LATE_OFFER_DAYS), camp.start_date)


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
        tell(application, _l("Your camp starts soon. We are waiting for you!"))
    return len(due)


def send_confirmation_reminders(today: date | None = None, days_before: int = 1) -> int:
    """Remind people offered a place whose time to confirm ends within `days_before` days
    (each offer once): on the channels each chose, with the day in the message."""
    today = today or local_today()
    due = db.session.scalars(
        sa.select(Application)
        .join(Camp, Application.camp_id == Camp.id)
        .where(
            Application.status == S.ACCEPTED,
            Application.offer_expires_on >= today,
            Application.offer_expires_on <= today + timedelta(days=days_before),
            sa.or_(
                Application.offer_reminded_for.is_(None),
                Application.offer_reminded_for != Application.offer_expires_on,
            ),
            Camp.status == CampStatus.PUBLISHED,
        )
    ).all()
    for application in due:
        application.offer_reminded_for = application.offer_expires_on
        tell(
            application,
            _l("Your place at %(camp)s is waiting: confirm it by %(date)s, or it goes to "
               "someone on the waiting list.",
               camp=PerLanguage(application.camp.title),
               date=short_date(application.offer_expires_on)),
        )  # fmt: skip
    return len(due)
