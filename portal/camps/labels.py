"""Human names of statuses, for pages, exports and e-mails."""

from markupsafe import Markup
from markupsafe import escape

from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampStatus
from portal.camps.models import ConsentMethod
from portal.camps.paper.models import PaperStatus
from portal.i18n import lazy_gettext as _l
from portal.web import badge
from portal.web import status_badges

STATUS_LABELS = {
    S.DRAFT: _l("Draft"),
    S.SUBMITTED: _l("Sent"),
    S.ACCEPTED: _l("Accepted, waiting for confirmation"),
    S.WAITLISTED: _l("On the waiting list"),
    S.REJECTED: _l("Not accepted"),
    S.CONFIRMED: _l("Confirmed"),
    S.DECLINED: _l("Declined"),
    S.WITHDRAWN: _l("Withdrawn"),
    S.ATTENDED: _l("Attended"),
    S.NO_SHOW: _l("Did not come"),
}
CAMP_STATUS_LABELS = {
    CampStatus.DRAFT: _l("Draft"),
    CampStatus.PUBLISHED: _l("Published"),
    CampStatus.CLOSED: _l("Closed"),
    CampStatus.CANCELLED: _l("Cancelled"),
}
#: The colour of each status's badge (CSS .badge-<tone>): green done, amber waiting for the
#: person, blue waiting for the organisers, red a problem, grey over.
STATUS_TONES = {
    S.DRAFT: "neutral",
    S.SUBMITTED: "info",
    S.ACCEPTED: "warn",
    S.WAITLISTED: "info",
    S.REJECTED: "neutral",
    S.CONFIRMED: "ok",
    S.DECLINED: "neutral",
    S.WITHDRAWN: "neutral",
    S.ATTENDED: "ok",
    S.NO_SHOW: "alert",
}
CAMP_STATUS_TONES = {
    CampStatus.DRAFT: "neutral",
    CampStatus.PUBLISHED: "ok",
    CampStatus.CLOSED: "info",
    CampStatus.CANCELLED: "alert",
}
#: An application's and a camp's status as a badge (made once per language and status).
STATUS_BADGE = status_badges(STATUS_LABELS, STATUS_TONES)
CAMP_STATUS_BADGE = status_badges(CAMP_STATUS_LABELS, CAMP_STATUS_TONES)
CONSENT_METHOD_LABELS = {
    ConsentMethod.PAPER_FORM: _l("Signed paper form"),
    ConsentMethod.PHONE_CALL: _l("Phone call"),
}


def spoken_languages(codes) -> str:
    """The languages an applicant speaks, named in the reader's language ("Kyrgyz, Russian")."""
    from portal.camps.forms import spoken_language_choices

    names = dict(spoken_language_choices())
    return ", ".join(str(names.get(code, code)) for code in codes)


def consent_label(application):
    """The guardian consent of an application as the lists name it (minors only need one)."""
    if not application.is_minor:
        return _l("Not needed")
    if application.active_consent:
        return _l("Recorded")
    return _l("Withdrawn") if application.consent_withdrawn else _l("Missing")


def consent_badge(application, quiet: bool = False) -> Markup:
    """The flag an organiser must see at once on the list, the application and the check-in
    sheet: a minor's guardian consent missing or withdrawn (`quiet`: nothing when all is well).
    A function, not a macro: the list draws one per row."""
    if not application.is_minor:
        return Markup("") if quiet else escape(_l("Not needed"))
    if application.active_consent:
        return Markup("") if quiet else badge(_l("Recorded"), "ok")
    if application.consent_withdrawn:
        return alert_badge(_l("Guardian consent withdrawn"))
    return alert_badge(_l("Guardian consent missing"))


def photo_badge(application) -> Markup:
    """ "No photos" when the person has not agreed to be photographed."""
    if application.photo_consent_at:
        return Markup("")
    return Markup(f'<strong class="badge badge-warn">{escape(_l("No photos"))}</strong>')  # nosec B704: escaped


def alert_badge(label) -> Markup:
    return Markup(f'<strong class="badge badge-alert">{escape(label)}</strong>')  # nosec B704: escaped


#: A paper application form's status, as the organisers' paper page names it.
PAPER_STATUS_LABELS = {
    PaperStatus.PRINTED: _l("Printed, not typed in yet"),
    PaperStatus.ENTERED: _l("Typed in, not claimed yet"),
    PaperStatus.CLAIMED: _l("Claimed by the young person"),
}
