"""Organisers record, withdraw and look at guardians' consent, and remind applicants."""

from flask import abort
from flask import flash
from flask import redirect
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit import audit_event
from portal.camps import services
from portal.camps.forms.consent import GuardianConsentForm
from portal.camps.manage import bp
from portal.camps.manage.applications import application_page
from portal.camps.manage.lookup import managed_application
from portal.camps.manage.lookup import managed_consent
from portal.camps.models import ConsentMethod
from portal.extensions import db
from portal.security import organisers_only
from portal.uploads import remove_on_rollback
from portal.uploads import store_upload
from portal.uploads import upload_path


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
    except services.CampError as error:
        form.method.errors.append(str(error))
        return application_page(application, 400, consent_form=form)
    # Written only now that the consent is accepted, and removed if the request's commit fails.
    if scan:
        store_upload(scan)
        remove_on_rollback(scan.name)
    flash(_("The guardian's consent is recorded."), "success")
    return redirect(url_for(".application", application_id=application.id))


@bp.post("/consents/<int:consent_id>/withdraw")
@organisers_only
def withdraw_consent(consent_id):
    """Mark a guardian's consent as withdrawn."""
    consent = managed_consent(consent_id)
    services.withdraw_guardian_consent(consent, by=current_user)
    flash(_("The consent is marked as withdrawn."), "success")
    return redirect(url_for(".application", application_id=consent.application_id))


@bp.get("/consents/<int:consent_id>/scan")
@organisers_only
def consent_scan(consent_id):
    """The scanned consent form, for organisers only."""
    consent = managed_consent(consent_id)
    if not consent.file_name:
        abort(404)
    try:
        path = upload_path(consent.file_name)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    audit_event("consent.scan_viewed", consent.application)
    # Downloaded, never shown in the portal's own origin: a file is only as safe as its reader.
    extension = path.suffix or ""
    response = send_file(
        path, mimetype=consent.file_type, max_age=0, as_attachment=True,
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
    return redirect(url_for(".application", application_id=application.id))
