"""Imports: an uploaded spreadsheet waiting to be imported (kept a day at most), and enrolments
completed before the portal kept their programme's attendance (imported graduates).

Revision ID: sheets_0024_imports
Revises: paper_0023_paper_forms
Create Date: 2026-12-03 07:36:31.935467

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "sheets_0024_imports"
down_revision = "paper_0023_paper_forms"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "people",
                "graduates",
                name="importkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=True),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("rejected", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_import_batch_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user.id"],
            name=op.f("fk_import_batch_uploaded_by_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_import_batch_programme_id"), ["programme_id"])
        batch_op.create_index(batch_op.f("ix_import_batch_uploaded_by_id"), ["uploaded_by_id"])

    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "completed_elsewhere", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_column("completed_elsewhere")

    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_import_batch_programme_id"))
        batch_op.drop_index(batch_op.f("ix_import_batch_created_at"))

    op.drop_table("import_batch")
