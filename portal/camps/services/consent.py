"""Guardian consent for applicants under 18."""

from flask_babel import lazy_gettext as _l

from portal.audit import audit_event
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.camps.services.history import CampError
from portal.camps.services.history import tell
from portal.camps.services.waitlist import promote_from_waitlist
from portal.extensions import utcnow


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
    if application.status is S.WAITLISTED:
        promote_from_waitlist(application.camp)
    return consent


def withdraw_guardian_consent(consent: GuardianConsent, *, by) -> None:
    if consent.withdrawn_at is not None:
        return
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = by.id
    audit_event("consent.withdrawn", consent.application, actor=by)


def remind_missing_consent(application: Application, *, by) -> None:
    tell(
        application,
        _l(
            "Your camp place needs your parent's or guardian's consent. Please ask them to call us."
        ),
    )
    audit_event("consent.reminded", application, actor=by)
