"""Figures for the home page's per-role dashboard (read-only, a few aggregate queries)."""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.models import UserRole
from portal.audit import AuditEvent
from portal.extensions import db
from portal.extensions import utcnow
from portal.places import AdminUnit
from portal.reports.safe import publish
from portal.security import Role


def youth_counts() -> dict:
    """Young people registered, in the last 30 days, and by region: published by the rule of
    reports/safe.py (a region's row is listed only when its figure is shown)."""
    youth_ids = sa.select(UserRole.user_id).where(UserRole.role == Role.YOUTH)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.id.in_(youth_ids))
    )
    recent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.id.in_(youth_ids), User.created_at >= utcnow() - timedelta(days=30))
    )
    by_region = db.session.execute(
        sa.select(AdminUnit, sa.func.count(User.id))
        .join(User, User.region_code == AdminUnit.code)
        .where(User.id.in_(youth_ids))
        .group_by(AdminUnit.code)
        .order_by(sa.func.count(User.id).desc())
    ).all()
    published = [(unit, publish(count)) for unit, count in by_region]
    return {
        "total": publish(total or 0),
        "recent": publish(recent or 0),
        "by_region": [(unit, cell) for unit, cell in published if not cell.hidden],
    }


def role_counts() -> dict[Role, int]:
    rows = db.session.execute(
        sa.select(UserRole.role, sa.func.count()).group_by(UserRole.role)
    ).all()
    counts = {role: 0 for role in Role}
    counts.update({role: count for role, count in rows})
    return counts


def recent_audit_events(limit: int = 5) -> Sequence[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
