"""Calendar feeds: a person's secret calendar link (its hash only), and when a camp or a
training session last changed, so calendar apps move an entry instead of adding another.

Existing camps take their creation time; existing sessions stay unknown (None) until they change.

Revision ID: ical_0022_calendar_feeds
Revises: lead_0021_reminders_resume
Create Date: 2026-12-03 07:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ical_0022_calendar_feeds"
down_revision = "lead_0021_reminders_resume"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feed",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_calendar_feed_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )
    # Nullable, so no table is rebuilt on SQLite (a rebuild would cascade to attendance).
    op.add_column("camp", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "training_session", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute("UPDATE camp SET updated_at = created_at")


def downgrade():
    # SQLite drops a column in place since 3.35, without rebuilding the table.
    op.drop_column("training_session", "updated_at")
    op.drop_column("camp", "updated_at")
    op.drop_table("calendar_feed")
