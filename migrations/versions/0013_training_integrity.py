"""Training integrity: certificates are flagged when their basis goes, and can be issued again.

A certificate whose enrolment no longer meets the completion rule is flagged (`flagged_at`) for
an organiser, who revokes it or keeps it with a reason (`kept_at`, `kept_by_id`,
`keep_reason`). An enrolment may hold several certificates, of which at most one is not
revoked: someone who completes again after a revocation gets a new one with a new code, and
the old code stays revoked.

Revision ID: 0013_training_integrity
Revises: 0010_cache_versions
Create Date: 2026-12-05 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_training_integrity"
down_revision = "0016_outbox_retry"
branch_labels = None
depends_on = None

UNREVOKED = sa.text("revoked_at IS NULL")


def upgrade():
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("kept_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("kept_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("keep_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.create_foreign_key(
            batch_op.f("fk_certificate_kept_by_id_user"),
            "user",
            ["kept_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_constraint("uq_certificate_enrolment_id", type_="unique")
        batch_op.create_index(
            batch_op.f("ix_certificate_enrolment_id"), ["enrolment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificate_flagged_at"), ["flagged_at"], unique=False)
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.alter_column("keep_reason", server_default=None)
    op.create_index(
        "uq_certificate_unrevoked_enrolment",
        "certificate",
        ["enrolment_id"],
        unique=True,
        sqlite_where=UNREVOKED,
        postgresql_where=UNREVOKED,
    )


def downgrade():
    op.drop_index("uq_certificate_unrevoked_enrolment", table_name="certificate")
    # Only the latest certificate of each enrolment can come back under the old constraint.
    op.execute(
        "DELETE FROM certificate WHERE id NOT IN "
        "(SELECT MAX(id) FROM certificate GROUP BY enrolment_id)"
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_flagged_at"))
        batch_op.drop_index(batch_op.f("ix_certificate_enrolment_id"))
        batch_op.create_unique_constraint("uq_certificate_enrolment_id", ["enrolment_id"])
        batch_op.drop_constraint(batch_op.f("fk_certificate_kept_by_id_user"), type_="foreignkey")
        batch_op.drop_column("keep_reason")
        batch_op.drop_column("kept_by_id")
        batch_op.drop_column("kept_at")
        batch_op.drop_column("flagged_at")
