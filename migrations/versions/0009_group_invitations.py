"""Group invitations the invitee accepts, and how each member came into their group.

Existing memberships are classified from the audit trail: the group's creator, people who joined
with the code (they added themselves), and everyone else as "added" (put in by a lead without
being asked; they may not be handed the lead role until they choose to stay).

Revision ID: 0009_group_invitations
Revises: 0008_scale_indexes
Create Date: 2026-11-25 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_group_invitations"
down_revision = "0008_scale_indexes"
branch_labels = None
depends_on = None

JOINED_VIA = sa.Enum(
    "created", "invitation", "join_code", "added", "confirmed",
    name="joinedvia", native_enum=False, create_constraint=True, length=32,
)  # fmt: skip
INVITATION_STATUS = sa.Enum(
    "pending", "accepted", "declined", "cancelled",
    name="invitationstatus", native_enum=False, create_constraint=True, length=32,
)  # fmt: skip
#: Steps only the member can take, as this revision's code audits them.
SELF_CHOSEN = {
    "group.invitation_accepted": "invitation",
    "group.member_joined": "join_code",
    "group.membership_confirmed": "confirmed",
}


def upgrade():
    op.create_table(
        "group_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("contact_hint", sa.String(length=64), nullable=False),
        sa.Column("contact_digest", sa.String(length=64), nullable=False),
        sa.Column("status", INVITATION_STATUS, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["youth_group.id"],
            name=op.f("fk_group_invitation_group_id_youth_group"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["user.id"],
            name=op.f("fk_group_invitation_invited_by_id_user"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"], ["user.id"],
            name=op.f("fk_group_invitation_invitee_id_user"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_invitation")),
    )  # fmt: skip
    with op.batch_alter_table("group_invitation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_group_invitation_group_contact", ["group_id", "contact_digest"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_invitation_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_invitation_invitee_id"), ["invitee_id"], unique=False
        )

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joined_via", JOINED_VIA, nullable=False, server_default="added")
        )
    _classify_memberships()
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.alter_column("joined_via", server_default=None)


def _classify_memberships():
    """Creators and people who joined by code chose their group; the audit trail says who
    (its latest step per person: someone who joined by code and was later re-added by a lead
    after leaving counts as added)."""
    connection = op.get_bind()
    audit = sa.table(
        "audit_event",
        sa.column("id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("object_type", sa.String),
        sa.column("object_id", sa.Integer),
        sa.column("actor_id", sa.Integer),
        sa.column("details", sa.JSON),
    )
    membership = sa.table(
        "membership",
        sa.column("group_id", sa.Integer),
        sa.column("user_id", sa.Integer),
        sa.column("joined_via", sa.String),
    )
    rows = connection.execute(
        sa.select(audit.c.action, audit.c.object_id, audit.c.actor_id, audit.c.details)
        .where(
            audit.c.object_type == "youth_group",
            audit.c.action.in_(("group.created", "group.member_added", *SELF_CHOSEN)),
        )
        .order_by(audit.c.id)
    )
    chosen = {}
    for action, group_id, actor_id, details in rows:
        if actor_id is None:
            continue
        if action == "group.created":
            chosen[(group_id, actor_id)] = "created"
        elif action in SELF_CHOSEN:  # after a downgrade and a new upgrade
            chosen[(group_id, actor_id)] = SELF_CHOSEN[action]
        else:  # group.member_added: by themselves with the code, or by a lead (the last counts)
            member = (details or {}).get("member")
            chosen[(group_id, member)] = "join_code" if member == actor_id else "added"
    for (group_id, user_id), via in chosen.items():
        connection.execute(
            sa.update(membership)
            .where(membership.c.group_id == group_id, membership.c.user_id == user_id)
            .values(joined_via=via)
        )


def downgrade():
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_membership_joinedvia"), type_="check")
        batch_op.drop_column("joined_via")
    with op.batch_alter_table("group_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_invitation_invitee_id"))
        batch_op.drop_index(batch_op.f("ix_group_invitation_group_id"))
        batch_op.drop_index("ix_group_invitation_group_contact")
    op.drop_table("group_invitation")
