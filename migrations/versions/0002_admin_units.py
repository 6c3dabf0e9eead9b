"""Load Kyrgyzstan's administrative units from portal/data/kg_admin_units.csv.

Revision ID: 0002_admin_units
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

from portal.places import reference_rows

revision = "0002_admin_units"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

admin_unit = sa.table(
    "admin_unit",
    sa.column("code", sa.String),
    sa.column("parent_code", sa.String),
    sa.column("kind", sa.String),
    sa.column("name_en", sa.String),
    sa.column("name_ky", sa.String),
    sa.column("name_ru", sa.String),
    sa.column("name_uz_cyrl", sa.String),
    sa.column("needs_check", sa.Boolean),
)


def upgrade():
    op.bulk_insert(admin_unit, reference_rows())


def downgrade():
    op.execute(admin_unit.delete().where(admin_unit.c.parent_code.is_not(None)))
    op.execute(admin_unit.delete())
