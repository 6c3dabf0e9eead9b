"""Rows of other domains that keep a copy of their person's name key (`User.name_key`), so that
a list orders them by name from an index of its own instead of looking up every person: an
enrolment (training/names.py), an application (camps/names.py).

Each domain calls `keep_copies` from its own session event; accounts, the bottom domain, is
handed the model and knows nothing of it.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import User


def keep_copies(session: Session, model, *, key: str, person: str) -> None:
    """Before a flush: each new row of `model` (with a `user_id`) copies its person's name key
    into its column `key`, the person read through its relationship `person` (or by id); every
    row of a person renamed in this flush follows, in one UPDATE per person."""
    for obj in session.new:
        if isinstance(obj, model) and not getattr(obj, key):
            owner = getattr(obj, person) or session.get(User, obj.user_id)
            setattr(obj, key, owner.name_key if owner is not None else "")
    renamed = [
        obj
        for obj in session.dirty
        if isinstance(obj, User) and sa.inspect(obj).attrs.name_key.history.has_changes()
    ]
    for owner in renamed:
        session.execute(
            sa.update(model)
            .where(model.user_id == owner.id)
            .values({key: owner.name_key})
            .execution_options(synchronize_session="evaluate")
        )
