"""Organisers record, withdraw and look at guardians' consent, and remind applicants."""

import io
from pathlib import PurePath

from flask import abort
from flask import flash
from flask import redirect
from flask import send_file
from flask_login import current_user

from portal.audit import audit_event
from portal.camps import services
from portal.camps.forms.consent import GuardianConsentForm
from portal.camps.manage import bp
from portal.camps.manage.applications import application_page
from portal.camps.manage.applications import application_url
from portal.camps.manage.lookup import managed_application
from portal.camps.manage.lookup import managed_consent
from portal.camps.models import ConsentMethod
from portal.errors import shows_its_form_when_too_large
from portal.extensions import db
from portal.forms import ActionForm
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.security import organisers_only
from portal.storage import StorageError
from portal.uploads import read_upload
from portal.uploads import store_upload

SCAN_NOT_STORED = _l(
    "The scan could not be saved: the portal's file store is full or not answering. Nothing "
    "was recorded. Attach the file again and send the form once more."
)


@bp.post("/applications/<int:application_id>/consent")
@organisers_only
def record_consent(application_id):
    """Record a guardian's consent: a scanned paper form or a phone call."""
    application = managed_application(application_id)
    form = GuardianConsentForm()
    if not form.validate_on_submit():
        return application_page(application, 400, consent_form=form)
    scan = form.checked_scan
    try:
        with db.session.begin_nested():
            services.record_guardian_consent(
                application, ConsentMethod(form.method.data), by=current_user,
                note=form.note.data or "", file=(scan.name, scan.mime) if scan else None,
            )  # fmt: skip
            # Written only once the consent is accepted; gone again if the commit fails.
            if scan:
                store_upload(scan)
    except services.CampError as error:
        form.method.errors.append(str(error))
        return application_page(application, 400, consent_form=form)
    except StorageError:  # a full disk or a store not answering: nothing is recorded
        form.scan.errors.append(SCAN_NOT_STORED)
        return application_page(application, 503, consent_form=form)
    flash(_("The guardian's consent is recorded."), "success")
    return redirect(application_url(application))


@shows_its_form_when_too_large("camps_manage.record_consent")
@organisers_only
def consent_scan_too_large(application_id):
    """The application page again, the consent form saying the file is too large."""
    application = managed_application(application_id)
    form = GuardianConsentForm(formdata=None)
    form.refuse_unread_scan()
    # No form here may read the body: it is over the limit.
    return application_page(
        application, 413, consent_form=form, action_form=ActionForm(formdata=None)
    )


@bp.post("/consents/<int:consent_id>/withdraw")
@organisers_only
def withdraw_consent(consent_id):
    """Mark a guardian's consent as withdrawn."""
    consent = managed_consent(consent_id)
    services.withdraw_guardian_consent(consent, by=current_user)
    flash(_("The consent is marked as withdrawn."), "success")
    return redirect(application_url(consent.application))


@bp.get("/consents/<int:consent_id>/scan")
@organisers_only
def consent_scan(consent_id):
    """The scanned consent form, for organisers only."""
    consent = managed_consent(consent_id)
    data = read_upload(consent.file_name) if consent.file_name else None
    if data is None:
        abort(404)
    audit_event("consent.scan_viewed", consent.application)
    # Downloaded, never shown in the portal's own origin: a file is only as safe as its reader.
    extension = PurePath(consent.file_name).suffix
    response = send_file(
        io.BytesIO(data), mimetype=consent.file_type, max_age=0, as_attachment=True,
        download_name=f"consent-{consent.id}{extension}",
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/applications/<int:application_id>/remind-consent")
@organisers_only
def remind_consent(application_id):
    """Tell the applicant that their guardian's consent is still missing."""
    application = managed_application(application_id)
    services.remind_missing_consent(application, by=current_user)
    flash(_("The applicant is reminded."), "success")
    return redirect(application_url(application))
