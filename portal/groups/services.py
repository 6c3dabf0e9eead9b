"""Every change to groups and action plans: checks the step, keeps history, audits, notifies.

Membership, invitations and the lead role live in portal.groups.members."""

from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from portal.audit import audit_event
from portal.database import lock_again
from portal.errors import PortalError
from portal.extensions import db
from portal.extensions import utcnow
from portal.groups import policy
from portal.groups import transitions
from portal.groups.models import ActionPlan
from portal.groups.models import Decision
from portal.groups.models import GroupMentor
from portal.groups.models import JoinedVia
from portal.groups.models import Membership
from portal.groups.models import PlanActivity
from portal.groups.models import PlanComment
from portal.groups.models import PlanReview
from portal.groups.models import PlanStatus
from portal.groups.models import PlanVersion
from portal.groups.models import ProgressUpdate
from portal.groups.models import YouthGroup
from portal.groups.transitions import Step
from portal.i18n import lazy_gettext as _l
from portal.links import external_url
from portal.links import local_path
from portal.notify import Subject
from portal.notify import notify
from portal.notify import queue_email
from portal.security import Role

#: Approved plans without a progress update for this long get a reminder.
PROGRESS_DUE = timedelta(days=30)
#: What each member and mentor hears of a new message in a plan's discussion (the homes find
#: unread threads by this key: portal/groups/tasks.py).
NEW_MESSAGE = _l("New message in the discussion of an action plan.")
#: What a mentor's review tells the group (the homes show unread feedback by these keys).
APPROVED = _l("Your action plan is approved! Post progress updates as you carry it out.")
CHANGES_ASKED = _l("Your mentor reviewed your action plan and asks for some changes.")


class GroupError(PortalError):
    """A step the rules do not allow; the message is translated for the person."""


def membership(group, user) -> Membership | None:
    return db.session.get(Membership, (group.id, user.id))


def is_member(group, user) -> bool:
    found = membership(group, user)
    return found is not None and found.left_at is None


# --- groups -----------------------------------------------------------------------------------


def create_group(*, lead, **fields) -> YouthGroup:
    group = YouthGroup(lead_id=lead.id, **fields)
    group.memberships.append(Membership(user_id=lead.id, joined_via=JoinedVia.CREATED))
    db.session.add(group)
    audit_event("group.created", group, actor=lead)
    return group


def assign_mentor(group: YouthGroup, mentor, *, by) -> None:
    if not mentor.has_role(Role.MENTOR):
        raise GroupError(_l("Only mentors can be assigned to groups."))
    if db.session.get(GroupMentor, (group.id, mentor.id)):
        return
    group.mentor_links.append(GroupMentor(mentor_id=mentor.id))
    audit_event("group.mentor_assigned", group, actor=by, mentor=mentor.id)
    notify(mentor, _l("You are now the mentor of a youth group."),
           link=local_path("groups.group", group_id=group.id),
           about=Subject("group", group.id))  # fmt: skip


def remove_mentor(group: YouthGroup, mentor_id: int, *, by) -> None:
    link = db.session.get(GroupMentor, (group.id, mentor_id))
    if link is None:
        return
    group.mentor_links.remove(link)
    audit_event("group.mentor_removed", group, actor=by, mentor=mentor_id)


def set_group_active(group: YouthGroup, active: bool, *, by) -> None:
    """Switch the group on or off; asking for the state it is in already changes nothing."""
    if group.active == active:
        return
    group.active = active
    audit_event("group.activated" if active else "group.deactivated", group, actor=by)


# --- plans ------------------------------------------------------------------------------------

SWITCHED_OFF = _l("This group is switched off: its plans can be read, but nothing can be added or "
                  "changed.")  # fmt: skip
ARCHIVED = _l("This plan is archived: it can be read, but nothing can be added or changed.")
#: Why a step is refused when the plan's status does not allow it.
NOT_NOW = {
    Step.SAVE: _l("Only a draft, or a plan the mentor sent back, can be changed."),
    Step.SEND: _l("Only a draft, or a plan the mentor sent back, can be sent for review."),
    Step.APPROVE: _l("This plan is not waiting for a review."),
    Step.REQUEST_CHANGES: _l("This plan is not waiting for a review."),
    Step.COMMENT: ARCHIVED,
    Step.PROGRESS: _l("Progress can be posted only for an approved plan."),
    Step.COMPLETE: _l("Only an approved plan can be marked as carried out."),
    Step.ARCHIVE: ARCHIVED,
}
#: Why a step is refused when the status allows it, but not from this person.
NOT_YOURS = {
    Step.SAVE: _l("Only the group's members can change its plan."),
    Step.SEND: _l("Only the group's lead can send the plan for review."),
    Step.APPROVE: _l("Only the group's mentors can review its plan."),
    Step.REQUEST_CHANGES: _l("Only the group's mentors can review its plan."),
    Step.COMMENT: _l("Only the group's members and mentors can write in the discussion."),
    Step.PROGRESS: _l("Only the group's members can post progress."),
    Step.COMPLETE: _l("Only the group's lead can mark the plan as carried out."),
    Step.ARCHIVE: _l("Only organisers can archive a plan."),
}


def lock_plan(plan: ActionPlan) -> ActionPlan:
    """Lock the plan until commit and read it again: two clicks at once take turns and the
    second sees what the first did (one version per send; PostgreSQL, SQLite queues writers)."""
    return lock_again(plan, expire=("versions",))


def check_step(plan: ActionPlan, step: Step, by) -> None:
    """Refuse, saying why, a step the transition table does not give this person now (read
    under the plan's lock, so every step on a plan starts here)."""
    lock_plan(plan)
    if policy.can_take(by, plan, step):
        return
    if plan.status is PlanStatus.ARCHIVED:
        raise GroupError(ARCHIVED)
    if not plan.group.active and step not in transitions.WHILE_SWITCHED_OFF:
        raise GroupError(SWITCHED_OFF)
    if not transitions.takers(plan.status, step):
        raise GroupError(NOT_NOW[step])
    raise GroupError(NOT_YOURS[step])


def _move(plan: ActionPlan, step: Step) -> None:
    plan.status = transitions.status_after(plan.status, step)


def start_plan(group: YouthGroup, *, by) -> ActionPlan:
    if not group.active:
        raise GroupError(SWITCHED_OFF)
    if not policy.can_start_plan(by, group):
        raise GroupError(NOT_YOURS[Step.SAVE])
    plan = ActionPlan(group=group, status=PlanStatus.DRAFT, updated_by_id=by.id)
    db.session.add(plan)
    db.session.flush()
    return plan


def save_draft(plan: ActionPlan, *, by, activities: list[dict], **sections) -> None:
    """Store the sections and activity rows a member typed; keeps who changed it and when."""
    check_step(plan, Step.SAVE, by)
    for name, value in sections.items():
        setattr(plan, name, value)
    plan.activities = [
        PlanActivity(position=number, **row) for number, row in enumerate(activities, start=1)
    ]
    plan.updated_at = utcnow()
    plan.updated_by_id = by.id


def snapshot(plan: ActionPlan) -> dict:
    """The plan's sections as plain data, as a version freezes them."""
    return {
        "title": plan.title,
        "category": plan.category.value,
        "problem": plan.problem,
        "root_causes": plan.root_causes,
        "affected": plan.affected,
        "objectives": plan.objectives,
        "activities": [
            {
                "what": a.what, "who": a.who, "resources": a.resources,
                "starts_on": a.starts_on.isoformat() if a.starts_on else "",
                "ends_on": a.ends_on.isoformat() if a.ends_on else "",
            }
            for a in plan.activities
        ],
        "partners": sorted(plan.partners) + ([plan.partners_other] if plan.partners_other else []),
        "do_no_harm": {"risks": plan.risks, "tension_avoidance": plan.tension_avoidance},
        "indicators": plan.indicators,
        "budget": plan.budget_som,
    }  # fmt: skip


def missing_sections(plan: ActionPlan) -> list[str]:
    """Sections a plan needs before it can be sent for review."""
    needed = {
        "title": plan.title, "problem": plan.problem, "objectives": plan.objectives,
        "activities": [a for a in plan.activities if a.what], "do_no_harm": plan.risks,
        "indicators": plan.indicators,
    }  # fmt: skip
    return [name for name, value in needed.items() if not value]


def unchanged_since_sent(plan: ActionPlan) -> bool:
    """The plan reads exactly as the last version sent (the mentor would see no change)."""
    latest = plan.latest_version
    return latest is not None and latest.content == snapshot(plan)


def reads_as_latest_version(plan: ActionPlan, sections: dict, activities: list[dict]) -> bool:
    """What a form carries (as save_draft takes it) is exactly the plan's last version sent:
    a second click on "save and send" brings back what the first one sent."""
    typed = SimpleNamespace(**sections, activities=[SimpleNamespace(**row) for row in activities])
    latest = plan.latest_version
    return latest is not None and latest.content == snapshot(typed)  # type: ignore[arg-type]


def submit(plan: ActionPlan, *, by) -> PlanVersion:
    """Freeze the plan as the next numbered version and tell the mentors."""
    check_step(plan, Step.SEND, by)
    if missing_sections(plan):
        raise GroupError(_l("Fill in every required section before sending the plan."))
    latest = plan.latest_version
    if latest is not None and unchanged_since_sent(plan):
        raise GroupError(
            _l("Nothing has changed since version %(number)d was sent. Change the plan before "
               "sending it again.", number=latest.number)
        )  # fmt: skip
    version = PlanVersion(number=len(plan.versions) + 1, content=snapshot(plan),
                          submitted_by_id=by.id)  # fmt: skip
    plan.versions.append(version)
    _move(plan, Step.SEND)
    plan.submitted_at = utcnow()
    audit_event("plan.submitted", plan, actor=by, version=version.number)
    _tell_mentors(plan, _l("A youth group sent an action plan for your review."))
    return version


def review(plan: ActionPlan, *, mentor, scores, section_comments, overall_comment, decision):
    """A mentor's review of the latest version; approves or asks for changes."""
    decision = Decision(decision)
    step = Step.APPROVE if decision is Decision.APPROVE else Step.REQUEST_CHANGES
    check_step(plan, step, mentor)
    result = PlanReview(
        version=plan.latest_version, mentor_id=mentor.id, scores=scores,
        section_comments={k: v for k, v in section_comments.items() if v},
        overall_comment=overall_comment, decision=decision,
    )  # fmt: skip
    db.session.add(result)
    _move(plan, step)
    audit_event("plan.reviewed", plan, actor=mentor, decision=decision.value)
    message = APPROVED if decision is Decision.APPROVE else CHANGES_ASKED
    _tell_members(plan, message)
    return result


def add_comment(plan: ActionPlan, *, author, body: str) -> PlanComment:
    check_step(plan, Step.COMMENT, author)
    comment = PlanComment(plan_id=plan.id, author_id=author.id, body=body)
    db.session.add(comment)
    people = {p.id: p for p in [*plan.group.members, *plan.group.mentors]}
    people.pop(author.id, None)
    for person in people.values():
        notify(person, NEW_MESSAGE, link=local_path("groups.plan", plan_id=plan.id),
               about=Subject("plan", plan.id))  # fmt: skip
    return comment


def post_progress(plan: ActionPlan, *, by, percent: int, what_happened: str, statuses: dict):
    check_step(plan, Step.PROGRESS, by)
    update = ProgressUpdate(
        plan_id=plan.id, author_id=by.id, percent_complete=percent,
        what_happened=what_happened, activity_statuses=statuses,
    )  # fmt: skip
    db.session.add(update)
    _move(plan, Step.PROGRESS)
    plan.last_progress_at = utcnow()
    return update


def complete(plan: ActionPlan, *, by) -> None:
    check_step(plan, Step.COMPLETE, by)
    _move(plan, Step.COMPLETE)
    audit_event("plan.completed", plan, actor=by)
    _tell_mentors(plan, _l("A youth group carried out its action plan."))


def archive(plan: ActionPlan, *, by) -> None:
    check_step(plan, Step.ARCHIVE, by)
    _move(plan, Step.ARCHIVE)
    audit_event("plan.archived", plan, actor=by)


def remind_overdue_progress(now=None) -> int:
    """Remind groups whose approved plan has had no progress update for PROGRESS_DUE."""
    now = now or utcnow()
    plans = db.session.scalars(
        sa.select(ActionPlan).where(
            ActionPlan.status.in_(transitions.UNDER_WAY),
            # A switched-off group cannot post progress, so it is not asked to.
            ActionPlan.group_id.in_(sa.select(YouthGroup.id).where(YouthGroup.active)),
            sa.func.coalesce(ActionPlan.last_progress_at, ActionPlan.submitted_at)
            < now - PROGRESS_DUE,
        )
    ).all()
    for plan in plans:
        _tell_members(plan, _l("It is time to tell your mentor how your action plan is going."))
        plan.last_progress_at = now  # the next reminder comes after another PROGRESS_DUE
    return len(plans)


def _tell_members(plan, message) -> None:
    for person in plan.group.members:
        _tell(person, plan, message)


def _tell_mentors(plan, message) -> None:
    for mentor in plan.group.mentors:
        _tell(mentor, plan, message)


def _tell(person, plan, message) -> None:
    notify(person, message, link=local_path("groups.plan", plan_id=plan.id),
           about=Subject("plan", plan.id))  # fmt: skip
    queue_email(
        person, _l("News about an action plan"), "plan_news", message=message, plan=plan,
        link=external_url("groups.plan", plan_id=plan.id),
    )  # fmt: skip
