"""Cache versions: a counter per cached thing, bumped by every change to it.

Shared caches key their values by these counters, read from the database, so a change made on
one app server changes the key every server computes (a server's clock plays no part). The
index on (camp_id, updated_at), which served the old per-process key, goes.

Revision ID: 0010_cache_versions
Revises: 0009_group_invitations
Create Date: 2026-12-01 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_cache_versions"
down_revision = "0009_group_invitations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cache_version",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_version")),
    )
    op.drop_index("ix_application_camp_updated", table_name="application")


def downgrade():
    op.create_index(
        "ix_application_camp_updated", "application", ["camp_id", "updated_at"], unique=False
    )
    op.drop_table("cache_version")
