"""The audit trail: who did what to which object, when and from where (in codes; the admin
pages name them in words: portal/main/events.py)."""

from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import Optional

import sqlalchemy as sa
from flask import has_request_context
from flask import request
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import db
from portal.extensions import utcnow

if TYPE_CHECKING:  # annotations only: accounts imports this module
    from portal.accounts.models import User


class AuditEvent(Model):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: None for the system or an anonymous visitor.
    actor_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: Dotted verb, e.g. "user.roles_changed"; never carries personal data.
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[Optional[str]] = mapped_column(sa.String(32))
    object_id: Mapped[Optional[int]]
    ip_address: Mapped[Optional[str]] = mapped_column(sa.String(45))
    #: Non-sensitive facts about the change (old and new roles, reason codes).
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[Optional["User"]] = relationship("User", foreign_keys=[actor_id], lazy="raise")


def audit_event(action: str, obj: Any = None, *, actor: Any = None, **details: Any) -> AuditEvent:
    """Record an audit event in the current transaction (the caller commits)."""
    if actor is None:
        from flask_login import current_user

        if has_request_context() and current_user.is_authenticated:
            actor = current_user
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        ip_address=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event
