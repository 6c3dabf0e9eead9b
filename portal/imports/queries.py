"""What imports read: an organiser's own uploads, and what the database already holds for the
people a file names."""

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.models import UserRole
from portal.extensions import db
from portal.imports.checks import Existing
from portal.imports.models import ImportBatch
from portal.security import Role
from portal.training.models import Certificate
from portal.training.models import Enrolment
from portal.training.models import Programme

#: Values looked up per query (well under every database's limit on parameters).
CHUNK = 500


def my_batches(user):
    """The organiser's uploads still kept (a day at most), the latest first."""
    return (
        sa.select(ImportBatch)
        .where(ImportBatch.uploaded_by_id == user.id)
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
    )


def _chunks(values):
    values = sorted(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def existing_for(
    phones: set[str], emails: set[str], *, programme_id: int | None = None,
    codes: set[str] = frozenset(),  # type: ignore[assignment]
) -> Existing:  # fmt: skip
    """The accounts with these phone numbers or e-mail addresses, which of them are staff, and
    for a programme: who holds its certificate already and which codes are taken."""
    found = Existing()
    for column, values, into in (
        (User.phone, phones, found.by_phone),
        (User.email, emails, found.by_email),
    ):
        for chunk in _chunks(values):
            for user_id, value in db.session.execute(
                sa.select(User.id, column).where(column.in_(chunk))
            ):
                into[value] = user_id
    ids = set(found.by_phone.values()) | set(found.by_email.values())
    for chunk in _chunks(ids):
        found.staff.update(
            db.session.scalars(
                sa.select(UserRole.user_id)
                .where(UserRole.user_id.in_(chunk), UserRole.role != Role.YOUTH)
                .distinct()
            )
        )
        if programme_id is not None:
            found.certified.update(
                db.session.scalars(
                    sa.select(Enrolment.user_id)
                    .join(Certificate, Certificate.enrolment_id == Enrolment.id)
                    .where(Enrolment.programme_id == programme_id, Enrolment.user_id.in_(chunk))
                )
            )
    for chunk in _chunks(codes):
        rows = db.session.execute(
            sa.select(Certificate.code, Enrolment.user_id, Enrolment.programme_id)
            .join(Enrolment, Certificate.enrolment_id == Enrolment.id)
            .where(Certificate.code.in_(chunk))
        )
        for code, user_id, holder_programme in rows:
            found.codes[code] = user_id if holder_programme == programme_id else 0
    return found


def programmes() -> list:
    """Every programme, for the graduates' choice (newest first)."""
    return list(db.session.scalars(sa.select(Programme).order_by(Programme.id.desc())))
