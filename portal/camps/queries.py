"""Read-only queries behind the camp lists."""

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.models import Gender
from portal.accounts.models import User
from portal.accounts.models import not_erased
from portal.ages import AGE_BANDS
from portal.ages import age_band  # noqa: F401  (templates of the organiser pages use it)
from portal.ages import age_on
from portal.ages import years_before
from portal.camps import transitions
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.camps.models import CampAttendance
from portal.camps.models import CampStatus
from portal.camps.models import GuardianConsent
from portal.camps.models import is_minor_by_rule
from portal.camps.names import _keep_name_keys  # noqa: F401 (its session event keeps names)
from portal.camps.versions import kept_for_camp
from portal.database import built
from portal.extensions import db
from portal.i18n import local_today
from portal.listing import Page
from portal.listing import contains_pattern
from portal.listing import count_rows
from portal.listing import kept_count_statement
from portal.listing import paginate_window
from portal.places import Place
from portal.places import place


def camp_phase(today: date):
    """The SQL form of policy.camp_phase: 0 taking applications (or soon), 1 applications
    closed but not yet held, 2 over."""
    return sa.case(
        (Camp.end_date < today, 2),
        (sa.and_(Camp.status == CampStatus.PUBLISHED, Camp.applications_close >= today), 0),
        else_=1,
    )


def published_camps(*, region=None, month=None, today: date | None = None):
    """Camps people may see: open ones first (soonest first), then those whose applications
    are closed, then past ones (latest first)."""
    phase = camp_phase(today or local_today())
    query = (
        sa.select(Camp)
        .where(Camp.status.in_((CampStatus.PUBLISHED, CampStatus.CLOSED)))
        .order_by(
            phase,
            sa.case((phase == 2, None), else_=Camp.start_date),
            Camp.start_date.desc(),
            Camp.id,
        )
    )
    if region:
        query = query.where(Camp.region_code == region)
    if month:
        first = date(month.year, month.month, 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        query = query.where(Camp.start_date >= first, Camp.start_date < following)
    return query


def my_applications(user):
    return (
        sa.select(Application)
        .where(Application.user_id == user.id)
        .order_by(Application.created_at.desc(), Application.id.desc())
    )


def sent_to_organisers():
    """The SQL form of policy.is_sent: drafts (also ones withdrawn unsent) stay invisible."""
    return sa.and_(
        Application.status != ApplicationStatus.DRAFT, Application.submitted_at.is_not(None)
    )


def status_counts(camp_ids: list[int]) -> dict[int, dict[ApplicationStatus, int]]:
    if not camp_ids:
        return {}
    rows = (
        sa.select(Application.camp_id, Application.status, sa.func.count())
        .where(Application.camp_id.in_(camp_ids), sent_to_organisers())
        .group_by(Application.camp_id, Application.status)
    )
    result: dict[int, dict[ApplicationStatus, int]] = {camp_id: {} for camp_id in camp_ids}
    for camp_id, status, count in db.session.execute(rows):
        result[camp_id][status] = count
    return result


#: Each order of the review list as (column, descending, may be blank) keys, the id last so
#: the order is total. Blanks sort last in every database (SQLite and PostgreSQL disagree by
#: default), which the next/previous applicant links rely on.
SORT_KEYS = {
    "submitted": ((Application.submitted_at, True, False), (Application.id, True, False)),
    # Each application's copy of its applicant's name key, and the age the list shows (fixed
    # when sent): both indexed with the camp, so a page of either order reads its rows alone.
    "name": ((Application.applicant_name_key, False, False), (Application.id, False, False)),
    "score": ((Application.score, True, True), (Application.id, False, False)),
    "age": ((Application.age_when_sent, False, True), (Application.id, False, False)),
    "offer": ((Application.offer_expires_on, False, True), (Application.id, False, False)),
}


def _ordering(keys, *, reverse=False):
    clauses = []
    for column, descending, nullable in keys:
        clause = column.desc() if descending != reverse else column.asc()
        if nullable:
            clause = clause.nulls_first() if reverse else clause.nulls_last()
        clauses.append(clause)
    return clauses


SORTS = {name: tuple(_ordering(keys)) for name, keys in SORT_KEYS.items()}


def review_query(camp, *, filters: dict):
    """The camp's sent applications with the organiser's filters, search and sort (built once
    per camp, first day and filter: database.built)."""
    chosen = tuple(sorted((name, value) for name, value in filters.items() if value))
    key = ("review", camp.id, camp.start_date, chosen)
    return built(key, lambda: _review_query(camp, filters))


def _review_query(camp, filters: dict):
    query = (
        sa.select(Application)
        .where(Application.camp_id == camp.id, sent_to_organisers())
        .options(selectinload(Application.consents))
    )
    # Join the applicants only to filter or sort by them: counting 20,000 applications of one
    # camp then reads the (camp, status, submitted) index alone.
    person_filters = ("region", "district", "gender", "age_band", "consent", "q")
    if any(filters.get(name) for name in person_filters) or filters.get("sort") in ("name", "age"):
        query = query.join(User, Application.user_id == User.id)
    if filters.get("status"):
        query = query.where(Application.status == ApplicationStatus(filters["status"]))
    if filters.get("region"):
        query = query.where(User.region_code == filters["region"])
    if filters.get("district"):
        query = query.where(User.district_code == filters["district"])
    if filters.get("gender"):
        if filters["gender"] == "unknown":
            query = query.where(User.gender.is_(None))
        else:
            query = query.where(User.gender == Gender(filters["gender"]))
    if filters.get("age_band"):
        query = query.where(*age_band_clauses(camp, filters["age_band"]))
    if filters.get("language"):
        # JSON lists differ between databases; match the quoted code inside the stored text.
        query = query.where(
            sa.cast(Application.spoken_languages, sa.String).like(f'%"{filters["language"]}"%')
        )
    if filters.get("consent") == "missing":
        query = query.where(*awaiting_consent_clauses(camp))
    elif filters.get("consent") == "recorded":
        query = query.where(_has_consent())
    if filters.get("q"):
        pattern = contains_pattern(filters["q"])
        query = query.where(
            sa.or_(User.name_key.like(pattern, escape="\\"), User.email.like(pattern, escape="\\"))
        )
    return query.order_by(*SORTS[_sort_of(filters)])


class ReviewRow(NamedTuple):
    """One line of the review list as plain values, with what the template and the consent
    badge (camps/labels.py) read of an Application."""

    id: int
    status: ApplicationStatus
    offer_expires_on: date | None
    score: int | None
    applicant_name: str
    region: Place | None
    applicant_age: int | None
    is_minor: bool
    #: Truthy like Application.active_consent: a guardian's consent on record, not withdrawn.
    active_consent: bool
    consent_withdrawn: bool


def review_page(camp, *, filters: dict) -> Page:
    """One page of the review list: chosen by application ids in the list's order, then only
    its rows loaded, as plain columns (not applications with their camp, person and consents)."""
    query = review_query(camp, filters=filters)
    keys = built(("review-keys", query), lambda: query.with_only_columns(Application.id))
    sort = _sort_of(filters)

    def load(window) -> list[ReviewRow]:
        rows = db.session.execute(built(("review-rows", window, sort), lambda: _rows(window, sort)))
        return [_review_row(camp, *row) for row in rows]

    return paginate_window(keys, load, total=review_count(camp, keys, filters), kept=True)


#: Filters that read what moves the camp's version (camps/versions.py), whose counts are kept
#: under it; a name search and the consent filter read rows it does not follow.
_KEPT_COUNT_FILTERS = ("status", "region", "district", "gender", "age_band", "language")


def review_count(camp, keys, filters: dict) -> int:
    """How many applications the filter finds (`keys`, its kept statement): counted once per
    change to the camp's applications and kept under its version, for every app server
    (13,600 sent applications of one camp took 0.8 ms to count on SQLite, on every page)."""
    statement = kept_count_statement(keys)
    if any(filters.get(name) for name in filters if name not in (*_KEPT_COUNT_FILTERS, "sort")):
        return count_rows(keys, statement)
    chosen = ",".join(
        f"{name}={filters[name]}" for name in _KEPT_COUNT_FILTERS if filters.get(name)
    )
    return kept_for_camp(camp.id, f"review-count:{chosen}", lambda: count_rows(keys, statement))


def _rows(window, sort: str):
    """The review list's columns for the applications in `window`, in the list's order."""
    any_consent = sa.select(GuardianConsent.id).where(
        GuardianConsent.application_id == Application.id
    )
    return (
        sa.select(
            Application.id,
            Application.status,
            Application.offer_expires_on,
            Application.score,
            Application.consent_required,
            Application.age_when_sent,
            User.full_name,
            User.region_code,
            User.date_of_birth,
            _has_consent(),
            any_consent.exists(),
        )
        .join(window, window.c.id == Application.id)
        .join(User, Application.user_id == User.id)
        .order_by(*SORTS[sort])
    )


def _review_row(camp, id, status, offer, score, consent_required, age_when_sent, name, region,
                born, active_consent, any_consent) -> ReviewRow:  # fmt: skip
    # The age as Application.applicant_age reads it: fixed when sent, by the profile before.
    if consent_required is not None:
        age = age_when_sent
    else:
        age = None if born is None else age_on(born, camp.start_date)
    minor = is_minor_by_rule(consent_required, age)
    withdrawn = minor and not active_consent and bool(any_consent)
    return ReviewRow(id, status, offer, score, name, place(region), age, minor,
                     bool(active_consent), withdrawn)  # fmt: skip


def _sort_of(filters: dict) -> str:
    sort = filters.get("sort")
    return sort if isinstance(sort, str) and sort in SORT_KEYS else "submitted"


def count_of(query) -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        or 0
    )


def matching_applications(camp, *, filters: dict, limit: int) -> Sequence[Application]:
    """Every application the filter finds, in the list's order (at most `limit`)."""
    return db.session.scalars(review_query(camp, filters=filters).limit(limit)).all()


def neighbours(camp, application, *, filters: dict) -> tuple[int | None, int | None]:
    """The ids before and after `application` in the filtered, sorted list, found by its sort
    key (a keyset query) without loading the list. It need not match the filter any more
    (a decision may have moved it out): its neighbours are where it stood."""
    sort = _sort_of(filters)
    keys = SORT_KEYS[sort]
    values = _position(application, sort)
    query = review_query(camp, filters=filters)
    blanks = tuple(value is None for value in values)
    before = built(("review-before", query, blanks), lambda: _next_to(query, keys, blanks, True))
    after = built(("review-after", query, blanks), lambda: _next_to(query, keys, blanks, False))
    positions = {f"key_{number}": value for number, value in enumerate(values)}
    return db.session.scalar(before, positions), db.session.scalar(after, positions)


#: Each sort's key values of one application (built once, as the neighbours below).
_POSITIONS = {
    sort: sa.select(*(column for column, _descending, _nullable in keys))
    .select_from(Application)
    .join(User, Application.user_id == User.id)
    .where(Application.id == sa.bindparam("application_id"))
    for sort, keys in SORT_KEYS.items()
}


def _position(application, sort: str) -> tuple:
    """The application's values of the sort's keys: read off the application and its
    applicant (loaded with it) as they stand in the database, or asked when this transaction
    has changed either and not saved it yet."""
    applicant = application.applicant
    if application in db.session.dirty or applicant in db.session.dirty:
        return tuple(db.session.execute(_POSITIONS[sort], {"application_id": application.id}).one())
    return tuple(
        getattr(applicant if column.class_ is User else application, column.key)
        for column, _descending, _nullable in SORT_KEYS[sort]
    )


def _next_to(query, keys, blanks: tuple[bool, ...], reverse: bool):
    """The first id of `query` past a position (before it, with reverse), the position's key
    values given as parameters key_0, key_1, … (blank ones, which change the SQL, in `blanks`),
    so one statement serves every application of the list."""
    position = [
        None if blank else sa.bindparam(f"key_{number}", type_=column.type)
        for number, ((column, _descending, _nullable), blank) in enumerate(
            zip(keys, blanks, strict=True)
        )
    ]
    found = query.with_only_columns(Application.id).limit(1)
    found = found.where(_beyond_position(keys, position, reverse=reverse))
    return found.order_by(None).order_by(*_ordering(keys, reverse=True)) if reverse else found


def _beyond_position(keys, values, *, reverse=False):
    """Rows strictly after `values` in the order of `keys` (strictly before, with reverse);
    each value is a parameter, or None for a blank.

    Keys without blanks that all run one way are one row-value comparison, which SQLite and
    PostgreSQL read as a range of the (camp, submitted) index: the OR of its parts made SQLite
    sort every earlier application of the camp to find one (6.6 ms at 20,000, growing)."""
    if len({descending for _column, descending, _nullable in keys}) == 1 and not any(
        nullable for _column, _descending, nullable in keys
    ):
        columns = sa.tuple_(*(column for column, _descending, _nullable in keys))
        bound = sa.tuple_(*(sa.null() if value is None else value for value in values))
        return columns < bound if keys[0][1] != reverse else columns > bound
    alternatives = []
    same_so_far: list = []
    for (column, descending, nullable), value in zip(keys, values, strict=True):
        alternatives.append(
            sa.and_(*same_so_far, _beyond(column, descending, nullable, value, reverse))
        )
        same_so_far.append(column.is_(None) if value is None else column == value)
    return sa.or_(*alternatives)


def _beyond(column, descending, nullable, value, reverse):
    """One key strictly past `value`; blanks come last."""
    if reverse:
        if value is None:
            return column.is_not(None)
        return column > value if descending else column < value
    if value is None:
        return sa.false()
    later = column < value if descending else column > value
    return sa.or_(later, column.is_(None)) if nullable else later


def _has_consent():
    return (
        sa.select(GuardianConsent.id)
        .where(
            GuardianConsent.application_id == Application.id,
            GuardianConsent.withdrawn_at.is_(None),
        )
        .exists()
    )


def age_clause(camp, low: int, high: int | None = None):
    """Aged `low` to `high` (or more, without `high`) on the camp's first day, as
    Application.applicant_age reads it: the age fixed when the application was sent (a later
    change of the date of birth moves no figure of the camp), by the profile for a draft."""
    start = camp.start_date
    by_profile = User.date_of_birth <= years_before(start, low)
    fixed = Application.age_when_sent >= low
    if high is not None:
        by_profile = sa.and_(by_profile, User.date_of_birth > years_before(start, high + 1))
        fixed = sa.and_(fixed, Application.age_when_sent <= high)
    return sa.or_(
        sa.and_(Application.consent_required.is_(None), by_profile),
        sa.and_(Application.consent_required.is_not(None), fixed),
    )


def age_band_clauses(camp, band: str):
    for label, low, high in AGE_BANDS:
        if label == band:
            return [age_clause(camp, low, high)]
    return [sa.false()]


def awaiting_consent_clauses(camp=None):
    """The SQL form of policy.awaits_guardian_consent for sent applications (of `camp`, or of
    every camp: then by the rule fixed when sent alone, which every sent application has)."""
    minor = _minor_clauses(camp) if camp is not None else [Application.consent_required.is_(True)]
    return [
        *minor,
        Application.status.in_(transitions.HEADED_FOR_CAMP),
        ~_has_consent(),
    ]


def _minor_clauses(camp):
    """Minors by the rule fixed when the application was sent (by the profile before that)."""
    live = sa.and_(
        Application.consent_required.is_(None),
        User.date_of_birth > years_before(camp.start_date, 18),
    )
    return [sa.or_(Application.consent_required.is_(True), live)]


def all_camps():
    return sa.select(Camp).order_by(Camp.start_date.desc(), Camp.id.desc())


def applications_by_id(camp, ids: list[int]) -> Sequence[Application]:
    return db.session.scalars(
        sa.select(Application)
        .where(Application.camp_id == camp.id, Application.id.in_(ids), sent_to_organisers())
        .order_by(Application.id)
    ).all()


def camp_people(camp, statuses=SEAT_STATUSES) -> Sequence[Application]:
    """The camp's sent applications in `statuses` (by default those holding a place or
    attended) by name, erased people left out: the participant export and the paper lists."""
    return db.session.scalars(
        sa.select(Application)
        .join(User, Application.user_id == User.id)
        .where(
            Application.camp_id == camp.id,
            Application.status.in_(statuses),
            sent_to_organisers(),
            not_erased(Application.user_id),
        )
        .options(selectinload(Application.consents))
        .order_by(User.name_key)
    ).all()


def checkin_rows(camp, day: date) -> list[tuple[Application, bool | None]]:
    """Confirmed (and already checked-in) participants with their mark for `day`."""
    rows = db.session.execute(
        sa.select(Application, CampAttendance.present)
        .join(User, Application.user_id == User.id)
        .outerjoin(
            CampAttendance,
            sa.and_(CampAttendance.application_id == Application.id, CampAttendance.day == day),
        )
        .where(
            Application.camp_id == camp.id,
            Application.status.in_(
                (ApplicationStatus.CONFIRMED, ApplicationStatus.ATTENDED, ApplicationStatus.NO_SHOW)
            ),
        )
        .options(selectinload(Application.consents))
        .order_by(User.name_key)
    ).all()
    return [(application, present) for application, present in rows]


def my_application_to(camp, user) -> Application | None:
    return db.session.scalar(my_applications(user).where(Application.camp_id == camp.id))
