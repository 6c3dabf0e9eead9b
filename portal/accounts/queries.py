"""Reading accounts for the pages (no changes here)."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.accounts.models import ErasureRequest
from portal.accounts.models import User
from portal.extensions import db
from portal.notify import unread_count_of
from portal.notify import unread_leading_to

#: One query per page: the user, their roles, the unread count and whether an unread
#: notification leads to this page, together (built once, so SQLAlchemy's statement cache key
#: is not recomputed on every request).
USER_QUERY = (
    sa.select(
        User,
        unread_count_of(User.id),
        unread_leading_to(User.id, sa.bindparam("links", expanding=True)),
    )
    .options(joinedload(User.role_rows))
    .where(User.id == sa.bindparam("user_id"))
)


def user_with_unread(user_id: int, links: list[str]):
    """(user, unread notification count, whether one of those leads to `links`), or None."""
    return db.session.execute(USER_QUERY, {"user_id": user_id, "links": links}).unique().first()


_NAMES = sa.select(User.id, User.full_name).where(User.id.in_(sa.bindparam("ids", expanding=True)))


def names_of(ids) -> dict[int, str]:
    """Id → full name of these people, as they are now (one statement, none for nobody)."""
    if not ids:
        return {}
    return dict(db.session.execute(_NAMES, {"ids": sorted(ids)}).tuples().all())


def pending_erasure(user) -> ErasureRequest | None:
    return db.session.scalar(
        sa.select(ErasureRequest).where(
            ErasureRequest.user_id == user.id, ErasureRequest.done_at.is_(None)
        )
    )


def pending_erasures_count() -> int:
    """Erasure requests an admin has not carried out yet (for the admin's to-do)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ErasureRequest)
            .where(ErasureRequest.done_at.is_(None))
        )
        or 0
    )
