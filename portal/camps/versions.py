"""Which changes move a camp's cache version (portal/caching.py), so every app server stops
using what it keeps of the camp the moment such a change commits, wherever it was made: the
cohort balance's figures, the counts and the pages of its applications list.

The version follows the camp's applications, their guardian consents and ethnicity answers, the
camp's first day, and what the balance and the list show or search of each applicant. Not
followed: Core statements on a connection and bulk INSERTs (no path writes these rows so;
`flask restore` runs with every app server stopped, docs/deploy.md). What is kept under it
lasts KEPT_SECONDS at most in any case.
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import caching
from portal.accounts.models import User
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import Camp
from portal.camps.models import GuardianConsent

#: What the camp's kept figures and pages show of an applicant, besides their application: the
#: balance's region, district, gender and age; the list's name, and what its search and its
#: order by name read (the name's key and the e-mail).
_PERSON_FIELDS = (
    "region_code", "district_code", "gender", "date_of_birth", "full_name", "name_key", "email",
)  # fmt: skip


#: What is kept under a camp's version lasts this long at most, in case someone changes the
#: database by hand (no version moves then).
KEPT_SECONDS = 300


def version_name(camp_id: int) -> str:
    """The cache version (portal/caching.py) of a camp's applications and its applicants."""
    return f"camp:{camp_id}"


def kept_key(camp_id: int) -> str:
    """The key of what is kept under the camp's version now (one primary-key read a
    transaction), so any change to its applications or applicants makes a new key."""
    name = version_name(camp_id)
    return caching.versioned_key(name, caching.version_of(name))


def version_of(camp_id: int) -> int:
    """The camp's version now (one primary-key read a transaction)."""
    return caching.version_of(version_name(camp_id))


def changed_here(camp_id: int) -> bool:
    """Whether this transaction has changed what the camp's version follows."""
    return caching.changed_here(version_name(camp_id))


def kept_for_camp(camp_id: int, what: str, compute):
    """`compute()`, a figure made only of the camp's applications and its applicants' fields
    above, kept as `what` under the camp's version and shared by every app server until the
    version moves. A transaction that has changed the camp computes it afresh (and keeps
    nothing): its own changes are not what the version read stands for."""
    return caching.remember_versioned(version_name(camp_id), compute, KEPT_SECONDS, what=what)


@event.listens_for(Session, "before_flush")
def _track_removals(session: Session, _flush_context, _instances) -> None:
    """Removed applications and camps change their camp's version (read while the rows exist),
    and so does an ethnicity answer added or removed (the balance publishes their counts)."""
    answers = set()
    for obj in session.deleted:
        if isinstance(obj, Application):
            caching.changed(session, version_name(obj.camp_id))
        elif isinstance(obj, Camp):
            caching.changed(session, version_name(obj.id))
        elif isinstance(obj, ApplicationEthnicity):
            answers.add(obj.application_id)
    answers.update(
        obj.application_id for obj in session.new if isinstance(obj, ApplicationEthnicity)
    )
    if answers:
        camps = session.scalars(
            sa.select(Application.camp_id).where(Application.id.in_(answers)).distinct()
        )
        for camp_id in camps:
            caching.changed(session, version_name(camp_id))


@event.listens_for(Session, "after_flush")
def _track_changes(session: Session, _flush_context) -> None:
    """Change the version of every camp whose balance this flush changes: an application
    added or changed, a camp's first day moved (age bands), an applicant's region, district,
    gender or date of birth changed. Done here rather than in each service so that no path
    writing those rows (decisions, erasure, retention, profile edits) can forget it. A guardian
    consent recorded, changed or removed changes its application's camp."""
    camps = set()
    for obj in session.new:
        if isinstance(obj, Application):
            camps.add(obj.camp_id)
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    consents = {
        obj.application_id
        for obj in (*session.new, *dirty, *session.deleted)
        if isinstance(obj, GuardianConsent)
    }
    if consents:
        camps.update(
            session.connection().scalars(
                sa.select(Application.camp_id).where(Application.id.in_(consents))
            )
        )
    people = []
    for obj in dirty:
        if isinstance(obj, Application):
            camps.add(obj.camp_id)
            camps.update(sa.inspect(obj).attrs.camp_id.history.deleted or ())
        elif isinstance(obj, Camp) and sa.inspect(obj).attrs.start_date.history.has_changes():
            camps.add(obj.id)
        elif isinstance(obj, User) and any(
            sa.inspect(obj).attrs[name].history.has_changes() for name in _PERSON_FIELDS
        ):
            people.append(obj.id)
    if people:
        camps.update(
            session.connection().scalars(
                sa.select(Application.camp_id).where(Application.user_id.in_(people))
            )
        )
    for camp_id in camps - {None}:
        caching.changed(session, version_name(camp_id))
