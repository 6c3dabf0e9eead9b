"""Read-only queries: attendance rates, my training, sessions I lead, the ambassador directory."""

import hashlib
from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from portal import caching
from portal.accounts.models import User
from portal.accounts.models import UserRole
from portal.accounts.models import not_erased
from portal.camps.models import Camp
from portal.database import built
from portal.extensions import db
from portal.i18n import local_now
from portal.i18n import localized
from portal.listing import Page
from portal.listing import contains_pattern
from portal.listing import count_rows
from portal.listing import kept_count_statement
from portal.listing import paginate_window
from portal.places import place
from portal.security import Role
from portal.training.completion import counts_for_sql
from portal.training.models import ATTENDED
from portal.training.models import Attendance
from portal.training.models import AttendanceStatus
from portal.training.models import Certificate
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from portal.training.models import Programme
from portal.training.models import TrainingSession
from portal.training.names import DIRECTORY_VERSION
from portal.training.policy import can_mark_session


def rate(attended: int, expected: int) -> int | None:
    return round(100 * attended / expected) if expected else None


def session_rates(programme: Programme) -> dict[int, tuple[int, int]]:
    """session id → (attended, expected) for the programme's sessions that have started."""
    expected: dict[int, int] = dict(
        db.session.execute(  # type: ignore[arg-type]
            sa.select(TrainingSession.id, sa.func.count(Enrolment.id))
            .join(
                Enrolment,
                sa.and_(
                    Enrolment.programme_id == TrainingSession.programme_id,
                    counts_for_sql(),
                    Enrolment.status != EnrolmentStatus.DROPPED,
                ),
            )
            .where(TrainingSession.programme_id == programme.id)
            .group_by(TrainingSession.id)
        ).all()
    )
    attended: dict[int, int] = dict(
        db.session.execute(  # type: ignore[arg-type]
            sa.select(Attendance.session_id, sa.func.count())
            .join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .where(TrainingSession.programme_id == programme.id, Attendance.status.in_(ATTENDED))
            .group_by(Attendance.session_id)
        ).all()
    )
    now = local_now()
    return {
        session.id: (attended.get(session.id, 0), expected.get(session.id, 0))
        for session in programme.sessions
        if can_mark_session(session, now)
    }


def module_rates(programme: Programme, by_session: dict[int, tuple[int, int]]) -> dict:
    """module id → (attended, expected), summed over its sessions that have started."""
    totals: dict[int, list[int]] = {}
    for session in programme.sessions:
        if session.module_id and session.id in by_session:
            attended, expected = by_session[session.id]
            total = totals.setdefault(session.module_id, [0, 0])
            total[0] += attended
            total[1] += expected
    return {module_id: tuple(total) for module_id, total in totals.items()}


def my_enrolments(user):
    return (
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id)
        .options(
            joinedload(Enrolment.certificates),
            joinedload(Enrolment.programme).selectinload(Programme.sessions),
            joinedload(Enrolment.programme).selectinload(Programme.modules),
        )
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    )


def sessions_led_by(user):
    return (
        sa.select(TrainingSession)
        .where(TrainingSession.trainer_id == user.id)
        .options(joinedload(TrainingSession.programme))
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
    )


def _now():
    """Now, read when a statement runs (statements here are built once: database.built)."""
    return sa.bindparam("now", callable_=lambda: local_now(), type_=TrainingSession.starts_at.type)


def _counted_marks(*statuses: AttendanceStatus):
    """Correlated count of an enrolment's marks with `statuses` at sessions that have begun and
    count for it (marks from before a corrected enrolment date stay, but do not count)."""
    return (
        sa.select(sa.func.count())
        .select_from(Attendance)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(
            Attendance.enrolment_id == Enrolment.id,
            # Always true of a mark; it lets the planner read one programme's sessions by
            # (programme, starts) instead of every session since the person enrolled.
            TrainingSession.programme_id == Enrolment.programme_id,
            Attendance.status.in_(statuses),
            counts_for_sql(),
            TrainingSession.starts_at <= _now(),
        )
        .scalar_subquery()
    )


def attended_count():
    """Correlated count of an enrolment's sessions attended (present or late)."""
    return _counted_marks(*ATTENDED)


def held_count():
    """Correlated count of sessions held since the person enrolled, minus excused absences."""
    held = (
        sa.select(sa.func.count())
        .select_from(TrainingSession)
        .where(
            TrainingSession.programme_id == Enrolment.programme_id,
            counts_for_sql(),
            TrainingSession.starts_at <= _now(),
        )
        .scalar_subquery()
    )
    return held - _counted_marks(AttendanceStatus.EXCUSED)


def directory_query(*, filters: dict, counting: bool = False):
    """The ids of the enrolments in ambassador programmes, filtered, in the directory's order
    (built once per filter: database.built)."""
    chosen = tuple(sorted((name, value) for name, value in filters.items() if value is not None))
    return built(("directory", chosen, counting), lambda: _directory_query(filters, counting))


def _directory_query(filters: dict, counting: bool):
    # Sorted by the name key each enrolment keeps (indexed with its id). A page asks of each
    # enrolment whether its programme makes ambassadors (and its person is in the region asked
    # for), so that SQLite walks the name index and stops after the page: 0.1 ms, not 13 ms
    # sorting all 10,000. The count starts from those programmes (and joins the people), which
    # is three times faster than asking.
    ambassador_programmes = sa.select(Programme.id).where(Programme.makes_ambassadors.is_(True))
    in_programme: sa.ColumnElement[bool]
    if counting:
        in_programme = Enrolment.programme_id.in_(ambassador_programmes)
    else:
        in_programme = ambassador_programmes.where(Programme.id == Enrolment.programme_id).exists()
    query = (
        sa.select(Enrolment.id)
        .where(in_programme, not_erased(Enrolment.user_id))
        .order_by(Enrolment.name_key, Enrolment.id)
    )
    if filters.get("q"):
        query = query.where(Enrolment.name_key.like(contains_pattern(filters["q"]), escape="\\"))
    person = []
    if filters.get("region"):
        person.append(User.region_code == filters["region"])
    if filters.get("district"):
        person.append(User.district_code == filters["district"])
    if person and counting:
        query = query.join(User, User.id == Enrolment.user_id).where(*person)
    elif person:
        query = query.where(sa.exists().where(User.id == Enrolment.user_id, *person))
    if filters.get("programme") is not None:  # the ids of the programmes typed (maybe none)
        query = query.where(Enrolment.programme_id.in_(filters["programme"]))
    if filters.get("status"):
        query = query.where(Enrolment.status == EnrolmentStatus(filters["status"]))
    return query


class Ambassador(NamedTuple):
    """One row of the directory, as plain values."""

    name: str
    region: str
    district: str
    programme: str
    status: EnrolmentStatus
    attended: int
    held: int
    email: str
    phone: str


def _directory_select(ids, *, contacts: bool):
    """The directory's columns for the enrolments in `ids` (a subquery of ids), in its order."""
    return (
        sa.select(
            User.full_name,
            User.region_code,
            User.district_code,
            Programme.title,
            Enrolment.status,
            attended_count(),
            held_count(),
            User.email if contacts else sa.null(),
            User.phone if contacts else sa.null(),
        )
        .select_from(Enrolment)
        .join(ids, ids.c.id == Enrolment.id)
        .join(User, User.id == Enrolment.user_id)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .order_by(Enrolment.name_key, Enrolment.id)
    )


def _ambassadors(ids, *, contacts: bool = False) -> list[Ambassador]:
    statement = built(
        ("directory-rows", ids, contacts), lambda: _directory_select(ids, contacts=contacts)
    )
    rows = db.session.execute(statement)
    return [
        Ambassador(name, _place_name(region), _place_name(district), localized(title), status,
                   attended, held, email or "", phone or "")
        for name, region, district, title, status, attended, held, email, phone in rows
    ]  # fmt: skip


def _place_name(code: str | None) -> str:
    unit = place(code)
    return unit.name if unit else ""


#: Filters whose counts are kept (a searched name is counted each time: too many to keep).
COUNTED_FILTERS = ("region", "district", "programme", "status")
#: Counts are kept until the directory's version moves; this long at most, in case someone
#: changes the database by hand.
COUNT_SECONDS = 3600


def directory_page(filters: dict) -> Page:
    """One page of the directory: chosen by enrolment ids alone, then only its rows loaded;
    its count kept per filter until an enrolment, programme, erasure or place changes."""
    keys = directory_query(filters=filters)
    return paginate_window(keys, _ambassadors, total=directory_count(filters), kept=True)


def directory_count(filters: dict) -> int:
    counted = directory_query(filters=filters, counting=True)
    count = kept_count_statement(counted)
    if filters.get("q"):
        return count_rows(counted, count)
    chosen = ",".join(
        f"{name}={_counted_value(filters[name])}"
        for name in COUNTED_FILTERS
        if filters.get(name) is not None and filters.get(name) != ""
    )
    return caching.remember_versioned(
        DIRECTORY_VERSION, lambda: count_rows(counted, count), COUNT_SECONDS, what=f"count:{chosen}"
    )


def _counted_value(value) -> str:
    """A filter's value in the count's key: the programmes' ids as a short digest."""
    if isinstance(value, tuple):
        return hashlib.sha256(",".join(map(str, value)).encode()).hexdigest()[:16]
    return str(value)


def directory_rows(filters: dict) -> list[Ambassador]:
    """The whole filtered directory with contacts, for its export."""
    query = directory_query(filters=filters)
    return _ambassadors(built(("directory-all", query), query.subquery), contacts=True)


def programme_enrolments(programme: Programme):
    return (
        sa.select(Enrolment, attended_count().label("attended"), held_count().label("held"))
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.programme_id == programme.id)
        .options(selectinload(Enrolment.certificates))
        .order_by(User.name_key, Enrolment.id)
    )


def programmes_with_counts():
    """Programmes with their number of active and completed enrolments (one grouped query)."""
    counts = (
        sa.select(
            Enrolment.programme_id,
            sa.func.count().filter(Enrolment.status == EnrolmentStatus.ACTIVE).label("active"),
            sa.func.count().filter(Enrolment.status == EnrolmentStatus.COMPLETED).label("done"),
        )
        .group_by(Enrolment.programme_id)
        .subquery()
    )
    return (
        sa.select(
            Programme, sa.func.coalesce(counts.c.active, 0), sa.func.coalesce(counts.c.done, 0)
        )
        .outerjoin(counts, counts.c.programme_id == Programme.id)
        .order_by(Programme.created_at.desc(), Programme.id.desc())
    )


def possible_trainers() -> Sequence[User]:
    """Active mentors, organisers and admins, who may lead a session."""
    return db.session.scalars(
        sa.select(User)
        .where(
            User.active.is_(True),
            User.id.in_(
                sa.select(UserRole.user_id).where(
                    UserRole.role.in_((Role.MENTOR, Role.ORGANISER, Role.ADMIN))
                )
            ),
        )
        .order_by(User.name_key)
    ).all()


def recent_camps(limit: int = 50):
    """The latest camps, to enrol their participants."""
    return db.session.scalars(sa.select(Camp).order_by(Camp.start_date.desc()).limit(limit)).all()


def ambassador_programmes():
    """(id, title) of the programmes that make ambassadors."""
    return db.session.execute(
        sa.select(Programme.id, Programme.title)
        .where(Programme.makes_ambassadors.is_(True))
        .order_by(Programme.id)
    ).all()


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate a verification code names (codes are at most 32 characters)."""
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code[:32]))


def flagged_certificates():
    """Certificates whose enrolment no longer meets the rule, awaiting a decision, oldest
    flag first."""
    return (
        sa.select(Certificate)
        .where(Certificate.flagged_at.is_not(None), Certificate.revoked_at.is_(None))
        .options(joinedload(Certificate.enrolment).joinedload(Enrolment.programme))
        .order_by(Certificate.flagged_at, Certificate.id)
    )


def flagged_count(programme: Programme | None = None) -> int:
    """How many certificates await a decision (in one programme, or in all)."""
    query = (
        sa.select(sa.func.count())
        .select_from(Certificate)
        .where(Certificate.flagged_at.is_not(None), Certificate.revoked_at.is_(None))
    )
    if programme is not None:
        query = query.join(Enrolment, Enrolment.id == Certificate.enrolment_id).where(
            Enrolment.programme_id == programme.id
        )
    return db.session.scalar(query) or 0
