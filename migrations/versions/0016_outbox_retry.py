"""Outbox retries: when each message is due next, which runner holds it, when it was given up.

`next_attempt_at` starts at the message's last attempt (or its creation), so what was pending
stays due at once; messages already failed get `failed_at` from their last attempt. The index
on (status, next_attempt_at) is what runners look messages up by.

Revision ID: 0016_outbox_retry
Revises: 0010_cache_versions
Create Date: 2026-12-02 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_outbox_retry"
down_revision = "0012_organiser_integrity"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE outbound_email SET next_attempt_at = COALESCE(last_attempt_at, created_at)")
    op.execute("UPDATE outbound_email SET failed_at = last_attempt_at WHERE status = 'failed'")
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.alter_column(
            "next_attempt_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_index("ix_outbound_email_due", ["status", "next_attempt_at"], unique=False)


def downgrade():
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_email_due")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("next_attempt_at")
