"""The inbox names what each notification is about, in the reader's language of now: one
query per kind of subject on the page, whatever its length."""

from portal.camps.tasks import camp_titles
from portal.groups.tasks import group_names
from portal.groups.tasks import plan_names
from portal.i18n import gettext as _
from portal.training.tasks import programme_titles

#: Subject kind → the names of those objects by id (the kinds the services pass to notify).
NAMERS = {
    "camp": camp_titles,
    "plan": plan_names,
    "programme": programme_titles,
    "group": group_names,
    "account": lambda ids: dict.fromkeys(ids, _("Your account")),
}


def subject_names(notifications) -> dict[tuple[str, int], str]:
    """(kind, id) → the subject's name, for notifications that name one that still exists."""
    wanted: dict[str, set[int]] = {}
    for notification in notifications:
        if notification.subject_kind in NAMERS and notification.subject_id is not None:
            wanted.setdefault(notification.subject_kind, set()).add(notification.subject_id)
    names = {}
    for kind, ids in wanted.items():
        for subject_id, name in NAMERS[kind](sorted(ids)).items():
            names[(kind, subject_id)] = name
    return names
