"""Human names of training statuses."""

from portal.i18n import lazy_gettext as _l
from portal.training.models import AttendanceStatus
from portal.training.models import CertificateState
from portal.training.models import DeliveryMode
from portal.training.models import EnrolmentStatus
from portal.training.models import Topic
from portal.web import status_badges

ENROLMENT_LABELS = {
    EnrolmentStatus.ACTIVE: _l("Learning"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
    EnrolmentStatus.DROPPED: _l("Left the programme"),
}
#: The colour of each status's badge (CSS .badge-<tone>), as for applications.
ENROLMENT_TONES = {
    EnrolmentStatus.ACTIVE: "info",
    EnrolmentStatus.COMPLETED: "ok",
    EnrolmentStatus.DROPPED: "neutral",
}
#: An enrolment's status as a badge (made once per language and status).
ENROLMENT_BADGE = status_badges(ENROLMENT_LABELS, ENROLMENT_TONES)
MARK_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.EXCUSED: _l("Excused"),
    AttendanceStatus.ABSENT: _l("Absent"),
}
DELIVERY_LABELS = {
    DeliveryMode.IN_PERSON: _l("In person"),
    DeliveryMode.ONLINE: _l("Online"),
    DeliveryMode.MESSAGING: _l("Course in a messaging app"),
}
TOPIC_LABELS = {
    Topic.DEMOCRACY: _l("Democracy"),
    Topic.TOLERANCE: _l("Tolerance"),
    Topic.DIVERSITY: _l("Respect for diversity"),
    Topic.ACTIVISM: _l("Activism"),
    Topic.CONFLICT_ANALYSIS: _l("Conflict analysis"),
    Topic.GENDER_SAFETY: _l("Gender and safety"),
    Topic.COMMUNICATION: _l("Communication"),
    Topic.OTHER: _l("Another topic"),
}
CERTIFICATE_LABELS = {
    CertificateState.VALID: _l("Valid"),
    CertificateState.FLAGGED: _l("Waiting for your decision"),
    CertificateState.KEPT: _l("Kept valid"),
    CertificateState.REVOKED: _l("Revoked"),
}
