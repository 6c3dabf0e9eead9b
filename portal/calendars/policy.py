"""What goes into a calendar feed, and which camps have a public one (pure predicates)."""

from portal.camps.models import ApplicationStatus
from portal.camps.models import CampStatus
from portal.training.models import EnrolmentStatus

#: A person's feed holds the camps they have a place at (or had: they went).
CAMP_STATUSES = (
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.CONFIRMED,
    ApplicationStatus.ATTENDED,
)
#: ... and the sessions of the programmes they learn in or completed (not those they left).
ENROLMENT_STATUSES = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)
#: Camps with a public page have a public feed; drafts and cancelled camps have neither.
PUBLIC_CAMP_STATUSES = (CampStatus.PUBLISHED, CampStatus.CLOSED)


def has_public_feed(camp) -> bool:
    return camp.status in PUBLIC_CAMP_STATUSES


def is_place_confirmed(application) -> bool:
    """An accepted place still waits for the person's confirmation (a tentative entry)."""
    return application.status is not ApplicationStatus.ACCEPTED
