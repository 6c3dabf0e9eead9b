"""Indexes for camp lists at scale: a camp's applications by status and date sent, by date sent,
and by last change (the cohort balance's cache key).

Revision ID: 0008_scale_indexes
Revises: 0007_report_indexes
Create Date: 2026-11-24 05:07:52.063704

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_scale_indexes"
down_revision = "0007_report_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_camp_status"))
        batch_op.create_index(
            "ix_application_camp_status", ["camp_id", "status", "submitted_at"], unique=False
        )
        batch_op.create_index(
            "ix_application_camp_submitted", ["camp_id", "submitted_at"], unique=False
        )
        batch_op.create_index(
            "ix_application_camp_updated", ["camp_id", "updated_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("ix_application_camp_updated")
        batch_op.drop_index("ix_application_camp_submitted")
        batch_op.drop_index("ix_application_camp_status")
        batch_op.create_index(
            batch_op.f("ix_application_camp_status"), ["camp_id", "status"], unique=False
        )
