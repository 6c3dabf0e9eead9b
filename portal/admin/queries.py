"""Read-only queries behind the admin lists."""

from datetime import datetime
from datetime import time

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.models import ErasureRequest
from portal.accounts.models import User
from portal.accounts.models import UserRole
from portal.accounts.validators import normalise_phone
from portal.audit import AuditEvent
from portal.extensions import db
from portal.i18n import BISHKEK
from portal.listing import contains_pattern
from portal.security import Role


def user_list_query(*, q=None, role=None, region=None, status=None):
    query = sa.select(User).options(selectinload(User.role_rows)).order_by(User.name_key, User.id)
    if q:
        pattern = contains_pattern(q)
        clauses = [
            User.name_key.like(pattern, escape="\\"),
            User.email.like(pattern, escape="\\"),
        ]
        phone = normalise_phone(q)
        if phone:
            clauses.append(User.phone == phone)
        else:
            digits = "".join(ch for ch in q if ch.isdigit())
            if len(digits) >= 4:
                clauses.append(User.phone.like(f"%{digits}%"))
        query = query.where(sa.or_(*clauses))
    if role:
        query = query.where(
            User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role(role)))
        )
    if region:
        query = query.where(User.region_code == region)
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    return query


def audit_query(*, action=None, actor=None, date_from=None, date_to=None, object_id=None):
    query = sa.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(
            AuditEvent.actor_id.in_(
                sa.select(User.id).where(User.email.like(contains_pattern(actor), escape="\\"))
            )
        )
    if date_from:
        query = query.where(AuditEvent.created_at >= datetime.combine(date_from, time(), BISHKEK))
    if date_to:
        end = datetime.combine(date_to, time.max, BISHKEK)
        query = query.where(AuditEvent.created_at <= end)
    if object_id:
        query = query.where(AuditEvent.object_type == "user", AuditEvent.object_id == object_id)
    return query.options(selectinload(AuditEvent.actor))


def recent_events_about(person, limit: int = 20):
    """The latest audit events about one account, for its admin page."""
    return db.session.scalars(audit_query(object_id=person.id).limit(limit)).all()


def erasure_requests():
    """Pending requests first, oldest first; then the done ones."""
    return sa.select(ErasureRequest).order_by(
        ErasureRequest.done_at.is_not(None), ErasureRequest.requested_at
    )
