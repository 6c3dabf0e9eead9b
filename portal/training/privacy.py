"""The training's part of a person's data: enrolments, attendance and certificates."""

import sqlalchemy as sa

from portal import signals
from portal.accounts.models import pseudonym
from portal.extensions import db
from portal.signals import plain
from portal.training.models import Attendance
from portal.training.models import Certificate
from portal.training.models import Enrolment
from portal.training.names import PROGRAMMES_VERSION  # noqa: F401 (its session events keep names)

PERSON_COLUMNS = {
    "enrolment.user_id": "exported with attendance and certificate; erased: the enrolment stays "
    "for reach counts, certificates carry the pseudonym and lose the revocation and keeping "
    "reasons",
    "attendance.recorded_by_id": signals.ACTOR_KEPT,
    "attendance_change.changed_by_id": signals.ACTOR_KEPT,
    "certificate.revoked_by_id": signals.ACTOR_KEPT,
    "certificate.kept_by_id": signals.ACTOR_KEPT,
    "programme.created_by_id": signals.ACTOR_KEPT,
    "training_session.trainer_id": signals.ACTOR_KEPT,
}


def connect() -> None:
    """Answer for the training tables when a person's data is requested or erased."""
    signals.data_requested.connect(export_training)
    signals.user_erased.connect(erase_training)
    signals.answer_for(PERSON_COLUMNS)


def export_training(user) -> dict:
    """The person's enrolments, each with its attendance and certificate."""
    enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user.id)).all()
    return {
        "training": [
            {
                "programme": e.programme.title,
                "status": e.status.value,
                "enrolled_at": plain(e.enrolled_at),
                "completed_at": plain(e.completed_at),
                "attendance": _attendance(e),
                "certificate": (
                    {"code": e.certificate.code, "issued_on": plain(e.certificate.issued_on)}
                    if e.certificate
                    else None
                ),
            }
            for e in enrolments
        ]
    }


def _attendance(enrolment) -> list[dict]:
    return [
        {"session": mark.session_id, "status": mark.status.value}
        for mark in db.session.scalars(
            sa.select(Attendance).where(Attendance.enrolment_id == enrolment.id)
        )
    ]


def erase_training(user, *, by) -> dict[str, list[int]]:
    """Certificates name the pseudonym and keep no revocation or keeping reason; records stay
    for counts."""
    enrolment_ids = list(
        db.session.scalars(sa.select(Enrolment.id).where(Enrolment.user_id == user.id)).all()
    )
    certificate_ids = []
    for certificate in db.session.scalars(
        sa.select(Certificate).where(Certificate.enrolment_id.in_(enrolment_ids))
    ):
        certificate.holder_name = pseudonym(user.id)
        certificate.revoke_reason = ""
        certificate.keep_reason = ""
        certificate_ids.append(certificate.id)
    return {"enrolment": enrolment_ids, "certificate": certificate_ids}
