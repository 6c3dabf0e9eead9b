"""The status rules of action plans, in one place: which steps each status allows, who may take
each and where it leads. The services check every step against this table; policy's predicates
(and so the plan page) are built on it, so a page never offers a step the service refuses."""

import enum

from portal.groups.models import PlanStatus as P


class Who(enum.Enum):
    """What a person is to a plan's group."""

    MEMBER = "member"
    #: The group's lead (also a member).
    LEAD = "lead"
    #: A mentor assigned to the group.
    MENTOR = "mentor"
    ORGANISER = "organiser"


class Step(enum.Enum):
    #: Save the sections as typed.
    SAVE = "save"
    #: Save and send for review: the plan is frozen as the next numbered version.
    SEND = "send"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    #: Write in the plan's discussion.
    COMMENT = "comment"
    PROGRESS = "progress"
    COMPLETE = "complete"
    ARCHIVE = "archive"


MEMBER, LEAD, MENTOR, ORG = Who.MEMBER, Who.LEAD, Who.MENTOR, Who.ORGANISER
TALK = frozenset({MEMBER, MENTOR})
_EDITING = {
    Step.SAVE: frozenset({MEMBER}),
    Step.SEND: frozenset({LEAD}),
    Step.COMMENT: TALK,
    Step.ARCHIVE: frozenset({ORG}),
}
_UNDER_WAY = {
    Step.PROGRESS: frozenset({MEMBER}),
    Step.COMPLETE: frozenset({LEAD}),
    Step.COMMENT: TALK,
    Step.ARCHIVE: frozenset({ORG}),
}

#: Plan status → {step: who may take it}. An archived plan takes no step at all.
STEPS: dict[P, dict[Step, frozenset[Who]]] = {
    P.DRAFT: _EDITING,
    P.SUBMITTED: {
        Step.APPROVE: frozenset({MENTOR}),
        Step.REQUEST_CHANGES: frozenset({MENTOR}),
        Step.COMMENT: TALK,
        Step.ARCHIVE: frozenset({ORG}),
    },
    P.CHANGES_REQUESTED: _EDITING,
    P.APPROVED: _UNDER_WAY,
    P.IN_PROGRESS: _UNDER_WAY,
    P.COMPLETED: {Step.COMMENT: TALK, Step.ARCHIVE: frozenset({ORG})},
    P.ARCHIVED: {},
}

#: Where each step takes the plan (None: it keeps its status).
LEADS_TO: dict[Step, P | None] = {
    Step.SAVE: None,
    Step.SEND: P.SUBMITTED,
    Step.APPROVE: P.APPROVED,
    Step.REQUEST_CHANGES: P.CHANGES_REQUESTED,
    Step.COMMENT: None,
    Step.PROGRESS: P.IN_PROGRESS,
    Step.COMPLETE: P.COMPLETED,
    Step.ARCHIVE: P.ARCHIVED,
}

#: The only step a switched-off group's plans still take (their pages stay readable).
WHILE_SWITCHED_OFF = frozenset({Step.ARCHIVE})


def takers(status: P, step: Step) -> frozenset[Who]:
    """Who may take `step` on a plan in `status` (nobody: the status does not allow it)."""
    return STEPS[status].get(step, frozenset())


def is_open(plan, step: Step) -> bool:
    """The plan takes `step` now, from someone: its status allows it, and its group is switched
    on (or the step is one organisers take on a switched-off group's plans)."""
    return bool(takers(plan.status, step)) and (plan.group.active or step in WHILE_SWITCHED_OFF)


def may_take(plan, step: Step, who: frozenset[Who]) -> bool:
    """Someone who is `who` to the plan's group may take `step` on it now."""
    return is_open(plan, step) and bool(takers(plan.status, step) & who)


def status_after(status: P, step: Step) -> P:
    return LEADS_TO[step] or status


def statuses_taking(step: Step) -> tuple[P, ...]:
    return tuple(status for status, steps in STEPS.items() if step in steps)


#: A plan the group may still edit.
EDITABLE = statuses_taking(Step.SAVE)
#: A plan the group reports progress on.
UNDER_WAY = statuses_taking(Step.PROGRESS)
#: A plan past its approval, whose page shows its progress.
PAST_APPROVAL = (P.APPROVED, P.IN_PROGRESS, P.COMPLETED)
