"""Every change to programmes, enrolments, attendance and certificates."""

from collections import Counter
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.services import find_by_login
from portal.audit import audit_event
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.database import lock_again
from portal.errors import PortalError
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import BISHKEK
from portal.i18n import PerLanguage
from portal.i18n import lazy_gettext as _l
from portal.i18n import local_now
from portal.i18n import short_date
from portal.i18n import short_datetime
from portal.i18n import start_of_local_day
from portal.links import external_url
from portal.links import local_path
from portal.notify import Subject
from portal.notify import notify
from portal.notify import queue_email
from portal.security import Role
from portal.training import completion
from portal.training import policy
from portal.training.completion import Progress
from portal.training.completion import counts_for
from portal.training.completion import counts_for_sql
from portal.training.models import Attendance
from portal.training.models import AttendanceChange
from portal.training.models import AttendanceStatus
from portal.training.models import Certificate
from portal.training.models import CertificateState
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from portal.training.models import Module
from portal.training.models import Programme
from portal.training.models import SessionReminder
from portal.training.models import TrainingSession
from portal.training.models import new_certificate_code


class TrainingError(PortalError):
    """A step the rules do not allow; the message is translated for the person."""


class EnrolmentDateError(TrainingError):
    """An enrolment date the rules do not allow (shown beside the date field)."""


def save_programme(programme: Programme, *, by, **fields) -> Programme:
    creating = programme.id is None
    for name, value in fields.items():
        setattr(programme, name, value)
    if creating:
        programme.created_by_id = by.id
        db.session.add(programme)
    audit_event("programme.created" if creating else "programme.updated", programme, actor=by)
    if not creating:
        recompute_programme(programme)  # the rule or its share may have changed
    return programme


def add_module(programme: Programme, *, by, **fields) -> Module:
    module = Module(position=len(programme.modules) + 1, **fields)
    programme.modules.append(module)
    audit_event("programme.module_added", programme, actor=by)
    recompute_programme(programme)  # a new required module is one more to attend
    return module


def add_session(programme: Programme, *, by, **fields) -> TrainingSession:
    """Add a session; its trainer must be a mentor or an organiser."""
    trainer = fields.get("trainer")
    if trainer is not None and not trainer.has_any_role(Role.MENTOR, Role.ORGANISER):
        raise TrainingError(_l("The trainer must be a mentor or an organiser."))
    session = TrainingSession(**fields)
    programme.sessions.append(session)
    audit_event("programme.session_added", programme, actor=by)
    recompute_programme(programme)  # one more session in the share to attend
    return session


# --- enrolment --------------------------------------------------------------------------------


def enrolment_start(programme: Programme, day: date | None) -> datetime:
    """The moment an enrolment on `day` (today when None) begins: the start of that day in
    Bishkek. A day in the future, or before the programme existed, is refused."""
    today = local_now().date()
    day = today if day is None else day
    if day > today:
        raise EnrolmentDateError(_l("The enrolment date cannot be in the future."))
    earliest = policy.earliest_enrolment_date(programme, today)
    if day < earliest:
        raise EnrolmentDateError(
            _l("The enrolment date cannot be before %(date)s, when the programme began.",
               date=short_date(earliest))
        )  # fmt: skip
    return start_of_local_day(day)


def enrol(
    programme: Programme, person: User, *, by, enrolled_on: date | None = None
) -> tuple[Enrolment, bool]:
    """Enrol a young person from `enrolled_on` (today when None; someone who left and comes
    back keeps their date unless one is given); return (enrolment, whether anything changed)."""
    if not person.has_role(Role.YOUTH):
        raise TrainingError(_l("Only young people can be enrolled."))
    starts = enrolment_start(programme, enrolled_on)
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
        if enrolled_on is not None:
            enrolment.enrolled_at = starts
        audit_event("enrolment.created", enrolment, actor=by, enrolled_on=_day(enrolment))
        update_completion(enrolment)
    else:
        enrolment = Enrolment(programme=programme, person=person, enrolled_at=starts)
        db.session.add(enrolment)
        audit_event("enrolment.created", enrolment, actor=by, enrolled_on=_day(enrolment))
    notify(
        person,
        _l("You are enrolled in a training programme. See it under My training."),
        link=local_path("training.mine"),
        about=Subject("programme", programme.id),
    )
    return enrolment, True


def _day(enrolment: Enrolment) -> str:
    """The enrolment's date in Bishkek, for audit details."""
    return enrolment.enrolled_at.astimezone(BISHKEK).date().isoformat()


def change_enrolment_date(enrolment: Enrolment, day: date, *, by) -> bool:
    """Move the day someone was enrolled from (audited with before and after) and apply the
    completion rule again; return whether it changed."""
    lock_enrolment(enrolment)
    starts = enrolment_start(enrolment.programme, day)
    if starts == enrolment.enrolled_at:
        return False
    before = _day(enrolment)
    enrolment.enrolled_at = starts
    audit_event("enrolment.date_changed", enrolment, actor=by, before=before, after=_day(enrolment))
    update_completion(enrolment)
    return True


def enrol_camp_participants(
    programme: Programme, camp, *, by, enrolled_on: date | None = None
) -> int:
    """Enrol everyone who attended the camp; return how many were newly enrolled."""
    enrolment_start(programme, enrolled_on)  # a refused date is refused once, for everyone
    people = db.session.scalars(
        sa.select(User)
        .join(Application, Application.user_id == User.id)
        .where(Application.camp_id == camp.id, Application.status == ApplicationStatus.ATTENDED)
        .order_by(User.id)
    ).all()
    return sum(enrol(programme, person, by=by, enrolled_on=enrolled_on)[1] for person in people)


def enrol_from_list(
    programme: Programme, lines: list[str], *, by, enrolled_on: date | None = None
) -> tuple[int, list[str]]:
    """Enrol people named by e-mail or phone, one a line; return (enrolled, lines not found)."""
    enrolment_start(programme, enrolled_on)
    enrolled, unknown = 0, []
    for line in (line.strip() for line in lines):
        if not line:
            continue
        person = find_by_login(line)
        if person is None or not person.has_role(Role.YOUTH):
            unknown.append(line)
            continue
        enrolled += enrol(programme, person, by=by, enrolled_on=enrolled_on)[1]
    return enrolled, unknown


def drop(enrolment: Enrolment, *, by) -> None:
    lock_enrolment(enrolment)
    if enrolment.status is not EnrolmentStatus.ACTIVE:
        raise TrainingError(_l("Only an active enrolment can be ended."))
    enrolment.status = EnrolmentStatus.DROPPED
    enrolment.dropped_at = local_now()
    audit_event("enrolment.dropped", enrolment, actor=by)
    update_completion(enrolment)


def lock_enrolment(enrolment: Enrolment) -> Enrolment:
    """Lock the enrolment until commit and read it again: its marks, completion and certificate
    change one request at a time, so a mark sent twice at once is one mark and one certificate
    (PostgreSQL; SQLite queues writers at BEGIN)."""
    return lock_again(enrolment, expire=("certificates",))  # one issued meanwhile counts


# --- attendance -------------------------------------------------------------------------------


def _expected_at(*columns):
    """Everyone expected at a session (enrolled before it started, not dropped, or marked
    already), with their mark, by name: the sheet's one query, for `columns`, with the session
    and its programme as parameters (built once: the sheet is the trainer's most used page)."""
    session_id = sa.bindparam("session_id")
    return (
        sa.select(*columns)
        .join(User, Enrolment.user_id == User.id)
        .join(TrainingSession, TrainingSession.programme_id == Enrolment.programme_id)
        .outerjoin(
            Attendance,
            sa.and_(Attendance.enrolment_id == Enrolment.id, Attendance.session_id == session_id),
        )
        .where(
            Enrolment.programme_id == sa.bindparam("programme_id"),
            counts_for_sql(),
            TrainingSession.id == session_id,
            sa.or_(Enrolment.status != EnrolmentStatus.DROPPED, Attendance.status.is_not(None)),
        )
        .order_by(User.name_key)
    )


_SHEET = _expected_at(Enrolment, Attendance)
_SHEET_ROWS = _expected_at(Enrolment.id, User.full_name, Attendance.status)


def _of(session: TrainingSession) -> dict[str, int]:
    return {"session_id": session.id, "programme_id": session.programme_id}


def sheet(session: TrainingSession) -> list[tuple[Enrolment, Attendance | None]]:
    """Everyone expected at the session and their mark, as objects (to change them)."""
    rows = db.session.execute(_SHEET, _of(session)).all()
    return [(enrolment, attendance) for enrolment, attendance in rows]


class SheetRow(NamedTuple):
    """One line of the attendance sheet as plain values: the page shows no more."""

    enrolment_id: int
    name: str
    mark: AttendanceStatus | None


def sheet_rows(session: TrainingSession) -> list[SheetRow]:
    """The sheet as the page draws it: plain columns, not enrolments with their people."""
    return [SheetRow(*row) for row in db.session.execute(_SHEET_ROWS, _of(session))]


def record_attendance(session, enrolment, status: AttendanceStatus, *, by) -> bool:
    """Set one mark, keep the change, and apply the completion rule again; return whether it
    changed. Marks are taken from the session's start, for people it counts for."""
    lock_enrolment(enrolment)
    now = local_now()
    if not counts_for(enrolment, session):
        raise TrainingError(_l("This person was not enrolled when the session took place."))
    if not policy.can_mark_session(session, now):
        raise TrainingError(_not_started(session))
    mark = db.session.get(Attendance, (session.id, enrolment.id))
    previous = mark.status if mark else None
    if previous is status:
        return False
    if mark is None:
        mark = Attendance(session_id=session.id, enrolment_id=enrolment.id)
        db.session.add(mark)
    mark.status = status
    mark.recorded_by_id = by.id
    mark.recorded_at = now
    db.session.add(
        AttendanceChange(
            session_id=session.id, enrolment_id=enrolment.id, from_status=previous,
            to_status=status, changed_by_id=by.id, changed_at=now,
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


def _not_started(session):
    return _l(
        "This session has not started yet. Attendance can be marked from %(when)s.",
        when=short_datetime(session.starts_at),
    )


def mark_all_present(session, *, by) -> int:
    """Mark everyone expected (not dropped) as present; return how many marks changed."""
    if not policy.can_mark_session(session, local_now()):
        raise TrainingError(_not_started(session))
    changed = 0
    for enrolment, _previous in all_present_changes(session):
        changed += record_attendance(session, enrolment, AttendanceStatus.PRESENT, by=by)
    return changed


# --- progress and completion ------------------------------------------------------------------


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
    """How far the person is towards completion (the rule in completion.py), from the
    database's marks unless given."""
    if marks is None:
        marks = marks_of([enrolment])[enrolment.id]
    return completion.progress(enrolment, marks)


def recompute_programme(programme: Programme) -> Counter[str]:
    """Apply the completion rule again to everyone in the programme (its sessions, modules or
    rule changed); count what changed."""
    db.session.flush()
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(Enrolment.programme_id == programme.id).order_by(Enrolment.id)
    ).all()
    marks = marks_of(enrolments)
    changes: Counter[str] = Counter()
    for enrolment in enrolments:
        changes.update(update_completion(enrolment, marks[enrolment.id]))
    return changes


def recheck_all() -> Counter[str]:
    """Apply the completion rule again to every programme; count what changed."""
    changes: Counter[str] = Counter()
    for programme in db.session.scalars(sa.select(Programme).order_by(Programme.id)).all():
        changes += recompute_programme(programme)
    return changes


def update_completion(enrolment: Enrolment, marks: dict | None = None) -> list[str]:
    """Apply the completion rule both ways: complete the enrolment (and issue a certificate)
    when the marks meet it, take completion back when they no longer do. A certificate whose
    basis goes is flagged for an organiser to revoke or keep; the flag clears when the basis
    comes back first. Return what changed ("completed", "issued", "withdrawn", "flagged",
    "flag_cleared")."""
    now = local_now()
    changes: list[str] = []
    if enrolment.completed_elsewhere:
        return changes  # no marks to read: the list it came from is its record
    if enrolment.status is not EnrolmentStatus.DROPPED:
        complete = progress(enrolment, marks).complete
        if complete and enrolment.status is EnrolmentStatus.ACTIVE:
            enrolment.status = EnrolmentStatus.COMPLETED
            enrolment.completed_at = now
            changes.append("completed")
            audit_event("enrolment.completed", enrolment, actor=None)
        elif not complete and enrolment.status is EnrolmentStatus.COMPLETED:
            enrolment.status = EnrolmentStatus.ACTIVE
            enrolment.completed_at = None
            changes.append("withdrawn")
            audit_event("enrolment.completion_withdrawn", enrolment, actor=None)
    certificate = enrolment.valid_certificate
    if enrolment.status is EnrolmentStatus.COMPLETED:
        if certificate is None and "completed" in changes:
            _issue_certificate(enrolment)
            changes.append("issued")
        elif certificate is not None and certificate.state is not CertificateState.VALID:
            certificate.flagged_at = None
            certificate.kept_at, certificate.kept_by_id, certificate.keep_reason = None, None, ""
            changes.append("flag_cleared")
            audit_event("certificate.flag_cleared", certificate, actor=None)
    elif certificate is not None and certificate.state is CertificateState.VALID:
        certificate.flagged_at = now
        changes.append("flagged")
        audit_event("certificate.flagged", certificate, actor=None)
    return changes


def _issue_certificate(
    enrolment: Enrolment, *, issued_on: date | None = None, code: str | None = None, by=None,
    tell: bool = True,
) -> Certificate:  # fmt: skip
    """Issue the enrolment's certificate (today, with a new code, unless given) and, with
    `tell`, congratulate the holder."""
    certificate = Certificate(
        enrolment=enrolment, holder_name=enrolment.person.full_name,
        issued_on=issued_on or local_now().date(), code=code or new_certificate_code(),
    )  # fmt: skip
    db.session.add(certificate)
    db.session.flush()
    audit_event("certificate.issued", certificate, actor=by)
    if not tell:
        return certificate
    person = enrolment.person
    notify(person, _l("Congratulations! You completed the programme. Your certificate is ready."),
           link=local_path("training.mine"),
           about=Subject("programme", enrolment.programme_id))  # fmt: skip
    queue_email(
        person, _l("Your Jashtar certificate"), "certificate_issued",
        programme=enrolment.programme, link=external_url("training.mine"),
    )  # fmt: skip
    return certificate


def certificate_code_taken(code: str) -> bool:
    return db.session.scalar(sa.select(Certificate.id).where(Certificate.code == code)) is not None


def record_past_completion(
    programme: Programme, person: User, *, completed_on: date, code: str | None = None, by
) -> Certificate | None:
    """Record that `person` completed `programme` on `completed_on`, before the portal kept its
    attendance (a graduates' list): the enrolment is completed for good and the certificate
    issued on that day, with `code` when the list has one. Someone who already has a
    certificate of the programme keeps it and nothing changes (None is returned)."""
    if not person.has_role(Role.YOUTH):
        raise TrainingError(_l("Only young people can be enrolled."))
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.programme_id == programme.id, Enrolment.user_id == person.id
        )
    )
    if enrolment is not None and enrolment.certificates:
        return None
    completed_at = start_of_local_day(completed_on)
    if enrolment is None:
        enrolment = Enrolment(programme=programme, person=person, enrolled_at=completed_at)
        db.session.add(enrolment)
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = completed_at
    enrolment.dropped_at = None
    enrolment.completed_elsewhere = True
    audit_event("enrolment.completed", enrolment, actor=by, completed_on=completed_on.isoformat())
    # Long past: no congratulations (a new account's holder hears of it with their invitation).
    return _issue_certificate(enrolment, issued_on=completed_on, code=code, by=by, tell=False)


def revoke_certificate(certificate: Certificate, *, reason: str, by) -> None:
    """Revoke for good: its code then verifies as revoked (a flag it had is answered)."""
    if not policy.can_revoke_certificate(by, certificate):
        raise TrainingError(_l("This certificate is already revoked."))
    flagged = certificate.flagged_at is not None
    certificate.revoked_at = local_now()
    certificate.revoked_by_id = by.id
    certificate.revoke_reason = reason
    certificate.flagged_at = None
    audit_event("certificate.revoked", certificate, actor=by, reason=reason, flagged=flagged)


def keep_certificate(certificate: Certificate, *, reason: str, by) -> None:
    """Keep a flagged certificate valid although the rule is no longer met, with a reason."""
    if not policy.can_keep_certificate(by, certificate):
        raise TrainingError(_l("Only a certificate waiting for a decision can be kept."))
    certificate.flagged_at = None
    certificate.kept_at = local_now()
    certificate.kept_by_id = by.id
    certificate.keep_reason = reason
    audit_event("certificate.kept", certificate, actor=by, reason=reason)


def attendance_history(
    enrolment: Enrolment, marks: dict | None = None
) -> list[tuple[TrainingSession, AttendanceStatus | None]]:
    """The sessions since the person enrolled that have started, with their mark."""
    if marks is None:
        marks = marks_of([enrolment])[enrolment.id]
    now = local_now()
    return [
        (session, marks.get(session.id))
        for session in enrolment.programme.sessions
        if counts_for(enrolment, session) and policy.can_mark_session(session, now)
    ]


# --- reminders --------------------------------------------------------------------------------


def send_session_reminders(now: datetime | None = None, hours_before: int = 24) -> int:
    """Remind everyone enrolled in a programme of its sessions starting within `hours_before`
    hours, once per session and person, on the channels each chose (in-app, SMS, Telegram),
    in their language. People enrolled after a session started, or who left, are not told."""
    now = now or utcnow()
    due = db.session.execute(
        sa.select(TrainingSession, Enrolment)
        .join(Enrolment, Enrolment.programme_id == TrainingSession.programme_id)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(
            SessionReminder,
            sa.and_(
                SessionReminder.session_id == TrainingSession.id,
                SessionReminder.enrolment_id == Enrolment.id,
            ),
        )
        .where(
            TrainingSession.starts_at > now,
            TrainingSession.starts_at <= now + timedelta(hours=hours_before),
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.enrolled_at <= TrainingSession.starts_at,
            User.active.is_(True),
            SessionReminder.session_id.is_(None),
        )
        .order_by(TrainingSession.starts_at, Enrolment.id)
    ).all()
    for session, enrolment in due:
        db.session.add(SessionReminder(session_id=session.id, enrolment_id=enrolment.id))
        notify(
            enrolment.person,
            session_reminder_message(session, enrolment.programme),
            link=local_path("training.mine"),
            about=Subject("programme", session.programme_id),
        )
    return len(due)


def session_reminder_message(session: TrainingSession, programme: Programme):
    """The reminder's text: the programme and the place follow the reader's language."""
    title = PerLanguage(programme.title)
    when = short_datetime(session.starts_at)
    if any((session.place or {}).values()):
        return _l(
            "Reminder: training session of %(programme)s on %(when)s, %(place)s.",
            programme=title, when=when, place=PerLanguage(session.place),
        )  # fmt: skip
    return _l("Reminder: training session of %(programme)s on %(when)s.",
              programme=title, when=when)  # fmt: skip
