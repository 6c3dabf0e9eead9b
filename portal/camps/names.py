"""Each application's copy of its applicant's name key (`Application.applicant_name_key`), which
the review list orders by name from an index of the camp's own: sorting 13,600 applications of
one camp through their people took 30-50 ms on SQLite, on every page of that order.

Kept by session events rather than in each service, so that no path writing those rows (an
application made by the form, on paper or by an import; a profile edit, an admin's correction,
an erasure anonymising the name) can forget it. Accounts, the bottom domain, knows nothing of
this: camps watch the people, as training does for its enrolments (training/names.py).
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.accounts.name_keys import keep_copies
from portal.camps.models import Application


@event.listens_for(Session, "before_flush")
def _keep_name_keys(session: Session, _flush_context, _instances) -> None:
    """A new application copies its applicant's name key; a renamed person's applications
    follow."""
    keep_copies(session, Application, key="applicant_name_key", person="applicant")
