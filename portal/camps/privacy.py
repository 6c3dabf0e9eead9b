"""The camps' part of a person's data: their applications, exported, erased and retained."""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal import signals
from portal.audit import audit_event
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.paper.models import PaperForm
from portal.camps.services.applications import birth_date_change_problem
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import local_today
from portal.signals import plain
from portal.uploads import delete_after_commit

APPLICATION_FIELDS = (
    "status", "motivation", "safety_problem", "spoken_languages", "previous_camps", "needs",
    "emergency_name", "emergency_phone", "guardian_name", "guardian_relation", "guardian_phone",
    "photo_consent_at", "answers", "decision_reason", "submitted_at", "created_at",
)  # fmt: skip

PERSON_COLUMNS = {
    "application.user_id": "exported; erased: what they wrote and what was recorded about them "
    "(score, notes, reasons, photo consent, ethnicity, consent scans) goes, the status stays",
    "application_event.actor_id": signals.ACTOR_KEPT,
    "camp.created_by_id": signals.ACTOR_KEPT,
    "camp_attendance.recorded_by_id": signals.ACTOR_KEPT,
    "guardian_consent.recorded_by_id": signals.ACTOR_KEPT,
    "guardian_consent.withdrawn_by_id": signals.ACTOR_KEPT,
    "paper_form.printed_by_id": signals.ACTOR_KEPT,
    "paper_form.entered_by_id": signals.ACTOR_KEPT,
}


def connect() -> None:
    """Answer for the camps' tables when a person's data is requested, erased or changed."""
    signals.data_requested.connect(export_applications)
    signals.user_erased.connect(erase_applications)
    signals.data_requested.connect(export_paper_forms)
    signals.user_erased.connect(erase_paper_forms)
    # A new date of birth is refused while an application sent on the old one is open.
    signals.birth_date_changing.connect(birth_date_change_problem)
    signals.answer_for(PERSON_COLUMNS)


def export_applications(user) -> dict:
    """The person's applications with their guardian consents and ethnicity answers.

    Organisers' private notes and scores about the person are their working notes on a
    selection and stay out; the decision and its reason are included.
    """
    applications = db.session.scalars(
        sa.select(Application).where(Application.user_id == user.id)
    ).all()
    return {
        "applications": [
            {
                "camp": a.camp.title,
                **{name: plain(getattr(a, name)) for name in APPLICATION_FIELDS},
                "ethnicity": _ethnicity(a),
                "guardian_consents": [
                    {
                        "method": c.method.value,
                        "recorded_at": plain(c.recorded_at),
                        "withdrawn_at": plain(c.withdrawn_at),
                    }
                    for c in a.consents
                ],
            }
            for a in applications
        ]
    }


def _ethnicity(application) -> Sequence[str]:
    return db.session.scalars(
        sa.select(ApplicationEthnicity.group).where(
            ApplicationEthnicity.application_id == application.id
        )
    ).all()


def erase_applications(user, *, by) -> dict[str, list[int]]:
    """Clear the person's applications, keeping the statuses aggregates count."""
    application_ids = list(
        db.session.scalars(sa.select(Application.id).where(Application.user_id == user.id)).all()
    )
    for application in db.session.scalars(
        sa.select(Application).where(Application.user_id == user.id)
    ):
        clear_application(application)
        application.photo_consent_at = None
        application.score = None
    db.session.execute(
        sa.delete(ApplicationEthnicity).where(
            ApplicationEthnicity.application_id.in_(application_ids)
        )
    )
    db.session.execute(
        sa.update(ApplicationEvent)
        .where(ApplicationEvent.application_id.in_(application_ids))
        .values(reason="")
    )
    return {"application": application_ids}


def _paper_forms_of(user):
    return (
        sa.select(PaperForm)
        .join(Application, Application.id == PaperForm.application_id)
        .where(Application.user_id == user.id)
        .order_by(PaperForm.id)
    )


def export_paper_forms(user) -> dict:
    """The paper forms the person's applications were typed in from."""
    return {
        "paper_forms": [
            {
                "camp": paper.camp.title,
                "code": paper.code,
                "status": paper.status.value,
                "entered_at": plain(paper.entered_at),
                "claimed_at": plain(paper.claimed_at),
            }
            for paper in db.session.scalars(_paper_forms_of(user))
        ]
    }


def erase_paper_forms(user, *, by) -> dict[str, list[int]]:
    """Delete the person's paper form rows: the code on a paper kept in a drawer would
    otherwise lead back to their anonymised application (its status stays for the counts)."""
    ids = list(db.session.scalars(_paper_forms_of(user).with_only_columns(PaperForm.id)))
    db.session.execute(sa.delete(PaperForm).where(PaperForm.id.in_(ids)))
    return {"paper_form": ids}


def clear_application(application) -> None:
    """Remove what the person wrote and what was recorded about them; keep the status."""
    for name in ("motivation", "safety_problem", "previous_camps", "notes", "decision_reason"):
        setattr(application, name, "")
    application.answers = {}
    application.anonymised_at = utcnow()
    clear_sensitive(application)


#: What organisers need only around the camp itself: health needs, who to call in an
#: emergency, the parent or guardian (the consent scans go with them, see clear_sensitive).
SENSITIVE_TEXT = ("needs", "emergency_name", "guardian_name", "guardian_relation")
SENSITIVE_PHONES = ("emergency_phone", "guardian_phone")


def clear_sensitive(application) -> None:
    """Clear the health needs, emergency and guardian contacts and consent scans (the file
    goes once the transaction commits; a rollback keeps it) and the consent's note, which may
    name the guardian. Statuses, attendance and how consent was given stay."""
    for name in SENSITIVE_TEXT:
        setattr(application, name, "")
    for name in SENSITIVE_PHONES:
        setattr(application, name, None)
    for consent in application.consents:
        if consent.file_name:
            delete_after_commit(consent.file_name)
            consent.file_name = consent.file_type = None
        consent.note = ""
    application.sensitive_cleared_at = utcnow()


def apply_sensitive_retention(days: int) -> int:
    """Clear the sensitive details (clear_sensitive) of every application to a camp that
    ended over `days` ago, whatever its status; each camp's clearing is audited. Applications
    already cleared are left alone, so running it again changes nothing."""
    due = db.session.scalars(
        sa.select(Application)
        .join(Camp, Camp.id == Application.camp_id)
        .where(
            Application.sensitive_cleared_at.is_(None),
            Camp.end_date < local_today() - timedelta(days=days),
        )
        .options(selectinload(Application.consents))
        .order_by(Application.camp_id, Application.id)
    ).all()
    by_camp: dict[int, int] = {}
    for application in due:
        clear_sensitive(application)
        by_camp[application.camp_id] = by_camp.get(application.camp_id, 0) + 1
    for camp_id, count in by_camp.items():
        audit_event(
            "retention.sensitive_cleared", db.session.get_one(Camp, camp_id), actor=None,
            applications=count, days=days,
        )  # fmt: skip
    return len(due)


def apply_retention(days: int) -> int:
    """Clear applications of people never accepted to a camp that ended over `days` ago."""
    never_accepted = (S.DRAFT, S.SUBMITTED, S.WAITLISTED, S.REJECTED, S.WITHDRAWN)
    due = db.session.scalars(
        sa.select(Application)
        .join(Camp, Camp.id == Application.camp_id)
        .where(
            Application.status.in_(never_accepted),
            Application.anonymised_at.is_(None),
            Camp.end_date < local_today() - timedelta(days=days),
        )
    ).all()
    # An application withdrawn after an offer was once accepted: its history says so; keep it.
    due = [a for a in due if not any(e.to_status is S.ACCEPTED for e in a.events)]
    for application in due:
        clear_application(application)
    if due:
        audit_event("retention.applied", None, actor=None, applications=len(due))
    return len(due)
