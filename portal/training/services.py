"""Every change to programmes, enrolments, attendance and certificates."""

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.accounts.services import find_by_login
from portal.audit import audit_event
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.errors import PortalError
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import local_today
from portal.links import external_url
from portal.links import local_path
from portal.notify import notify
from portal.notify import queue_email
from portal.security import Role
from portal.training.models import ATTENDED
from portal.training.models import Attendance
from portal.training.models import AttendanceChange
from portal.training.models import AttendanceStatus
from portal.training.models import Certificate
from portal.training.models import CompletionRule
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from portal.training.models import Module
from portal.training.models import Programme
from portal.training.models import TrainingSession


class TrainingError(PortalError):
    """A step the rules do not allow; the message is translated for the person."""


def save_programme(programme: Programme, *, by, **fields) -> Programme:
    creating = programme.id is None
    for name, value in fields.items():
        setattr(programme, name, value)
    if creating:
        programme.created_by_id = by.id
        db.session.add(programme)
    audit_event("programme.created" if creating else "programme.updated", programme, actor=by)
    return programme


def add_module(programme: Programme, *, by, **fields) -> Module:
    module = Module(position=len(programme.modules) + 1, **fields)
    programme.modules.append(module)
    audit_event("programme.module_added", programme, actor=by)
    return module


def add_session(programme: Programme, *, by, **fields) -> TrainingSession:
    """Add a session; its trainer must be a mentor or an organiser."""
    trainer = fields.get("trainer")
    if trainer is not None and not trainer.has_any_role(Role.MENTOR, Role.ORGANISER):
        raise TrainingError(_l("The trainer must be a mentor or an organiser."))
    session = TrainingSession(**fields)
    programme.sessions.append(session)
    audit_event("programme.session_added", programme, actor=by)
    return session


# --- enrolment --------------------------------------------------------------------------------


def enrol(programme: Programme, person: User, *, by) -> tuple[Enrolment, bool]:
    """Enrol a young person; return (enrolment, whether anything changed)."""
    if not person.has_role(Role.YOUTH):
        raise TrainingError(_l("Only young people can be enrolled."))
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.programme_id == programme.id, Enrolment.user_id == person.id
        )
    )
    if enrolment is not None:
        if enrolment.status is not EnrolmentStatus.DROPPED:
            return enrolment, False
        enrolment.status = EnrolmentStatus.ACTIVE
        enrolment.dropped_at = None
    else:
        enrolment = Enrolment(programme=programme, person=person, enrolled_at=utcnow())
        db.session.add(enrolment)
    audit_event("enrolment.created", enrolment, actor=by)
    notify(
        person,
        _l("You are enrolled in a training programme. See it under My training."),
        link=local_path("training.mine"),
    )
    return enrolment, True


def enrol_camp_participants(programme: Programme, camp, *, by) -> int:
    """Enrol everyone who attended the camp; return how many were newly enrolled."""
    people = db.session.scalars(
        sa.select(User)
        .join(Application, Application.user_id == User.id)
        .where(Application.camp_id == camp.id, Application.status == ApplicationStatus.ATTENDED)
        .order_by(User.id)
    ).all()
    return sum(enrol(programme, person, by=by)[1] for person in people)


def enrol_from_list(programme: Programme, lines: list[str], *, by) -> tuple[int, list[str]]:
    """Enrol people named by e-mail or phone, one a line; return (enrolled, lines not found)."""
    enrolled, unknown = 0, []
    for line in (line.strip() for line in lines):
        if not line:
            continue
        person = find_by_login(line)
        if person is None or not person.has_role(Role.YOUTH):
            unknown.append(line)
            continue
        enrolled += enrol(programme, person, by=by)[1]
    return enrolled, unknown


def drop(enrolment: Enrolment, *, by) -> None:
    if enrolment.status is not EnrolmentStatus.ACTIVE:
        raise TrainingError(_l("Only an active enrolment can be ended."))
    enrolment.status = EnrolmentStatus.DROPPED
    enrolment.dropped_at = utcnow()
    audit_event("enrolment.dropped", enrolment, actor=by)


# --- attendance -------------------------------------------------------------------------------


def sheet(session: TrainingSession) -> list[tuple[Enrolment, Attendance | None]]:
    """Everyone expected at the session (enrolled before it started, not dropped) and their mark."""
    rows = db.session.execute(
        sa.select(Enrolment, Attendance)
        .join(User, Enrolment.user_id == User.id)
        .outerjoin(
            Attendance,
            sa.and_(Attendance.enrolment_id == Enrolment.id, Attendance.session_id == session.id),
        )
        .where(
            Enrolment.programme_id == session.programme_id,
            Enrolment.enrolled_at <= session.starts_at,
            sa.or_(Enrolment.status != EnrolmentStatus.DROPPED, Attendance.status.is_not(None)),
        )
        .order_by(User.name_key)
    ).all()
    return [(enrolment, attendance) for enrolment, attendance in rows]


def record_attendance(session, enrolment, status: AttendanceStatus, *, by) -> bool:
    """Set one mark, keep the change, and recompute completion; return whether it changed."""
    if enrolment.programme_id != session.programme_id or enrolment.enrolled_at > session.starts_at:
        raise TrainingError(_l("This person was not enrolled when the session took place."))
    mark = db.session.get(Attendance, (session.id, enrolment.id))
    previous = mark.status if mark else None
    if previous is status:
        return False
    if mark is None:
        mark = Attendance(session_id=session.id, enrolment_id=enrolment.id)
        db.session.add(mark)
    mark.status = status
    mark.recorded_by_id = by.id
    db.session.add(
        AttendanceChange(
            session_id=session.id, enrolment_id=enrolment.id, from_status=previous,
            to_status=status, changed_by_id=by.id,
        )
    )  # fmt: skip
    db.session.flush()
    update_completion(enrolment)
    return True


def all_present_changes(session) -> list[tuple[Enrolment, AttendanceStatus | None]]:
    """Who "everyone is here" would mark present, with the mark each has now (None: none)."""
    return [
        (enrolment, mark.status if mark else None)
        for enrolment, mark in sheet(session)
        if enrolment.status is not EnrolmentStatus.DROPPED
        and (mark is None or mark.status is not AttendanceStatus.PRESENT)
    ]


def mark_all_present(session, *, by) -> int:
    changed = 0
    for enrolment, _previous in all_present_changes(session):
        changed += record_attendance(session, enrolment, AttendanceStatus.PRESENT, by=by)
    return changed


# --- progress and completion ------------------------------------------------------------------


@dataclass
class Progress:
    done: int
    needed: int
    complete: bool

    @property
    def percent(self) -> int:
        if not self.needed:
            return 0
        return min(100, round(100 * self.done / self.needed))


def marks_of(enrolments) -> dict[int, dict[int, AttendanceStatus]]:
    """Each enrolment's marks by session, for a whole page of enrolments in one query."""
    marks: dict[int, dict[int, AttendanceStatus]] = {enrolment.id: {} for enrolment in enrolments}
    if marks:
        rows = db.session.execute(
            sa.select(Attendance.enrolment_id, Attendance.session_id, Attendance.status).where(
                Attendance.enrolment_id.in_(marks)
            )
        )
        for enrolment_id, session_id, status in rows:
            marks[enrolment_id][session_id] = status
    return marks


def progress(enrolment: Enrolment, marks: dict | None = None) -> Progress:
    """How far the person is towards the programme's completion rule."""
    programme = enrolment.programme
    if marks is None:
        marks = marks_of([enrolment])[enrolment.id]
    sessions = [s for s in programme.sessions if s.starts_at >= enrolment.enrolled_at]
    if programme.completion_rule is CompletionRule.REQUIRED_MODULES:
        required = {m.id for m in programme.modules if m.required}
        modules = {s.module_id for s in sessions if marks.get(s.id) in ATTENDED} & required
        return Progress(len(modules), len(required), bool(required) and modules == required)
    counted = [s for s in sessions if marks.get(s.id) is not AttendanceStatus.EXCUSED]
    attended = sum(1 for s in counted if marks.get(s.id) in ATTENDED)
    needed = math.ceil(len(counted) * programme.completion_percent / 100)
    return Progress(attended, needed, needed > 0 and attended >= needed)


def update_completion(enrolment: Enrolment) -> Certificate | None:
    """Complete the enrolment and issue a certificate as soon as the rule is met."""
    if enrolment.status is not EnrolmentStatus.ACTIVE or not progress(enrolment).complete:
        return None
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = utcnow()
    certificate = enrolment.certificate or Certificate(
        enrolment=enrolment, holder_name=enrolment.person.full_name, issued_on=local_today()
    )
    db.session.add(certificate)
    db.session.flush()
    audit_event("certificate.issued", certificate, actor=None)
    person = enrolment.person
    notify(person, _l("Congratulations! You completed the programme. Your certificate is ready."),
           link=local_path("training.mine"))  # fmt: skip
    queue_email(
        person, _l("Your Jashtar certificate"), "certificate_issued",
        programme=enrolment.programme, link=external_url("training.mine"),
    )  # fmt: skip
    return certificate


def revoke_certificate(certificate: Certificate, *, reason: str, by) -> None:
    if certificate.revoked_at is not None:
        raise TrainingError(_l("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = by.id
    certificate.revoke_reason = reason
    audit_event("certificate.revoked", certificate, actor=by)


def attendance_history(
    enrolment: Enrolment, marks: dict | None = None
) -> list[tuple[TrainingSession, AttendanceStatus | None]]:
    """The sessions since the person enrolled that have started, with their mark."""
    if marks is None:
        marks = marks_of([enrolment])[enrolment.id]
    now = utcnow()
    return [
        (session, marks.get(session.id))
        for session in enrolment.programme.sessions
        if enrolment.enrolled_at <= session.starts_at <= now
    ]
