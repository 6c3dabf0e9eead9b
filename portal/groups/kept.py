"""Which changes move a plan page's cache version (portal/caching.py), so that no app server
shows a plan's page kept from before a change once the change commits, wherever it was made.

A plan's page shows the plan, its activities, sent versions, the latest version's reviews, its
progress updates and its discussion. Every change to one of those rows moves the plan's
version: ORM changes at flush, and bulk UPDATE or DELETE statements (erasure blanks what a
person wrote with one) before they run, for every plan whose rows they touch. Done here rather
than in each service so that no path writing those rows can forget it.

The names of the people on the page are not part of it: they are filled in on every request
(portal/fragments.py), so a rename or an erasure needs no version.

Not followed: Core statements run on a connection rather than the session (none writes these
tables; `flask restore` does, with every app server stopped, docs/deploy.md) and bulk INSERTs
(the portal adds these rows as objects). A page is kept five minutes at most in any case.
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import caching
from portal.groups.models import ActionPlan
from portal.groups.models import PlanActivity
from portal.groups.models import PlanComment
from portal.groups.models import PlanReview
from portal.groups.models import PlanVersion
from portal.groups.models import ProgressUpdate

#: The rows a plan's page shows that name their plan.
_PLAN_ROWS = (PlanActivity, PlanVersion, PlanComment, ProgressUpdate)


def version_name(plan_id: int) -> str:
    """The cache version (portal/caching.py) of what a plan's page shows."""
    return f"plan:{plan_id}"


def version_of(plan_id: int) -> int:
    """The plan page's version now (one primary-key read a transaction)."""
    return caching.version_of(version_name(plan_id))


def changed_here(plan_id: int) -> bool:
    """Whether this transaction has changed what the plan's page shows."""
    return caching.changed_here(version_name(plan_id))


@event.listens_for(Session, "after_flush")
def _track_changes(session: Session, _flush_context) -> None:
    """A plan, or a row its page shows, added, changed or removed by this flush."""
    plans, versions = set(), set()
    changed = [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in (*session.new, *changed, *session.deleted):
        if isinstance(obj, ActionPlan):
            plans.add(obj.id)
        elif isinstance(obj, _PLAN_ROWS):
            plans.add(obj.plan_id)
        elif isinstance(obj, PlanReview):
            versions.add(obj.version_id)
    if versions:
        plans.update(
            session.connection().scalars(
                sa.select(PlanVersion.plan_id).where(PlanVersion.id.in_(versions))
            )
        )
    _changed(session, plans)


@event.listens_for(Session, "do_orm_execute")
def _track_bulk_changes(state) -> None:
    """A bulk UPDATE or DELETE of those rows: the plans of the rows it is about to touch."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    model = state.bind_mapper.class_
    if model is ActionPlan:
        touched = sa.select(ActionPlan.id)
    elif model in _PLAN_ROWS:
        touched = sa.select(model.plan_id)
    elif model is PlanReview:
        touched = sa.select(PlanVersion.plan_id).join(
            PlanReview, PlanReview.version_id == PlanVersion.id
        )
    else:
        return
    where = state.statement.whereclause
    if where is not None:
        touched = touched.where(where)
    _changed(state.session, state.session.scalars(touched.distinct()))


def _changed(session: Session, plans) -> None:
    for plan_id in plans:
        if plan_id is not None:
            caching.changed(session, version_name(plan_id))
