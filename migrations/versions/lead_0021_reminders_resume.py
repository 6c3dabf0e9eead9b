"""Reminders and resume by code: a session's reminder per enrolment (sent once), the
confirmation deadline an applicant was last reminded of, and a draft's code to continue it on
another phone. A programme's sessions indexed in time order (programme, starts), replacing the
index on the programme alone.

Revision ID: lead_0021_reminders_resume
Revises: reach_0020_channels_broadcasts
Create Date: 2026-12-03 08:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "lead_0021_reminders_resume"
down_revision = "reach_0020_channels_broadcasts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_training_session_programme_starts", "training_session", ["programme_id", "starts_at"]
    )
    op.drop_index("ix_training_session_programme_id", table_name="training_session")
    op.create_table(
        "session_reminder",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["training_session.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "enrolment_id"),
    )
    op.create_index("ix_session_reminder_enrolment_id", "session_reminder", ["enrolment_id"])
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("offer_reminded_for", sa.Date(), nullable=True))
        batch.add_column(sa.Column("resume_code", sa.String(length=8), nullable=True))
        batch.add_column(
            sa.Column("resume_code_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_index("ix_application_resume_code", ["resume_code"])


def downgrade():
    with op.batch_alter_table("application") as batch:
        batch.drop_index("ix_application_resume_code")
        batch.drop_column("resume_code_expires_at")
        batch.drop_column("resume_code")
        batch.drop_column("offer_reminded_for")
    op.drop_index("ix_session_reminder_enrolment_id", table_name="session_reminder")
    op.drop_table("session_reminder")
    op.create_index("ix_training_session_programme_id", "training_session", ["programme_id"])
    op.drop_index("ix_training_session_programme_starts", table_name="training_session")
