"""Guardian consent for minors: recorded by phone or scanned form, checked, served safely."""

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.uploads import MAX_UPLOAD_BYTES
from tests.factories import ApplicationFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.factories import minor
from tests.helpers import error_summary

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
MISMATCH = "The file's name does not match what is inside. Send the PDF, JPEG or PNG itself."
POLYGLOT = "The file holds more than a scan (a web page or a script). Scan the form again."


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
    # Downloaded, never shown inline in the portal's origin, and never sniffed as another type.
    assert scan.headers["Content-Disposition"] == f"attachment; filename=consent-{consent.id}.pdf"
    assert scan.headers["Content-Type"] == "application/pdf"
    assert scan.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in scan.headers["Content-Security-Policy"]

    youth = app.test_client()
    with youth.session_transaction() as session:
        session["_user_id"] = application.applicant.get_id()
    assert youth.get(f"/manage/consents/{consent.id}/scan").status_code == 403


def test_png_is_accepted_by_its_content(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    assert upload(client, application, PNG, name="photo.png").status_code == 302
    assert db.session.scalar(sa.select(GuardianConsent.file_type)) == "image/png"


def test_a_phone_photo_with_its_metadata_is_accepted(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    photo = JPEG + b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>' + b"\xff\xd9"
    assert upload(client, application, photo, name="IMG_2031.JPG").status_code == 302
    assert db.session.scalar(sa.select(GuardianConsent.file_type)) == "image/jpeg"


def test_a_file_named_for_another_type_is_refused(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    response = upload(client, application, PNG, name="photo.jpeg")
    assert response.status_code == 400
    assert error_summary(response.text) == [MISMATCH]
    assert upload(client, application, PDF, name="form.html").status_code == 400


@pytest.mark.parametrize(
    "content, name",
    [
        (PDF + b"<html><body>hello</body></html>", "form.pdf"),
        (b"%PDF-1.4\n<!DOCTYPE html><script>alert(1)</script>", "form.pdf"),
        (PDF + b"<< /S /JavaScript /JS (app.alert(1)) >>", "form.pdf"),
        (PNG + b"<script>alert(1)</script>", "photo.png"),
        (JPEG + b"\xff\xd9<SVG onload=alert(1)>", "photo.jpg"),
        (JPEG + b"\xff\xd9" + b"\x00" * 300_000 + b"<iframe src=x>", "photo.jpg"),
    ],
)
def test_a_file_that_is_two_formats_at_once_is_refused(client, login_as, db, content, name):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    response = upload(client, application, content, name=name)
    assert response.status_code == 400
    assert error_summary(response.text) == [POLYGLOT]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianConsent)) == 0


@pytest.mark.parametrize(
    "content, name, applicant",
    [
        (b"MZ\x90\x00 not really a pdf", "form.pdf", minor),
        (PDF + b"0" * MAX_UPLOAD_BYTES, "form.pdf", minor),
        (PDF + b"<html>", "form.pdf", minor),
        (PNG, "photo.jpg", minor),
        # The file itself is fine, but an adult needs no guardian consent: nothing is kept.
        (PDF, "form.pdf", UserFactory),
    ],
)
def test_a_refused_upload_leaves_no_file_on_disk(
    client, login_as, db, upload_folder, content, name, applicant
):
    login_as("organiser")
    application = ApplicationFactory(applicant=applicant())
    before = sorted(Path(upload_folder).iterdir())
    assert upload(client, application, content, name=name).status_code == 400
    assert sorted(Path(upload_folder).iterdir()) == before


def test_a_consent_that_cannot_be_saved_takes_its_file_away(
    client, login_as, db, upload_folder, monkeypatch
):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    before = sorted(Path(upload_folder).iterdir())

    from portal import transactions

    def fail():  # the request's one commit fails (a full disk, a lost connection)
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(transactions, "commit", fail)
    with pytest.raises(sa.exc.OperationalError):
        upload(client, application, PDF)
    assert sorted(Path(upload_folder).iterdir()) == before


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
