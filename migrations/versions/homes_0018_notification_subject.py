"""What a notification is about: `notification.subject_kind` ("camp", "plan", "programme",
"group", "account") and `subject_id`, so the inbox names the object in the reader's language
when it is read. Older rows have neither and show their message alone.

Revision ID: homes_0018_notification_subject
Revises: reader_0017_follow_reader
Create Date: 2026-12-02 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "homes_0018_notification_subject"
down_revision = "reader_0017_follow_reader"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("notification", sa.Column("subject_kind", sa.String(length=20), nullable=True))
    op.add_column("notification", sa.Column("subject_id", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("notification", "subject_id")
    op.drop_column("notification", "subject_kind")
