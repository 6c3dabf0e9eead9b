"""Guardian consent for minors: recorded by phone or scanned form, checked, served safely."""

import io

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.uploads import MAX_UPLOAD_BYTES
from tests.factories import ApplicationFactory
from tests.factories import GuardianConsentFactory
from tests.factories import minor
from tests.helpers import error_summary

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(client, application, content, name="consent.pdf", **extra):
    data = {"method": "paper_form", "scan": (io.BytesIO(content), name), **extra}
    return client.post(
        f"/manage/applications/{application.id}/consent?lang=en",
        data=data,
        content_type="multipart/form-data",
    )


def test_phone_consent_is_recorded_with_who_and_when(client, login_as, db):
    organiser = login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    response = client.post(
        f"/manage/applications/{application.id}/consent",
        data={"method": "phone_call", "note": "Called the mother at 18:00."},
    )
    assert response.status_code == 302
    consent = db.session.scalar(sa.select(GuardianConsent))
    assert (consent.method, consent.recorded_by_id) == (ConsentMethod.PHONE_CALL, organiser.id)
    assert consent.recorded_at is not None and consent.file_name is None
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "consent.recorded")
    )


def test_scanned_form_is_stored_with_a_random_name_and_served_to_organisers_only(
    client, login_as, app, db, upload_folder
):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    assert upload(client, application, PDF, name="../../etc/passwd.pdf").status_code == 302
    consent = db.session.scalar(sa.select(GuardianConsent))
    assert consent.file_type == "application/pdf"
    assert consent.file_name.endswith(".pdf") and "passwd" not in consent.file_name
    assert len(consent.file_name) == 36
    scan = client.get(f"/manage/consents/{consent.id}/scan")
    assert scan.status_code == 200 and scan.data == PDF
    assert scan.headers["Cache-Control"] == "no-store"

    youth = app.test_client()
    with youth.session_transaction() as session:
        session["_user_id"] = application.applicant.get_id()
    assert youth.get(f"/manage/consents/{consent.id}/scan").status_code == 403


def test_png_is_accepted_by_its_content(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    assert upload(client, application, PNG, name="photo.jpeg").status_code == 302
    assert db.session.scalar(sa.select(GuardianConsent.file_type)) == "image/png"


def test_wrong_type_is_refused_whatever_the_name(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    response = upload(client, application, b"MZ\x90\x00 not really a pdf", name="form.pdf")
    assert response.status_code == 400
    assert error_summary(response.text) == ["Send a PDF, JPEG or PNG file."]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianConsent)) == 0


def test_file_over_five_megabytes_is_refused(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    response = upload(client, application, PDF + b"0" * MAX_UPLOAD_BYTES)
    assert response.status_code == 400
    assert "larger than 5 MB" in error_summary(response.text)[0]


def test_paper_form_needs_the_scan(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    response = client.post(
        f"/manage/applications/{application.id}/consent?lang=en", data={"method": "paper_form"}
    )
    assert error_summary(response.text) == ["Attach the scan or photo of the signed form."]


def test_adults_need_no_guardian_consent(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory()
    response = client.post(
        f"/manage/applications/{application.id}/consent?lang=en", data={"method": "phone_call"}
    )
    assert response.status_code == 400


def test_withdrawn_consent_blocks_acceptance_again(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    consent = GuardianConsentFactory(application=application)
    client.post(f"/manage/consents/{consent.id}/withdraw")
    db.session.expire_all()
    assert application.active_consent is None
    client.post(f"/manage/applications/{application.id}/decide", data={"decision": "accepted"})
    db.session.refresh(application)
    assert application.status is S.SUBMITTED
    GuardianConsentFactory(application=application)
    client.post(f"/manage/applications/{application.id}/decide", data={"decision": "accepted"})
    db.session.refresh(application)
    assert application.status is S.ACCEPTED


def test_reminder_about_missing_consent_reaches_the_applicant(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor(locale="ru"))
    client.post(f"/manage/applications/{application.id}/remind-consent")
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "consent.reminded")
    )
