"""What training asks of people next, for the homes (portal/main/tasks.py composes them): the
next session, what is still missing for the certificate (the rule of completion.py), and the
sessions a trainer still has to mark. Plain data, bounded, a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.i18n import localized
from portal.training import completion
from portal.training.completion import counts_for_sql
from portal.training.models import Attendance
from portal.training.models import CompletionRule
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from portal.training.models import Programme
from portal.training.models import TrainingSession
from portal.training.services import marks_of


@dataclass(frozen=True)
class NextSession:
    programme_title: str
    module_title: str
    starts_at: datetime
    place: str


def next_session(user, now: datetime) -> NextSession | None:
    """The first session still to come in a programme the person is active in (one query)."""
    row = db.session.execute(
        sa.select(TrainingSession)
        .join(
            Enrolment,
            sa.and_(
                Enrolment.programme_id == TrainingSession.programme_id,
                Enrolment.user_id == user.id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
            ),
        )
        .join(Programme, Programme.id == TrainingSession.programme_id)
        .options(contains_eager(TrainingSession.programme))
        .where(TrainingSession.starts_at > now, counts_for_sql())
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(1)
    ).scalar()
    if row is None:
        return None
    return NextSession(
        programme_title=row.programme.display_title,
        module_title=row.module.display_title if row.module else "",
        starts_at=row.starts_at,
        place=row.display_place,
    )


@dataclass(frozen=True)
class CertificateGap:
    """What an active enrolment still lacks for its certificate."""

    programme_title: str
    #: Required modules not attended yet (a programme completed by required modules).
    modules: list[str]
    #: Sessions still to attend (a programme completed by a share of its sessions).
    sessions: int


def certificate_gaps(user, *, limit: int) -> list[CertificateGap]:
    """For each active enrolment (at most `limit`), what the completion rule still needs:
    four queries (enrolments with their programmes, sessions, modules; the marks)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .options(
            selectinload(Enrolment.programme).selectinload(Programme.sessions),
            selectinload(Enrolment.programme).selectinload(Programme.modules),
        )
        .order_by(Enrolment.enrolled_at, Enrolment.id)
        .limit(limit)
    ).all()
    marks = marks_of(enrolments)
    gaps = []
    for enrolment in enrolments:
        programme = enrolment.programme
        if programme.completion_rule is CompletionRule.REQUIRED_MODULES:
            missing = completion.missing_modules(enrolment, marks[enrolment.id])
            if missing:
                titles = [module.display_title for module in missing]
                gaps.append(CertificateGap(programme.display_title, titles, 0))
            continue
        progress = completion.progress(enrolment, marks[enrolment.id])
        if progress.needed > progress.done:
            gaps.append(
                CertificateGap(programme.display_title, [], progress.needed - progress.done)
            )
    return gaps


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
