"""What training asks of people next, for the homes (portal/main/tasks.py composes them): the
next session, what is still missing for the certificate (the rule of completion.py), and the
sessions a trainer still has to mark. Plain data, bounded, a fixed number of queries."""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal.extensions import db
from portal.i18n import localized
from portal.training import completion
from portal.training.completion import counts_for_sql
from portal.training.models import Attendance
from portal.training.models import AttendanceStatus
from portal.training.models import CompletionRule
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from portal.training.models import Module
from portal.training.models import Programme
from portal.training.models import TrainingSession


@dataclass(frozen=True)
class NextSession:
    programme_title: str
    module_title: str
    starts_at: datetime
    place: str


@dataclass(frozen=True)
class CertificateGap:
    """What an active enrolment still lacks for its certificate."""

    programme_title: str
    #: Required modules not attended yet (a programme completed by required modules).
    modules: list[str]
    #: Sessions still to attend (a programme completed by a share of its sessions).
    sessions: int


@dataclass
class YouthTrainingTasks:
    next_session: NextSession | None = None
    gaps: list[CertificateGap] = field(default_factory=list)


# The statements of the young person's home, built once: making a statement costs more than
# running it, and every home asks them.
_ENROLMENTS = (
    sa.select(
        Enrolment.id, Enrolment.programme_id, Enrolment.enrolled_at, Programme.title,
        Programme.completion_rule, Programme.completion_percent,
    )
    .join(Programme, Programme.id == Enrolment.programme_id)
    .where(
        Enrolment.user_id == sa.bindparam("user_id"),
        Enrolment.status == EnrolmentStatus.ACTIVE,
    )
    .order_by(Enrolment.enrolled_at, Enrolment.id)
    .limit(sa.bindparam("rows"))
)  # fmt: skip
_NEXT_SESSION = (
    sa.select(Programme.title, Module.title, TrainingSession.starts_at, TrainingSession.place)
    .join(
        Enrolment,
        sa.and_(
            Enrolment.programme_id == TrainingSession.programme_id,
            Enrolment.user_id == sa.bindparam("user_id"),
            Enrolment.status == EnrolmentStatus.ACTIVE,
        ),
    )
    .join(Programme, Programme.id == TrainingSession.programme_id)
    .outerjoin(Module, Module.id == TrainingSession.module_id)
    .where(TrainingSession.starts_at > sa.bindparam("now"), counts_for_sql())
    .order_by(TrainingSession.starts_at, TrainingSession.id)
    .limit(1)
)
#: Every session of the enrolments' programmes with its module's title and the person's mark
#: for it if any (a person is enrolled once in a programme, so at most one mark a session).
_SESSIONS_WITH_MARKS = (
    sa.select(
        TrainingSession.id, TrainingSession.programme_id, TrainingSession.module_id,
        TrainingSession.starts_at, TrainingSession.place, Module.title.label("module_title"),
        Enrolment.id.label("enrolment_id"), Attendance.status.label("mark"),
    )
    .join(Enrolment, Enrolment.programme_id == TrainingSession.programme_id)
    .outerjoin(Module, Module.id == TrainingSession.module_id)
    .outerjoin(
        Attendance,
        sa.and_(
            Attendance.session_id == TrainingSession.id, Attendance.enrolment_id == Enrolment.id
        ),
    )
    .where(Enrolment.id.in_(sa.bindparam("enrolments", expanding=True)))
)  # fmt: skip
_MODULES = (
    sa.select(Module.id, Module.programme_id, Module.title, Module.required)
    .where(Module.programme_id.in_(sa.bindparam("programmes", expanding=True)))
    .order_by(Module.position)
)


def youth_tasks(user, now: datetime, *, limit: int) -> YouthTrainingTasks:
    """The next session and what the certificates of the first `limit` active enrolments still
    need: one query for someone with no active enrolment, else three of plain columns (the
    enrolments with their programmes, their sessions with the person's marks, the modules of
    programmes completed by required modules), and one more for the next session only when
    the person is active in more than `limit` programmes."""
    enrolments = db.session.execute(_ENROLMENTS, {"user_id": user.id, "rows": limit + 1}).all()
    if not enrolments:  # no programme under way: no session to come, no certificate to earn
        return YouthTrainingTasks()
    people = _with_sessions_and_modules(enrolments[:limit])
    if len(enrolments) > limit:  # some programme's sessions are not at hand: ask the database
        upcoming = next_session(user, now)
    else:
        upcoming = _first_to_come(people, now)
    return YouthTrainingTasks(upcoming, [gap for gap in map(_gap, people) if gap])


def next_session(user, now: datetime) -> NextSession | None:
    """The first session still to come in a programme the person is active in (one query)."""
    row = db.session.execute(_NEXT_SESSION, {"user_id": user.id, "now": now}).first()
    if row is None:
        return None
    programme, module, starts_at, place = row
    return _next(programme, module, starts_at, place)


def _next(programme_title, module_title, starts_at, place) -> NextSession:
    return NextSession(
        programme_title=localized(programme_title),
        module_title=localized(module_title) if module_title else "",
        starts_at=starts_at,
        place=localized(place),
    )


@dataclass
class _Programme:
    """What completion.py reads of a programme, from plain rows."""

    title: dict[str, str]
    completion_rule: CompletionRule
    completion_percent: int
    sessions: list = field(default_factory=list)
    modules: list = field(default_factory=list)


@dataclass
class _Enrolment:
    """What completion.py reads of an enrolment, from plain rows, with the person's marks
    (session id → mark)."""

    id: int
    programme_id: int
    enrolled_at: datetime
    programme: _Programme
    marks: dict[int, AttendanceStatus] = field(default_factory=dict)


def _with_sessions_and_modules(enrolments) -> list[Any]:
    """These enrolment rows as completion.py reads enrolments (two queries: the sessions with
    the marks; the modules, for programmes completed by required modules only)."""
    people = {
        enrolment_id: _Enrolment(
            enrolment_id, programme_id, enrolled_at, _Programme(title, rule, percent)
        )
        for enrolment_id, programme_id, enrolled_at, title, rule, percent in enrolments
    }  # a person is enrolled once in a programme: one enrolment a programme
    programmes = {person.programme_id: person.programme for person in people.values()}
    for session in db.session.execute(_SESSIONS_WITH_MARKS, {"enrolments": list(people)}):
        programmes[session.programme_id].sessions.append(session)
        if session.mark is not None:
            people[session.enrolment_id].marks[session.id] = session.mark
    by_modules = [
        programme_id
        for programme_id, programme in programmes.items()
        if programme.completion_rule is CompletionRule.REQUIRED_MODULES
    ]
    if by_modules:
        for module in db.session.execute(_MODULES, {"programmes": by_modules}):
            programmes[module.programme_id].modules.append(module)
    return list(people.values())


def _first_to_come(people, now: datetime) -> NextSession | None:
    """next_session from the sessions at hand (every active enrolment's)."""
    upcoming = [
        (session.starts_at, session.id, session, person.programme)
        for person in people
        for session in person.programme.sessions
        if session.starts_at > now and completion.counts_for(person, session)
    ]
    if not upcoming:
        return None
    _starts, _id, session, programme = min(upcoming, key=lambda item: item[:2])
    return _next(programme.title, session.module_title, session.starts_at, session.place)


def _gap(person) -> CertificateGap | None:
    """What the completion rule still needs of one enrolment, if anything."""
    title = localized(person.programme.title)
    if person.programme.completion_rule is CompletionRule.REQUIRED_MODULES:
        missing = completion.missing_modules(person, person.marks)
        if missing:
            return CertificateGap(title, [localized(module.title) for module in missing], 0)
        return None
    progress = completion.progress(person, person.marks)
    if progress.needed > progress.done:
        return CertificateGap(title, [], progress.needed - progress.done)
    return None


@dataclass(frozen=True)
class SessionToMark:
    session_id: int
    programme_title: str
    module_title: str
    starts_at: datetime
    marked: int
    expected: int


def sessions_to_mark(user, now: datetime, *, limit: int) -> tuple[list[SessionToMark], bool]:
    """Sessions the person leads that have begun (policy.can_mark_session) and still lack a
    mark for someone expected there, latest first; and whether there are more (one query)."""
    expected = (
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.programme_id == TrainingSession.programme_id,
            Enrolment.status != EnrolmentStatus.DROPPED,
            counts_for_sql(),
        )
        .scalar_subquery()
    )
    marked = (
        sa.select(sa.func.count())
        .select_from(Attendance)
        .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .where(
            Attendance.session_id == TrainingSession.id,
            Enrolment.status != EnrolmentStatus.DROPPED,
            counts_for_sql(),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(TrainingSession, marked, expected)
        .join(Programme, Programme.id == TrainingSession.programme_id)
        .options(contains_eager(TrainingSession.programme))
        .where(TrainingSession.trainer_id == user.id, TrainingSession.starts_at <= now)
        .where(marked < expected)
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
        .limit(limit + 1)
    ).all()
    shown = [
        SessionToMark(
            session.id, session.programme.display_title,
            session.module.display_title if session.module else "", session.starts_at,
            marked_count, expected_count,
        )
        for session, marked_count, expected_count in rows[:limit]
    ]  # fmt: skip
    return shown, len(rows) > limit


def programme_titles(ids) -> dict[int, str]:
    """Programme id → its title in the reader's language (for the inbox: one query)."""
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Programme.id, Programme.title).where(Programme.id.in_(ids)))
    return {programme_id: localized(title) for programme_id, title in rows}
