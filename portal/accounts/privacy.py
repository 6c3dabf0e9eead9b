"""A person's own data: everything the portal holds about them, and erasure."""

import secrets
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import ConsentKind
from portal.accounts.models import ErasureRequest
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.audit import audit_event
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import GuardianConsent
from portal.extensions import db
from portal.extensions import utcnow
from portal.groups import members as group_members
from portal.groups.contacts import contact_digest
from portal.groups.models import ActionPlan
from portal.groups.models import GroupInvitation
from portal.groups.models import Membership
from portal.groups.models import PlanComment
from portal.groups.models import ProgressUpdate
from portal.groups.models import YouthGroup
from portal.i18n import local_today
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.security import hash_password
from portal.training.models import Attendance
from portal.training.models import Certificate
from portal.training.models import Enrolment
from portal.uploads import upload_path

APPLICATION_FIELDS = (
    "status", "motivation", "safety_problem", "spoken_languages", "previous_camps", "needs",
    "emergency_name", "emergency_phone", "guardian_name", "guardian_relation", "guardian_phone",
    "photo_consent_at", "answers", "decision_reason", "submitted_at", "created_at",
)  # fmt: skip


def _plain(value: Any):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def export_data(user: User) -> dict:
    """Everything the portal holds about `user` (ASVS 8.3.2), as plain JSON-ready data.

    Organisers' private notes and scores about the person are their working notes on a
    selection and stay out; the decision and its reason are included.
    """
    applications = db.session.scalars(
        sa.select(Application).where(Application.user_id == user.id)
    ).all()
    enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user.id)).all()
    return {
        "profile": {
            name: _plain(getattr(user, name))
            for name in (
                "full_name",
                "email",
                "phone",
                "date_of_birth",
                "gender",
                "region_code",
                "district_code",
                "community",
                "locale",
                "created_at",
                "last_login_at",
            )
        },  # fmt: skip
        "roles": sorted(role.value for role in user.roles),
        "consents": [
            {
                "kind": c.kind.value,
                "version": c.version,
                "text": c.text,
                "granted_at": _plain(c.granted_at),
                "withdrawn_at": _plain(c.withdrawn_at),
            }
            for c in user.consents
        ],  # fmt: skip
        "applications": [
            {
                "camp": a.camp.title,
                **{name: _plain(getattr(a, name)) for name in APPLICATION_FIELDS},
                "ethnicity": _groups(a),
                "guardian_consents": [
                    {
                        "method": c.method.value,
                        "recorded_at": _plain(c.recorded_at),
                        "withdrawn_at": _plain(c.withdrawn_at),
                    }
                    for c in a.consents
                ],
            }
            for a in applications
        ],  # fmt: skip
        "training": [
            {
                "programme": e.programme.title,
                "status": e.status.value,
                "enrolled_at": _plain(e.enrolled_at),
                "completed_at": _plain(e.completed_at),
                "attendance": _attendance(e),
                "certificate": (
                    {"code": e.certificate.code, "issued_on": _plain(e.certificate.issued_on)}
                    if e.certificate
                    else None
                ),
            }
            for e in enrolments
        ],  # fmt: skip
        "groups": [
            {"group": m.group.name, "joined_at": _plain(m.joined_at), "left_at": _plain(m.left_at)}
            for m in db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id))
        ],  # fmt: skip
        "group_invitations": [
            {
                "group": i.group.name,
                "status": i.status.value,
                "sent_at": _plain(i.created_at),
                "expires_at": _plain(i.expires_at),
                "answered_at": _plain(i.answered_at),
            }
            for i in db.session.scalars(
                sa.select(GroupInvitation)
                .where(GroupInvitation.invitee_id == user.id)
                .order_by(GroupInvitation.id)
            )
        ],  # fmt: skip
        "plan_comments": [
            {"plan": c.plan_id, "body": c.body, "created_at": _plain(c.created_at)}
            for c in db.session.scalars(
                sa.select(PlanComment).where(PlanComment.author_id == user.id)
            )
        ],  # fmt: skip
        "progress_updates": [
            {
                "plan": u.plan_id,
                "what_happened": u.what_happened,
                "created_at": _plain(u.created_at),
            }
            for u in db.session.scalars(
                sa.select(ProgressUpdate).where(ProgressUpdate.author_id == user.id)
            )
        ],  # fmt: skip
        "notifications": [
            {"message": n.message, "created_at": _plain(n.created_at)}
            for n in db.session.scalars(
                sa.select(Notification).where(Notification.user_id == user.id)
            )
        ],  # fmt: skip
        "activity_log": [
            {"action": e.action, "at": _plain(e.created_at)}
            for e in db.session.scalars(
                sa.select(AuditEvent)
                .where(
                    sa.or_(
                        AuditEvent.actor_id == user.id,
                        sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == user.id),
                    )
                )
                .order_by(AuditEvent.id)
            )
        ],  # fmt: skip
    }


def _groups(application) -> list[str]:
    return db.session.scalars(
        sa.select(ApplicationEthnicity.group).where(
            ApplicationEthnicity.application_id == application.id
        )
    ).all()


def _attendance(enrolment) -> list[dict]:
    return [
        {"session": mark.session_id, "status": mark.status.value}
        for mark in db.session.scalars(
            sa.select(Attendance).where(Attendance.enrolment_id == enrolment.id)
        )
    ]


def erase(user: User, *, by) -> None:
    """Anonymise the person, keeping what aggregates count (region, district, gender, the
    month of birth, statuses), and delete their uploads, messages, mail and invitations.

    Also gone: their village, ethnicity answers, photo consent, the scores and free-text reasons
    about them, and the IP addresses and details of the audit events about or by them. Groups
    they led get a new lead (or go to the organisers), and exports leave them out.
    """
    for group in db.session.scalars(sa.select(YouthGroup).where(YouthGroup.lead_id == user.id)):
        group_members.replace_leaving_lead(group, user, by=by)
    _delete_invitations(user)
    user.full_name = f"— {user.id}"
    user.email = None
    user.phone = None
    user.community = None
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    if user.date_of_birth:
        user.date_of_birth = user.date_of_birth.replace(day=1)
    user.active = False
    user.rotate_session_token()
    user.consents = [c for c in user.consents if c.kind is not ConsentKind.PHOTO_MEDIA]
    application_ids = db.session.scalars(
        sa.select(Application.id).where(Application.user_id == user.id)
    ).all()
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
    enrolment_ids = db.session.scalars(
        sa.select(Enrolment.id).where(Enrolment.user_id == user.id)
    ).all()
    certificate_ids = []
    for certificate in db.session.scalars(
        sa.select(Certificate).where(Certificate.enrolment_id.in_(enrolment_ids))
    ):
        certificate.holder_name = user.full_name
        certificate.revoke_reason = ""
        certificate_ids.append(certificate.id)
    _forget_audit_details(
        user, {"user": [user.id], "application": application_ids, "enrolment": enrolment_ids,
               "certificate": certificate_ids},
    )  # fmt: skip
    db.session.execute(
        sa.update(PlanComment).where(PlanComment.author_id == user.id).values(body="—")
    )
    db.session.execute(
        sa.update(ProgressUpdate)
        .where(ProgressUpdate.author_id == user.id)
        .values(what_happened="—")
    )
    db.session.execute(
        sa.update(ActionPlan).where(ActionPlan.updated_by_id == user.id).values(updated_by_id=None)
    )
    db.session.execute(
        sa.update(Membership).where(Membership.user_id == user.id, Membership.left_at.is_(None))
        .values(left_at=utcnow())
    )  # fmt: skip
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(sa.delete(OutboundEmail).where(OutboundEmail.user_id == user.id))
    _mark_erased(user, by=by)
    audit_event("user.erased", user, actor=by)


def _forget_audit_details(user: User, subjects: dict[str, list[int]]) -> None:
    """Events by or about the person keep what happened and when, not where from or why."""
    about = [
        sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
        for kind, ids in subjects.items()
        if ids
    ]
    db.session.execute(
        sa.update(AuditEvent)
        .where(sa.or_(AuditEvent.actor_id == user.id, *about))
        .values(ip_address=None, details={})
    )


def _mark_erased(user: User, *, by) -> None:
    """The person's erasure request is done (one is written if an admin erased without one)."""
    pending = db.session.scalars(
        sa.select(ErasureRequest).where(
            ErasureRequest.user_id == user.id, ErasureRequest.done_at.is_(None)
        )
    ).all() or [ErasureRequest(user_id=user.id)]
    for erasure in pending:
        erasure.done_at = utcnow()
        erasure.done_by_id = getattr(by, "id", None)
        db.session.add(erasure)


def _delete_invitations(user: User) -> None:
    """Invitations that reached the person or named their contact (before it is cleared)."""
    digests = [contact_digest(value) for value in (user.email, user.phone) if value]
    db.session.execute(
        sa.delete(GroupInvitation).where(
            sa.or_(
                GroupInvitation.invitee_id == user.id,
                GroupInvitation.contact_digest.in_(digests),
            )
        )
    )


def clear_application(application) -> None:
    """Remove what the person wrote and what was recorded about them; keep the status."""
    for name in ("motivation", "safety_problem", "previous_camps", "needs", "emergency_name",
                 "guardian_name", "guardian_relation", "notes", "decision_reason"):  # fmt: skip
        setattr(application, name, "")
    application.emergency_phone = application.guardian_phone = None
    application.answers = {}
    application.anonymised_at = utcnow()
    for consent in db.session.scalars(
        sa.select(GuardianConsent).where(GuardianConsent.application_id == application.id)
    ):
        _delete_upload(consent)
        consent.note = ""


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


def _delete_upload(consent) -> None:
    if not consent.file_name:
        return
    try:
        upload_path(consent.file_name).unlink(missing_ok=True)
    except FileNotFoundError:
        current_app.logger.warning("consent scan already gone")
    consent.file_name = None
