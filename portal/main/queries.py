"""What the portal's own pages read from the database directly."""

import sqlalchemy as sa

from portal.extensions import db


def schema_revision() -> str | None:
    """The Alembic revision the database is at (raises if it is unreachable or not migrated)."""
    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
