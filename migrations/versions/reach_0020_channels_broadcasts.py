"""Messages on every channel: SMS and Telegram outboxes, a person's channel choice, Telegram
links and their one-time codes, broadcasts and their recipients (each channel's message points
at its broadcast recipient, e-mail included).

Revision ID: reach_0020_channels_broadcasts
Revises: winlists_0019_enrolment_name_key
Create Date: 2026-12-02 18:46:11.894984

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "reach_0020_channels_broadcasts"
down_revision = "winlists_0019_enrolment_name_key"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "channel_choice",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("sms", sa.Boolean(), nullable=False),
        sa.Column("telegram", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_channel_choice_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_channel_choice")),
    )
    op.create_table(
        "telegram_link",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_telegram_link_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_telegram_link")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_telegram_link_chat_id")),
    )
    op.create_table(
        "telegram_link_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_telegram_link_code_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_telegram_link_code")),
    )
    with op.batch_alter_table("telegram_link_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegram_link_code_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "audience",
            sa.Enum(
                "camp",
                "programme",
                "group",
                name="audience",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("camp_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("statuses", sa.JSON(), nullable=False),
        sa.Column("include_guardians", sa.Boolean(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_broadcast_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["camp_id"], ["camp.id"], name=op.f("fk_broadcast_camp_id_camp"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["youth_group.id"],
            name=op.f("fk_broadcast_group_id_youth_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_broadcast_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast")),
    )
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcast_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_broadcast_camp_id"), ["camp_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_broadcast_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_broadcast_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_broadcast_programme_id"), ["programme_id"], unique=False
        )

    op.create_table(
        "broadcast_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("guardian", sa.Boolean(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
            name=op.f("fk_broadcast_recipient_broadcast_id_broadcast"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_broadcast_recipient_notification_id_notification"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_broadcast_recipient_user_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_recipient")),
    )
    with op.batch_alter_table("broadcast_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcast_recipient_broadcast_id"), ["broadcast_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_broadcast_recipient_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "outbound_sms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_number", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("broadcast_recipient_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="emailstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_recipient_id"],
            ["broadcast_recipient.id"],
            name=op.f("fk_outbound_sms_broadcast_recipient_id_broadcast_recipient"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_outbound_sms_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_sms")),
    )
    with op.batch_alter_table("outbound_sms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_sms_broadcast_recipient_id"),
            ["broadcast_recipient_id"],
            unique=False,
        )
        batch_op.create_index("ix_outbound_sms_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_sms_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_sms_user_id"), ["user_id"], unique=False)

    op.create_table(
        "outbound_telegram",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("broadcast_recipient_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="emailstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_recipient_id"],
            ["broadcast_recipient.id"],
            name=op.f("fk_outbound_telegram_broadcast_recipient_id_broadcast_recipient"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_outbound_telegram_user_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_telegram")),
    )
    with op.batch_alter_table("outbound_telegram", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_telegram_broadcast_recipient_id"),
            ["broadcast_recipient_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_outbound_telegram_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbound_telegram_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_telegram_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broadcast_recipient_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbound_email_broadcast_recipient_id"),
            ["broadcast_recipient_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbound_email_broadcast_recipient_id_broadcast_recipient"),
            "broadcast_recipient",
            ["broadcast_recipient_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("outbound_email", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbound_email_broadcast_recipient_id_broadcast_recipient"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_outbound_email_broadcast_recipient_id"))
        batch_op.drop_column("broadcast_recipient_id")

    with op.batch_alter_table("outbound_telegram", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_telegram_user_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_telegram_status"))
        batch_op.drop_index("ix_outbound_telegram_due")
        batch_op.drop_index(batch_op.f("ix_outbound_telegram_broadcast_recipient_id"))

    op.drop_table("outbound_telegram")
    with op.batch_alter_table("outbound_sms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_sms_user_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_sms_status"))
        batch_op.drop_index("ix_outbound_sms_due")
        batch_op.drop_index(batch_op.f("ix_outbound_sms_broadcast_recipient_id"))

    op.drop_table("outbound_sms")
    with op.batch_alter_table("broadcast_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_recipient_user_id"))
        batch_op.drop_index(batch_op.f("ix_broadcast_recipient_broadcast_id"))

    op.drop_table("broadcast_recipient")
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_programme_id"))
        batch_op.drop_index(batch_op.f("ix_broadcast_group_id"))
        batch_op.drop_index(batch_op.f("ix_broadcast_created_at"))
        batch_op.drop_index(batch_op.f("ix_broadcast_camp_id"))
        batch_op.drop_index(batch_op.f("ix_broadcast_author_id"))

    op.drop_table("broadcast")
    with op.batch_alter_table("telegram_link_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_link_code_user_id"))

    op.drop_table("telegram_link_code")
    op.drop_table("telegram_link")
    op.drop_table("channel_choice")
