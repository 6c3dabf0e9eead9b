"""Paper application forms: a printed code per form, its camp, who printed and typed it in,
and the application it became.

Revision ID: paper_0023_paper_forms
Revises: ical_0022_calendar_feeds
Create Date: 2026-12-03 07:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "paper_0023_paper_forms"
down_revision = "ical_0022_calendar_feeds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "paper_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("camp_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "printed",
                "entered",
                "claimed",
                name="paperstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("printed_by_id", sa.Integer(), nullable=True),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_paper_form_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["camp_id"], ["camp.id"], name=op.f("fk_paper_form_camp_id_camp"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["user.id"],
            name=op.f("fk_paper_form_entered_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["printed_by_id"],
            ["user.id"],
            name=op.f("fk_paper_form_printed_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_form")),
        sa.UniqueConstraint("application_id", name=op.f("uq_paper_form_application_id")),
    )
    with op.batch_alter_table("paper_form", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_form_code"), ["code"], unique=True)
        batch_op.create_index("ix_paper_form_camp_status", ["camp_id", "status"], unique=False)


def downgrade():
    with op.batch_alter_table("paper_form", schema=None) as batch_op:
        batch_op.drop_index("ix_paper_form_camp_status")
        batch_op.drop_index(batch_op.f("ix_paper_form_code"))

    op.drop_table("paper_form")
