"""Camp applications keep the age rule they were sent with, and each history step says whose
step it was.

`application.age_when_sent` and `application.consent_required` fix the age on the camp's first
day and the guardian rule when an application is sent; existing sent applications get them from
the date of birth and the camp's first day as they are now. `application_event.who` (applicant,
organiser or the portal itself) is filled from the actor: the applicant, another person (an
organiser), or nobody (the portal: the waiting list moving up, an offer expiring; a step of an
account erased since is given to whoever the transition table lets take it).

Revision ID: 0011_camp_integrity
Revises: 0010_cache_versions
Create Date: 2026-12-08 09:00:00.000000

"""

from datetime import date

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_camp_integrity"
down_revision = "0013_training_integrity"
branch_labels = None
depends_on = None

WHO = sa.Enum(
    "applicant", "organiser", "system",
    name="who", native_enum=False, create_constraint=True, length=32,
)  # fmt: skip
#: Steps only the applicant takes (this revision's transition table).
APPLICANT_STEPS = {"draft", "submitted", "confirmed", "withdrawn"}

application = sa.table(
    "application",
    sa.column("id", sa.Integer),
    sa.column("camp_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("submitted_at", sa.DateTime),
    sa.column("age_when_sent", sa.Integer),
    sa.column("consent_required", sa.Boolean),
)
camp = sa.table("camp", sa.column("id", sa.Integer), sa.column("start_date", sa.Date))
user = sa.table("user", sa.column("id", sa.Integer), sa.column("date_of_birth", sa.Date))
event = sa.table(
    "application_event",
    sa.column("id", sa.Integer),
    sa.column("application_id", sa.Integer),
    sa.column("to_status", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("reason", sa.String),
    sa.column("who", sa.String),
)


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age_when_sent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("consent_required", sa.Boolean(), nullable=True))
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("who", WHO, nullable=False, server_default="organiser"))
    _fix_age_rules()
    _name_who()
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.alter_column("who", server_default=None)


def _fix_age_rules():
    """Sent applications keep the rule that their date of birth gives today."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(application.c.id, user.c.date_of_birth, camp.c.start_date)
        .join(user, user.c.id == application.c.user_id)
        .join(camp, camp.c.id == application.c.camp_id)
        .where(application.c.status != "draft", application.c.submitted_at.is_not(None))
    ).all()
    for application_id, born, start in rows:
        age = None if born is None else _age_on(born, start)
        connection.execute(
            sa.update(application)
            .where(application.c.id == application_id)
            .values(age_when_sent=age, consent_required=age is not None and age < 18)
        )


def _name_who():
    connection = op.get_bind()
    connection.execute(
        sa.update(event)
        .where(
            event.c.actor_id
            == sa.select(application.c.user_id)
            .where(application.c.id == event.c.application_id)
            .scalar_subquery()
        )
        .values(who="applicant")
    )
    portal_steps = sa.or_(
        sa.and_(event.c.to_status == "accepted", event.c.reason == "waitlist"),
        sa.and_(event.c.to_status == "declined", event.c.reason == "offer expired"),
    )
    connection.execute(
        sa.update(event).where(event.c.actor_id.is_(None), portal_steps).values(who="system")
    )
    connection.execute(
        sa.update(event)
        .where(
            event.c.actor_id.is_(None),
            sa.not_(portal_steps),
            event.c.to_status.in_(sorted(APPLICANT_STEPS)),
        )
        .values(who="applicant")
    )


def downgrade():
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_application_event_who"), type_="check")
        batch_op.drop_column("who")
    # Dropped in place: rebuilding the application table on SQLite would delete, by cascade,
    # the history, consents and attendance of every application.
    with op.batch_alter_table("application", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("consent_required")
        batch_op.drop_column("age_when_sent")
