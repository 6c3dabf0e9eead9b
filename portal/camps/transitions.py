"""The status rules of camps and applications, in one place: which step may follow which, and
who may take it. The services check every change against these tables; policy's predicates
(and so the pages) are built on them, so a page never offers a step the service refuses."""

from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampStatus as C
from portal.camps.models import Who  # lives with the models: each history row keeps it

YOUTH, ORG, SYS = Who.APPLICANT, Who.ORGANISER, Who.SYSTEM

#: Camp status → the statuses organisers may move it to (in the order the page offers them).
CAMP_TRANSITIONS: dict[C, tuple[C, ...]] = {
    C.DRAFT: (C.PUBLISHED, C.CANCELLED),
    C.PUBLISHED: (C.CLOSED, C.CANCELLED),
    C.CLOSED: (C.PUBLISHED, C.CANCELLED),
    C.CANCELLED: (),
}

#: Application status → {next status: who may take that step}.
APPLICATION_TRANSITIONS: dict[S, dict[S, frozenset[Who]]] = {
    S.DRAFT: {S.SUBMITTED: frozenset({YOUTH}), S.WITHDRAWN: frozenset({YOUTH})},
    S.SUBMITTED: {
        S.ACCEPTED: frozenset({ORG}),
        S.WAITLISTED: frozenset({ORG}),
        S.REJECTED: frozenset({ORG}),
        S.WITHDRAWN: frozenset({YOUTH}),
    },
    S.WAITLISTED: {
        S.ACCEPTED: frozenset({ORG, SYS}),
        S.REJECTED: frozenset({ORG}),
        S.WITHDRAWN: frozenset({YOUTH}),
    },
    S.ACCEPTED: {
        S.CONFIRMED: frozenset({YOUTH}),
        S.DECLINED: frozenset({YOUTH, SYS}),
        S.WAITLISTED: frozenset({ORG}),
        S.REJECTED: frozenset({ORG}),
        S.WITHDRAWN: frozenset({YOUTH}),
    },
    S.CONFIRMED: {
        S.WITHDRAWN: frozenset({YOUTH}),
        S.ATTENDED: frozenset({ORG}),
        S.NO_SHOW: frozenset({ORG}),
    },
    S.ATTENDED: {S.NO_SHOW: frozenset({ORG})},
    S.NO_SHOW: {S.ATTENDED: frozenset({ORG})},
    S.REJECTED: {},
    S.DECLINED: {},
    #: Someone who withdrew may apply again while applications are open.
    S.WITHDRAWN: {S.DRAFT: frozenset({YOUTH})},
}

#: Statuses on the way to the camp: accepting, confirming and checking in a minor each need a
#: guardian's consent on record, so in these it is still awaited (afterwards it is moot).
HEADED_FOR_CAMP = (S.SUBMITTED, S.WAITLISTED, S.ACCEPTED, S.CONFIRMED)

#: The organiser's decisions on an application.
DECISIONS = (S.ACCEPTED, S.WAITLISTED, S.REJECTED)


def next_camp_statuses(status: C) -> tuple[C, ...]:
    return CAMP_TRANSITIONS[status]


def camp_may_move(status: C, target: C) -> bool:
    return target in CAMP_TRANSITIONS[status]


def camp_status_is_final(status: C) -> bool:
    """No step leads out of it, so moving there cannot be undone (the page asks first)."""
    return not CAMP_TRANSITIONS[status]


def application_may_move(status: S, target: S, who: Who) -> bool:
    return who in APPLICATION_TRANSITIONS[status].get(target, frozenset())


def next_application_statuses(status: S, who: Who) -> tuple[S, ...]:
    return tuple(
        target for target, takers in APPLICATION_TRANSITIONS[status].items() if who in takers
    )


def can_be_checked_in(status: S) -> bool:
    """A confirmed participant, or one whose attendance is already recorded (it may change)."""
    return any(application_may_move(status, day, Who.ORGANISER) for day in (S.ATTENDED, S.NO_SHOW))


def decisions_from(status: S) -> tuple[S, ...]:
    """The decisions an organiser may give an application in `status` (not its own status)."""
    return tuple(d for d in DECISIONS if application_may_move(status, d, Who.ORGANISER))
