"""The audit trail: who did what to which object, when and from where."""

from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import Optional

import sqlalchemy as sa
from flask import has_request_context
from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import db
from portal.extensions import utcnow

#: What each audit action means, for the audit log page.
ACTION_LABELS = {
    "user.registered": _l("Registered"),
    "user.created": _l("Account created"),
    "user.login": _l("Signed in"),
    "user.password_reset_requested": _l("Asked for a password reset"),
    "user.reset_link_issued": _l("Reset link created by an organiser"),
    "user.password_changed": _l("Password changed"),
    "user.profile_updated": _l("Profile changed"),
    "user.roles_changed": _l("Roles changed"),
    "user.deactivated": _l("Account switched off"),
    "user.reactivated": _l("Account switched on"),
    "user.data_exported": _l("Downloaded their data"),
    "user.erasure_requested": _l("Asked for erasure"),
    "user.erased": _l("Erased"),
    "outbox.requeued": _l("Failed message sent again"),
    "outbox.requeued_all": _l("All failed messages sent again"),
}
DETAIL_LABELS = {
    "before": _l("Before"),
    "after": _l("After"),
    "fields": _l("Fields"),
    "roles": _l("Roles"),
    "reason": _l("Reason"),
    "channel": _l("Channel"),
    "count": _l("Number"),
}

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

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def described_details(self) -> list[tuple[str, str]]:
        """(label, value) pairs of the details, lists joined with commas."""
        return [
            (
                str(DETAIL_LABELS.get(key, key)),
                ", ".join(map(str, value)) if isinstance(value, list) else str(value),
            )
            for key, value in (self.details or {}).items()
        ]


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
