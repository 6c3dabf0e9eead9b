"""Content that follows the reader: notifications keep their message's key and parameters, and
camp venues and training-session places are stored per language like titles.

`notification.msgid`, `msgid_plural`, `msgctxt`, `count` and `params` let the inbox render a
notification in the reader's language of the moment; rows written before keep their text
(`message`), which is what they show. A venue or place becomes {"ky": …, "ru": …, "uz_Cyrl": …};
what organisers typed before is kept under the default language (Kyrgyz), which every other
language falls back to (portal.i18n.localized), so everyone sees what they saw before.

On SQLite the columns are changed in place (add, copy, drop, rename), never by rebuilding the
table: rebuilding `camp` or `training_session` under a caller's own transaction (`flask restore`)
would cascade-delete their applications and attendance.

Revision ID: reader_0017_follow_reader
Revises: 0011_camp_integrity
Create Date: 2026-12-12 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "reader_0017_follow_reader"
down_revision = "0011_camp_integrity"
branch_labels = None
depends_on = None

#: (table, column) of the free-text fields that become per-language.
PER_LANGUAGE = (("camp", "venue"), ("training_session", "place"))
DEFAULT_LOCALE = "ky"


def upgrade():
    op.add_column("notification", sa.Column("msgid", sa.Text(), nullable=True))
    op.add_column("notification", sa.Column("msgid_plural", sa.Text(), nullable=True))
    op.add_column("notification", sa.Column("msgctxt", sa.String(length=100), nullable=True))
    op.add_column("notification", sa.Column("count", sa.Integer(), nullable=True))
    op.add_column("notification", sa.Column("params", sa.JSON(), nullable=True))
    for table, column in PER_LANGUAGE:
        _to_per_language(table, column)


def downgrade():
    for table, column in PER_LANGUAGE:
        _to_text(table, column)
    for column in ("params", "count", "msgctxt", "msgid_plural", "msgid"):
        op.drop_column("notification", column)


def _to_per_language(table: str, column: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE JSON "
            f"USING json_build_object('{DEFAULT_LOCALE}', {column})"
        )
        return
    new = f"{column}_per_language"
    op.execute(f"ALTER TABLE {table} ADD COLUMN {new} JSON NOT NULL DEFAULT '{{}}'")
    op.execute(f"UPDATE {table} SET {new} = json_object('{DEFAULT_LOCALE}', {column})")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {new} TO {column}")


def _to_text(table: str, column: str) -> None:
    """Back to one text: the Kyrgyz value, else Russian, else Uzbek."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR(200) USING "
            f"COALESCE({column}->>'ky', {column}->>'ru', {column}->>'uz_Cyrl', '')"
        )
        return
    old = f"{column}_text"
    op.execute(f"ALTER TABLE {table} ADD COLUMN {old} VARCHAR(200) NOT NULL DEFAULT ''")
    op.execute(
        f"UPDATE {table} SET {old} = COALESCE(json_extract({column}, '$.ky'), "
        f"json_extract({column}, '$.ru'), json_extract({column}, '$.uz_Cyrl'), '')"
    )
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {column}")
