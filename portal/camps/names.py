"""Each application's copy of its applicant's name key (`Application.applicant_name_key`), which
the review list orders by name from an index of the camp's own: sorting 13,600 applications of
one camp through their people took 30-50 ms on SQLite, on every page of that order.

Kept by session events rather than in each service, so that no path writing those rows (an
application made by the form, on paper or by an import; a profile edit, an admin's correction,
an erasure anonymising the name) can forget it. Accounts, the bottom domain, knows nothing of
this: camps watch the people, as training does for its enrolments (training/names.py).
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.camps.models import Application


@event.listens_for(Session, "before_flush")
def _keep_name_keys(session: Session, _flush_context, _instances) -> None:
    """A new application copies its applicant's name key; a renamed person's applications
    follow."""
    for obj in session.new:
        if isinstance(obj, Application) and not obj.applicant_name_key:
            person = obj.applicant or session.get(User, obj.user_id)
            obj.applicant_name_key = person.name_key if person is not None else ""
    renamed = [
        obj
        for obj in session.dirty
        if isinstance(obj, User) and sa.inspect(obj).attrs.name_key.history.has_changes()
    ]
    for person in renamed:
        session.execute(
            sa.update(Application)
            .where(Application.user_id == person.id)
            .values(applicant_name_key=person.name_key)
            .execution_options(synchronize_session="evaluate")
        )
