"""What camps ask of people next, for the homes (portal/main/tasks.py composes them).

Each list is plain data, bounded, and costs a fixed number of queries; which rows are tasks is
decided by policy's predicates (or their SQL twins in queries.py), so a home never offers a
step the service refuses: an "offer to confirm" is exactly one `services.confirm` accepts.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from portal.camps import policy
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import CampStatus
from portal.camps.models import GuardianConsent
from portal.camps.queries import awaiting_consent_clauses
from portal.camps.queries import sent_to_organisers
from portal.extensions import db
from portal.i18n import local_today
from portal.i18n import localized

#: Minors without consent are listed for camps starting within this many days.
CONSENT_WINDOW_DAYS = 21
#: Offers whose time to confirm ends within this many days are "expiring".
OFFER_SOON_DAYS = 3
#: Camps starting within this many days are "starting soon".
STARTING_SOON_DAYS = 14
#: At most this many of a young person's applications are looked at (newest camps first).
SCANNED = 50


@dataclass(frozen=True)
class ApplicationTask:
    """One of a young person's applications that waits for them (or their guardian)."""

    application_id: int
    camp_title: str
    #: The day it matters: applications close, the offer ends, the camp starts.
    due: date | None
    #: For consent: a consent was recorded once and withdrawn since.
    withdrawn: bool = False
    #: For consent: the application already holds a place.
    holds_place: bool = False


@dataclass
class YouthCampTasks:
    drafts: list[ApplicationTask] = field(default_factory=list)
    offers: list[ApplicationTask] = field(default_factory=list)
    consents: list[ApplicationTask] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.drafts or self.offers or self.consents)


@dataclass(frozen=True)
class _CampRow:
    """What policy's predicates read of a camp."""

    title: dict[str, str]
    status: CampStatus
    applications_open: date
    applications_close: date
    start_date: date


@dataclass(frozen=True)
class _ApplicationRow:
    """One of the person's applications as plain columns, not an ORM object with its camp,
    applicant and consents loaded: what policy's predicates read, and the model's own consent
    rules (borrowed below, so the rule stays in one place) over the same names."""

    id: int
    user_id: int
    status: S
    submitted_at: datetime | None
    offer_expires_on: date | None
    age_when_sent: int | None
    consent_required: bool | None
    camp: _CampRow
    applicant: Any
    #: Non-empty once a consent was recorded (Application.consents, for consent_withdrawn).
    consents: tuple[bool, ...]
    #: True while a consent on record is not withdrawn, else None (Application.active_consent).
    active_consent: bool | None

    applicant_age = Application.applicant_age
    is_minor = Application.is_minor
    holds_place = Application.holds_place
    needs_guardian_consent = Application.needs_guardian_consent
    consent_withdrawn = Application.consent_withdrawn


def _my_applications_query():
    recorded = sa.exists().where(GuardianConsent.application_id == Application.id)
    active = recorded.where(GuardianConsent.withdrawn_at.is_(None))
    return (
        sa.select(
            Application.id, Application.status, Application.submitted_at,
            Application.offer_expires_on, Application.age_when_sent,
            Application.consent_required, Camp.title, Camp.status, Camp.applications_open,
            Camp.applications_close, Camp.start_date, recorded.label("recorded"),
            active.label("active"),
        )
        .join(Camp, Camp.id == Application.camp_id)
        .where(
            Application.user_id == sa.bindparam("user_id"),
            Application.status.in_((S.DRAFT, S.SUBMITTED, S.WAITLISTED, S.ACCEPTED, S.CONFIRMED)),
            Camp.end_date >= sa.bindparam("today"),
        )
        .order_by(Camp.start_date, Application.id)
        .limit(SCANNED)
    )  # fmt: skip


#: Built once: making the statement costs more than running it (each home asks it).
_MY_APPLICATIONS = _my_applications_query()


def _my_applications(user, today: date) -> list[Any]:  # read as Applications are
    """The person's applications still on the way, soonest camp first (at most SCANNED): one
    query of plain columns, whether a consent was ever recorded and one is active with them."""
    rows = db.session.execute(_MY_APPLICATIONS, {"user_id": user.id, "today": today}).all()
    return [
        _ApplicationRow(
            id=row[0], user_id=user.id, status=row[1], submitted_at=row[2],
            offer_expires_on=row[3], age_when_sent=row[4], consent_required=row[5],
            camp=_CampRow(*row[6:11]), applicant=user,
            consents=(True,) if row[11] else (), active_consent=True if row[12] else None,
        )
        for row in rows
    ]  # fmt: skip


def youth_tasks(user, *, limit: int, today: date | None = None) -> YouthCampTasks:
    """Drafts to finish while applications are open, offers to confirm, guardian consent
    still awaited: one query (the applications with their camps and consents' state)."""
    today = today or local_today()
    tasks = YouthCampTasks()
    for application in _my_applications(user, today):
        camp = application.camp
        title = localized(camp.title)
        if policy.can_edit_application(user, application) and policy.is_accepting_applications(
            camp, today
        ):
            tasks.drafts.append(ApplicationTask(application.id, title, camp.applications_close))
        if policy.can_confirm(user, application):
            tasks.offers.append(
                ApplicationTask(application.id, title, application.offer_expires_on)
            )
        if policy.awaits_guardian_consent(application) and camp.start_date >= today:
            tasks.consents.append(
                ApplicationTask(
                    application.id, title, camp.start_date,
                    withdrawn=application.consent_withdrawn,
                    holds_place=application.holds_place,
                )
            )  # fmt: skip
    tasks.drafts.sort(key=lambda task: task.due or date.max)
    tasks.offers.sort(key=lambda task: task.due or date.max)
    tasks.drafts, tasks.offers, tasks.consents = (
        tasks.drafts[:limit], tasks.offers[:limit], tasks.consents[:limit],
    )  # fmt: skip
    return tasks


@dataclass(frozen=True)
class CampCount:
    """One camp's line of an organiser's to-do: how many of its applications need something."""

    camp_id: int
    camp_title: str
    starts_on: date
    count: int
    #: The earliest day among them that matters (an offer's end), when there is one.
    due: date | None = None


@dataclass(frozen=True)
class CampStatusLine(CampCount):
    """A camp starting soon: `count` places taken of `capacity`."""

    capacity: int = 0


@dataclass(frozen=True)
class CountedList:
    """The first rows of a to-do, and whether there are more than those."""

    rows: Sequence[CampCount]
    more: bool

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)


@dataclass
class OrganiserCampTasks:
    to_review: CountedList
    without_consent: CountedList
    offers_expiring: CountedList
    starting_soon: CountedList

    def __bool__(self) -> bool:
        return any((self.to_review, self.without_consent, self.offers_expiring, self.starting_soon))


def _per_camp(where, *, limit: int, due=None) -> CountedList:
    """Sent applications matching `where`, counted per camp (one query, `limit` camps), the
    soonest camp first (or the soonest `due`, when given)."""
    counts = (
        sa.select(
            Application.camp_id.label("camp_id"),
            sa.func.count().label("count"),
            (sa.func.min(due) if due is not None else sa.null()).label("due"),
        )
        .where(sent_to_organisers(), *where)
        .group_by(Application.camp_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Camp.id, Camp.title, Camp.start_date, counts.c.count, counts.c.due)
        .join(counts, counts.c.camp_id == Camp.id)
        .where(Camp.status != CampStatus.CANCELLED)
        .order_by(*((counts.c.due,) if due is not None else ()), Camp.start_date, Camp.id)
        .limit(limit + 1)
    ).all()
    shown = [
        CampCount(camp_id, localized(title), start, count, due)
        for camp_id, title, start, count, due in rows[:limit]
    ]
    return CountedList(shown, more=len(rows) > limit)


def organiser_tasks(*, limit: int, today: date | None = None) -> OrganiserCampTasks:
    """Applications to review per camp, minors without consent before a camp, offers about to
    expire, camps starting soon: four queries."""
    today = today or local_today()
    not_over = Application.camp_id.in_(sa.select(Camp.id).where(Camp.end_date >= today))
    soon = Application.camp_id.in_(
        sa.select(Camp.id).where(
            Camp.start_date >= today,
            Camp.start_date <= today + timedelta(days=CONSENT_WINDOW_DAYS),
        )
    )
    return OrganiserCampTasks(
        to_review=_per_camp([Application.status == S.SUBMITTED, not_over], limit=limit),
        without_consent=_per_camp([*awaiting_consent_clauses(), soon], limit=limit),
        offers_expiring=_per_camp(
            [
                Application.status == S.ACCEPTED,
                Application.offer_expires_on >= today,
                Application.offer_expires_on <= today + timedelta(days=OFFER_SOON_DAYS),
            ],
            limit=limit,
            due=Application.offer_expires_on,
        ),
        starting_soon=_starting_soon(today, limit=limit),
    )


def _starting_soon(today: date, *, limit: int) -> CountedList:
    """Published (or closed) camps starting within STARTING_SOON_DAYS, with places taken."""
    taken = (
        sa.select(sa.func.count())
        .select_from(Application)
        .where(Application.camp_id == Camp.id, Application.status.in_(SEAT_STATUSES))
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Camp.id, Camp.title, Camp.start_date, taken, Camp.capacity)
        .where(
            Camp.status.in_((CampStatus.PUBLISHED, CampStatus.CLOSED)),
            Camp.start_date >= today,
            Camp.start_date <= today + timedelta(days=STARTING_SOON_DAYS),
        )
        .order_by(Camp.start_date, Camp.id)
        .limit(limit + 1)
    ).all()
    shown = [
        CampStatusLine(camp_id, localized(title), start, count, capacity=capacity)
        for camp_id, title, start, count, capacity in rows[:limit]
    ]
    return CountedList(shown, more=len(rows) > limit)


def camp_titles(ids) -> dict[int, str]:
    """Camp id → its title in the reader's language (for the inbox: one query)."""
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Camp.id, Camp.title).where(Camp.id.in_(ids)))
    return {camp_id: localized(title) for camp_id, title in rows}
