"""Guardian consent for applicants under 18 (by the age fixed when the application was sent).

Recording a consent promotes nobody: a minor waiting for a place gets one only when a place
is freed, in their turn. A consent withdrawn after the minor took a place leaves the place
with them (the family may agree again) but flags the application on every organiser page,
keeps them from being checked in until a consent is recorded again, and tells the camp's
organisers at once.
"""

from portal.audit import audit_event
from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.camps.services.camps import camp_organisers
from portal.camps.services.history import CampError
from portal.camps.services.history import tell
from portal.extensions import utcnow
from portal.i18n import lazy_gettext as _l
from portal.links import local_path
from portal.notify import Subject
from portal.notify import notify


def record_guardian_consent(
    application: Application, method: ConsentMethod, *, by, note: str = "", file=None
) -> GuardianConsent:
    if not application.is_minor:
        raise CampError(_l("Guardian consent is only needed for applicants under 18."))
    consent = GuardianConsent(method=method, note=note, recorded_by_id=by.id)
    if file is not None:
        consent.file_name, consent.file_type = file
    application.consents.append(consent)
    audit_event("consent.recorded", application, actor=by, method=method.value)
    return consent


def withdraw_guardian_consent(consent: GuardianConsent, *, by) -> None:
    """Mark a consent withdrawn; the camp's organisers (and a minor holding a place) hear."""
    if consent.withdrawn_at is not None:
        return
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = by.id
    application = consent.application
    audit_event("consent.withdrawn", application, actor=by)
    if application.active_consent is not None:
        return  # another consent is still on record
    link = local_path("camps_manage.application", application_id=application.id)
    for organiser in camp_organisers(application.camp):
        if organiser.id != by.id:
            notify(
                organiser,
                _l(
                    "A guardian's consent was withdrawn for an applicant to one of your camps. "
                    "They cannot be checked in until a consent is recorded again."
                ),
                link=link,
                about=Subject("camp", application.camp_id),
            )
    if application.status in SEAT_STATUSES:
        tell(
            application,
            _l(
                "Your parent's or guardian's consent for the camp was withdrawn. You cannot "
                "take part until they agree again: an organiser will contact them."
            ),
        )


def remind_missing_consent(application: Application, *, by) -> None:
    tell(
        application,
        _l(
            "Your camp place needs your parent's or guardian's consent. Please ask them to call us."
        ),
    )
    audit_event("consent.reminded", application, actor=by)
