"""The completion rule, in one place: which sessions count for an enrolment, and whether its
marks meet the programme's rule. Services, pages, the directory and the tests all ask here."""

import math
from dataclasses import dataclass

from portal.training.models import ATTENDED
from portal.training.models import AttendanceStatus
from portal.training.models import CompletionRule
from portal.training.models import Enrolment
from portal.training.models import TrainingSession


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


def counts_for(enrolment: Enrolment, session: TrainingSession) -> bool:
    """A session counts for someone, and can be marked for them, when it starts on or after
    their enrolment (organisers enrol from the start of a day, Bishkek time)."""
    return session.programme_id == enrolment.programme_id and (
        session.starts_at >= enrolment.enrolled_at
    )


def counts_for_sql():
    """`counts_for` as SQL, for queries that join Enrolment and TrainingSession."""
    return TrainingSession.starts_at >= Enrolment.enrolled_at


def _attended_required(enrolment: Enrolment, marks) -> tuple[set[int], set[int]]:
    """(required module ids, those attended at a session that counts for the enrolment)."""
    programme = enrolment.programme
    sessions = [s for s in programme.sessions if counts_for(enrolment, s)]
    required = {m.id for m in programme.modules if m.required}
    modules = {
        s.module_id for s in sessions if s.module_id is not None and marks.get(s.id) in ATTENDED
    } & required
    return required, modules


def missing_modules(enrolment: Enrolment, marks: dict[int, AttendanceStatus]) -> list:
    """The required modules still to attend for the certificate (in the programme's order);
    empty for a programme completed by a share of sessions."""
    if enrolment.programme.completion_rule is not CompletionRule.REQUIRED_MODULES:
        return []
    required, attended = _attended_required(enrolment, marks)
    return [m for m in enrolment.programme.modules if m.id in required - attended]


def progress(enrolment: Enrolment, marks: dict[int, AttendanceStatus]) -> Progress:
    """How far the person is towards the programme's completion rule, from their marks
    (session id → mark). Every scheduled session since enrolling is part of the programme;
    excused absences are left out of the share."""
    programme = enrolment.programme
    if programme.completion_rule is CompletionRule.REQUIRED_MODULES:
        required, modules = _attended_required(enrolment, marks)
        return Progress(len(modules), len(required), bool(required) and modules == required)
    sessions = [s for s in programme.sessions if counts_for(enrolment, s)]
    counted = [s for s in sessions if marks.get(s.id) is not AttendanceStatus.EXCUSED]
    attended = sum(1 for s in counted if marks.get(s.id) in ATTENDED)
    needed = math.ceil(len(counted) * programme.completion_percent / 100)
    return Progress(attended, needed, needed > 0 and attended >= needed)
