"""Each enrolment keeps its person's name key (`enrolment.name_key`, indexed with the id), so
the ambassador directory sorts its 10,000 enrolments by an index of their own instead of
looking up every person. Existing enrolments are filled from their people.

Revision ID: winlists_0019_enrolment_name_key
Revises: homes_0018_notification_subject
Create Date: 2026-12-02 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "winlists_0019_enrolment_name_key"
down_revision = "homes_0018_notification_subject"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "enrolment",
        sa.Column("name_key", sa.String(length=120), nullable=False, server_default=""),
    )
    op.execute(
        'UPDATE enrolment SET name_key = (SELECT "user".name_key FROM "user" '
        'WHERE "user".id = enrolment.user_id)'
    )
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.alter_column("name_key", server_default=None)
    op.create_index("ix_enrolment_name_key", "enrolment", ["name_key", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolment_name_key")
        batch_op.drop_column("name_key")
