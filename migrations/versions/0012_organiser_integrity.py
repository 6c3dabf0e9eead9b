"""When the retention rule cleared an application's health needs, contacts and consent scans.

Revision ID: 0012_organiser_integrity
Revises: 0010_cache_versions
Create Date: 2026-12-08 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_organiser_integrity"
down_revision = "0010_cache_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sensitive_cleared_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("sensitive_cleared_at")
