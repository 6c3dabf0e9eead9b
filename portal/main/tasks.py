"""The home's task lists ("what happens next"), one section per role of the person, composed
from each domain's own tasks module (portal/camps/tasks.py, training/tasks.py,
groups/tasks.py). Each list is bounded and the whole home costs a fixed number of queries."""

from typing import Any

from portal.accounts.queries import pending_erasures_count
from portal.camps import tasks as camp_tasks
from portal.groups import tasks as group_tasks
from portal.i18n import local_now
from portal.security import Role
from portal.training import policy as training_policy
from portal.training import tasks as training_tasks

#: How many rows each list shows before its "see all" link.
SHOWN = 5


class Section(dict):
    """One role's part of the home: named lists (the template leaves out the empty ones), and
    false when nothing at all waits (the template then says what to do first)."""

    def __bool__(self) -> bool:
        return any(bool(value) for value in self.values())


def youth_section(user) -> Section:
    camps = camp_tasks.youth_tasks(user, limit=SHOWN)
    training = training_tasks.youth_tasks(user, local_now(), limit=SHOWN)
    feedback, more_feedback = group_tasks.plan_feedback(user, limit=SHOWN)
    return Section(
        {
            "drafts": camps.drafts,
            "offers": camps.offers,
            "consents": camps.consents,
            "next_session": training.next_session,
            "gaps": training.gaps,
            "feedback": feedback,
            "more_feedback": more_feedback,
        }
    )


def mentor_section(user) -> Section:
    waiting, waiting_total = group_tasks.waiting_for_me(user, limit=SHOWN)
    threads, more_threads = group_tasks.unread_threads(user, limit=SHOWN)
    sessions, more_sessions = training_tasks.sessions_to_mark(user, local_now(), limit=SHOWN)
    return Section(
        {
            "waiting": waiting,
            "waiting_total": waiting_total,
            "threads": threads,
            "more_threads": more_threads,
            "sessions": sessions,
            "more_sessions": more_sessions,
        }
    )


def organiser_section(user) -> Section:
    camps = camp_tasks.organiser_tasks(limit=SHOWN)
    plans, plans_total = group_tasks.waiting_for_a_mentor(limit=SHOWN)
    lists: dict[str, Any] = {
        "to_review": camps.to_review,
        "without_consent": camps.without_consent,
        "offers_expiring": camps.offers_expiring,
        "starting_soon": camps.starting_soon,
        "plans": plans,
        "plans_total": plans_total,
    }
    if not user.has_role(Role.MENTOR) and training_policy.can_lead_sessions(user):
        # Organisers lead sessions too; a mentor sees them in the mentor's section.
        sessions, more = training_tasks.sessions_to_mark(user, local_now(), limit=SHOWN)
        lists.update(sessions=sessions, more_sessions=more)
    if user.has_role(Role.ADMIN):
        lists["erasures"] = pending_erasures_count()
    return Section(lists)


def home_sections(user) -> dict[str, Section]:
    """role name → its section, for each role the person holds."""
    sections = {}
    if user.has_role(Role.YOUTH):
        sections["youth"] = youth_section(user)
    if user.has_role(Role.MENTOR):
        sections["mentor"] = mentor_section(user)
    if user.has_role(Role.ORGANISER):
        sections["organiser"] = organiser_section(user)
    return sections
