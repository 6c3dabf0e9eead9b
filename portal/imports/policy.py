"""Who may import, and see an import (pure predicates)."""

from portal.security import Role


def can_import(user) -> bool:
    """Organisers (and admins) bring in lists of people and graduates."""
    return user.is_authenticated and user.has_role(Role.ORGANISER)


def can_see_batch(user, batch) -> bool:
    """Only the organiser who uploaded a file sees it: it holds other people's details."""
    return can_import(user) and batch.uploaded_by_id == user.id


def can_run(batch) -> bool:
    """A file is imported once; its mapping may change until then."""
    return batch.imported_at is None
