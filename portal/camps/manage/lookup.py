"""What the organiser's pages look up by id, each checked against the camp policy."""

from flask import abort
from flask_login import current_user

from portal.camps import policy
from portal.camps.models import Application
from portal.camps.models import Camp
from portal.camps.models import CampQuestion
from portal.camps.models import GuardianConsent
from portal.extensions import db
from portal.security import require


def managed_camp(camp_id) -> Camp:
    """A camp the signed-in person may run (every status: organisers see drafts too)."""
    camp = db.get_or_404(Camp, camp_id)
    require(policy.can_manage_camp(current_user, camp), 403)
    return camp


def managed_question(camp_id, question_id) -> CampQuestion:
    question = db.get_or_404(CampQuestion, question_id)
    if question.camp_id != camp_id:
        abort(404)
    managed_camp(camp_id)
    return question


def managed_application(application_id) -> Application:
    """An application the organiser may see; a draft not yet sent answers 404."""
    application = db.get_or_404(Application, application_id)
    require(policy.can_review(current_user, application), 404)
    return application


def managed_consent(consent_id) -> GuardianConsent:
    consent = db.get_or_404(GuardianConsent, consent_id)
    managed_application(consent.application_id)
    return consent
