"""What the paper pages read: a camp's forms, a form by its code, a claim's match."""

from collections.abc import Sequence

import sqlalchemy as sa

from portal.accounts.models import User
from portal.accounts.validators import normalise_phone
from portal.camps.models import Application
from portal.camps.paper.models import PaperForm
from portal.camps.paper.models import PaperStatus
from portal.camps.paper.models import normalise_code
from portal.extensions import db


def status_counts(camp) -> dict[PaperStatus, int]:
    """How many of the camp's forms are in each status (every status, 0 included)."""
    rows = db.session.execute(
        sa.select(PaperForm.status, sa.func.count())
        .where(PaperForm.camp_id == camp.id)
        .group_by(PaperForm.status)
    ).all()
    counts = dict.fromkeys(PaperStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


def waiting_forms(camp, limit: int = 50) -> Sequence[PaperForm]:
    """The camp's printed forms not typed in yet, oldest first."""
    return db.session.scalars(
        sa.select(PaperForm)
        .where(PaperForm.camp_id == camp.id, PaperForm.status == PaperStatus.PRINTED)
        .order_by(PaperForm.id)
        .limit(limit)
    ).all()


def form_by_code(text: str | None) -> PaperForm | None:
    """The form whose code this is, however it was typed."""
    code = normalise_code(text)
    if not code:
        return None
    return db.session.scalar(sa.select(PaperForm).where(PaperForm.code == code))


#: Built once: every application's page asks it.
_FORM_OF = sa.select(PaperForm).where(PaperForm.application_id == sa.bindparam("application_id"))


def form_of(application) -> PaperForm | None:
    """The paper form an application was typed in from, if any."""
    return db.session.scalar(_FORM_OF, {"application_id": application.id})


def claim_match(code_text: str | None, phone_text: str | None) -> PaperForm | None:
    """The typed-in form with this code whose applicant has this phone number, or None (the
    same None for a wrong code and a wrong phone)."""
    code, phone = normalise_code(code_text), normalise_phone(phone_text or "")
    if not code or not phone:
        return None
    return db.session.scalar(
        sa.select(PaperForm)
        .join(Application, Application.id == PaperForm.application_id)
        .join(User, User.id == Application.user_id)
        .where(PaperForm.code == code, User.phone == phone)
    )
