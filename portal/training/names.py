"""What the ambassador directory keeps beside its rows: each enrolment's copy of its person's
name key, the cache version of the programme list its filter offers, and the cache version
of its counts (how many ambassadors, per filter: counting 30,000 enrolments is what grew).

Kept by session events rather than in each service, so that no path writing those rows (a
profile edit, an admin's correction, an erasure anonymising the name, a new programme) can
forget them. Accounts, the bottom domain, knows nothing of this: training watches the people.
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import caching
from portal.accounts.models import ErasureRequest
from portal.accounts.models import User
from portal.accounts.name_keys import keep_copies
from portal.training.models import Enrolment
from portal.training.models import Programme

#: The cache version (portal/caching.py) of the programmes, titles included.
PROGRAMMES_VERSION = "training:programmes"
#: The cache version of the directory's counts: enrolments, programmes, erasures and the
#: people's regions and districts (what its counted filters read).
DIRECTORY_VERSION = "training:directory"
_PLACE_FIELDS = ("region_code", "district_code")


@event.listens_for(Session, "before_flush")
def _keep_name_keys(session: Session, _flush_context, _instances) -> None:
    """A new enrolment copies its person's name key; a renamed person's enrolments follow."""
    keep_copies(session, Enrolment, key="name_key", person="person")


@event.listens_for(Session, "before_flush")
def _track_programmes(session: Session, _flush_context, _instances) -> None:
    """Any programme added, changed or removed changes the directory filter's programme list."""
    added_or_removed = (*session.new, *session.deleted)
    if any(isinstance(obj, Programme) for obj in added_or_removed) or any(
        isinstance(obj, Programme) and session.is_modified(obj) for obj in session.dirty
    ):
        caching.changed(session, PROGRAMMES_VERSION)


@event.listens_for(Session, "before_flush")
def _track_directory(session: Session, _flush_context, _instances) -> None:
    """Any change the directory's counts read moves their version: an enrolment, a programme or
    an erasure added, changed or removed, a person removed or moved to another place."""
    watched = (Enrolment, Programme, ErasureRequest)
    # A new person has no enrolment yet; a removed one may have had some.
    changed = any(isinstance(obj, watched) for obj in session.new) or any(
        isinstance(obj, (*watched, User)) for obj in session.deleted
    )
    changed = changed or any(
        (isinstance(obj, watched) and session.is_modified(obj))
        or (
            isinstance(obj, User)
            and any(sa.inspect(obj).attrs[name].history.has_changes() for name in _PLACE_FIELDS)
        )
        for obj in session.dirty
    )
    if changed:
        caching.changed(session, DIRECTORY_VERSION)
