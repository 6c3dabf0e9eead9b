"""The paper form's steps in one table, and who may take them (pure predicates).

The services check every change against PAPER_TRANSITIONS and the pages ask the predicates
below, so a page never offers a step the service refuses."""

from portal.camps.paper.models import PaperStatus as P
from portal.camps.policy import can_manage_camp

#: Paper form status → the statuses it may move to.
PAPER_TRANSITIONS: dict[P, tuple[P, ...]] = {
    P.PRINTED: (P.ENTERED,),
    P.ENTERED: (P.CLAIMED,),
    P.CLAIMED: (),
}

#: Statuses in which the form has become an application.
WITH_APPLICATION = (P.ENTERED, P.CLAIMED)

#: How many blank forms one print may ask for.
MAX_PRINT = 200


def paper_may_move(status: P, target: P) -> bool:
    return target in PAPER_TRANSITIONS[status]


def can_manage_paper(user, camp) -> bool:
    """Print a camp's paper forms and type them in: whoever runs the camp."""
    return can_manage_camp(user, camp)


def can_enter(paper) -> bool:
    """A printed form not typed in yet."""
    return paper_may_move(paper.status, P.ENTERED)


def can_claim(paper) -> bool:
    """A typed-in form the young person has not taken over yet."""
    return paper_may_move(paper.status, P.CLAIMED)
