"""Every change to groups and action plans: checks the step, keeps history, audits, notifies.

Membership, invitations and the lead role live in portal.groups.members."""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit import audit_event
from portal.errors import PortalError
from portal.extensions import db
from portal.extensions import utcnow
from portal.groups.models import EDITABLE
from portal.groups.models import UNDER_WAY
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
from portal.links import external_url
from portal.links import local_path
from portal.notify import notify
from portal.notify import queue_email
from portal.security import Role

#: Approved plans without a progress update for this long get a reminder.
PROGRESS_DUE = timedelta(days=30)


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
           link=local_path("groups.group", group_id=group.id))  # fmt: skip


def remove_mentor(group: YouthGroup, mentor_id: int, *, by) -> None:
    link = db.session.get(GroupMentor, (group.id, mentor_id))
    if link is None:
        return
    group.mentor_links.remove(link)
    audit_event("group.mentor_removed", group, actor=by, mentor=mentor_id)


def set_group_active(group: YouthGroup, active: bool, *, by) -> None:
    group.active = active
    audit_event("group.activated" if active else "group.deactivated", group, actor=by)


# --- plans ------------------------------------------------------------------------------------


def start_plan(group: YouthGroup, *, by) -> ActionPlan:
    plan = ActionPlan(group=group, status=PlanStatus.DRAFT, updated_by_id=by.id)
    db.session.add(plan)
    db.session.flush()
    return plan


def save_draft(plan: ActionPlan, *, by, activities: list[dict], **sections) -> None:
    """Store the sections and activity rows a member typed; keeps who changed it and when."""
    if plan.status not in EDITABLE:
        raise GroupError(_l("A plan under review cannot be changed."))
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


def submit(plan: ActionPlan, *, by) -> PlanVersion:
    """Freeze the plan as the next numbered version and tell the mentors."""
    if plan.group.lead_id != by.id:
        raise GroupError(_l("Only the group's lead can send the plan for review."))
    if plan.status not in EDITABLE:
        raise GroupError(_l("This plan is already with the mentors."))
    if missing_sections(plan):
        raise GroupError(_l("Fill in every required section before sending the plan."))
    version = PlanVersion(number=len(plan.versions) + 1, content=snapshot(plan),
                          submitted_by_id=by.id)  # fmt: skip
    plan.versions.append(version)
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = utcnow()
    audit_event("plan.submitted", plan, actor=by, version=version.number)
    _tell_mentors(plan, _l("A youth group sent an action plan for your review."))
    return version


def review(plan: ActionPlan, *, mentor, scores, section_comments, overall_comment, decision):
    """A mentor's review of the latest version; approves or asks for changes."""
    if plan.status is not PlanStatus.SUBMITTED:
        raise GroupError(_l("This plan is not waiting for a review."))
    decision = Decision(decision)
    result = PlanReview(
        version=plan.latest_version, mentor_id=mentor.id, scores=scores,
        section_comments={k: v for k, v in section_comments.items() if v},
        overall_comment=overall_comment, decision=decision,
    )  # fmt: skip
    db.session.add(result)
    plan.status = (
        PlanStatus.APPROVED if decision is Decision.APPROVE else PlanStatus.CHANGES_REQUESTED
    )
    audit_event("plan.reviewed", plan, actor=mentor, decision=decision.value)
    message = (
        _l("Your action plan is approved! Post progress updates as you carry it out.")
        if decision is Decision.APPROVE
        else _l("Your mentor reviewed your action plan and asks for some changes.")
    )
    _tell_members(plan, message)
    return result


def add_comment(plan: ActionPlan, *, author, body: str) -> PlanComment:
    comment = PlanComment(plan_id=plan.id, author_id=author.id, body=body)
    db.session.add(comment)
    people = {p.id: p for p in [*plan.group.members, *plan.group.mentors]}
    people.pop(author.id, None)
    for person in people.values():
        notify(person, _l("New message in the discussion of an action plan."),
               link=local_path("groups.plan", plan_id=plan.id))  # fmt: skip
    return comment


def post_progress(plan: ActionPlan, *, by, percent: int, what_happened: str, statuses: dict):
    if plan.status not in UNDER_WAY:
        raise GroupError(_l("Progress can be posted only for an approved plan."))
    update = ProgressUpdate(
        plan_id=plan.id, author_id=by.id, percent_complete=percent,
        what_happened=what_happened, activity_statuses=statuses,
    )  # fmt: skip
    db.session.add(update)
    plan.status = PlanStatus.IN_PROGRESS
    plan.last_progress_at = utcnow()
    return update


def complete(plan: ActionPlan, *, by) -> None:
    if plan.group.lead_id != by.id:
        raise GroupError(_l("Only the group's lead can mark the plan as carried out."))
    if plan.status not in UNDER_WAY:
        raise GroupError(_l("Only an approved plan can be marked as carried out."))
    plan.status = PlanStatus.COMPLETED
    audit_event("plan.completed", plan, actor=by)
    _tell_mentors(plan, _l("A youth group carried out its action plan."))


def archive(plan: ActionPlan, *, by) -> None:
    if plan.status is PlanStatus.ARCHIVED:
        return
    plan.status = PlanStatus.ARCHIVED
    audit_event("plan.archived", plan, actor=by)


def remind_overdue_progress(now=None) -> int:
    """Remind groups whose approved plan has had no progress update for PROGRESS_DUE."""
    now = now or utcnow()
    plans = db.session.scalars(
        sa.select(ActionPlan).where(
            ActionPlan.status.in_(UNDER_WAY),
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
    notify(person, message, link=local_path("groups.plan", plan_id=plan.id))
    queue_email(
        person, _l("News about an action plan"), "plan_news", message=message, plan=plan,
        link=external_url("groups.plan", plan_id=plan.id),
    )  # fmt: skip
