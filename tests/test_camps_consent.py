"""Guardian consent for minors: recorded by phone or scanned form, checked, served safely."""

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampAttendance
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.i18n import local_today
from portal.notify import Notification
from portal.security import Role
from portal.uploads import MAX_UPLOAD_BYTES
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.factories import minor
from tests.helpers import error_summary
from tests.helpers import translated

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


def test_a_phone_photo_of_eight_megabytes_is_accepted(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    response = upload(client, application, JPEG + b"\x00" * (8 * 1024 * 1024), name="IMG_2041.jpg")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(GuardianConsent.file_type)) == "image/jpeg"


def test_a_file_over_the_limit_is_refused_on_the_same_form_with_the_note_kept(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    response = upload(client, application, PDF + b"0" * MAX_UPLOAD_BYTES, note="Апасы кол койду.")
    assert response.status_code == 400
    assert "larger than 10 MB" in error_summary(response.text)[0]
    assert "Апасы кол койду." in response.text
    assert 'value="paper_form" checked' in response.text or re.search(
        r'<input checked[^>]*value="paper_form"', response.text
    )


def test_a_body_over_the_portals_limit_gets_the_inline_error_not_a_dead_end(
    app, client, login_as, db
):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    too_large = app.config["MAX_CONTENT_LENGTH"] + 1024
    response = upload(client, application, PDF + b"0" * too_large)
    assert response.status_code == 413
    # The application's own page, with the consent form and its message beside the file field.
    assert "How did the guardian agree?" in response.text
    assert "larger than 10 MB" in error_summary(response.text)[0]
    assert 'id="scan-error-1"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianConsent)) == 0


def test_a_body_over_the_limit_on_a_hidden_application_reveals_nothing(app, client, login_as, db):
    login_as("youth")
    application = ApplicationFactory(applicant=minor())
    response = upload(client, application, PDF + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert response.status_code == 413
    assert "How did the guardian agree?" not in response.text


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


# --- consent withdrawn after the minor took her place ------------------------------------------


def checkin_item(client, camp, application) -> str:
    page = client.get(f"/manage/camps/{camp.id}/checkin?lang=en").text
    return re.search(rf'<li id="person-{application.id}".*?</li>', page, re.S)[0]


def test_a_confirmed_minor_whose_consent_is_withdrawn_is_flagged_and_not_checked_in(
    client, login_as, db
):
    creator = UserFactory(roles={Role.ORGANISER}, locale="ru")
    camp = CampFactory(start_date=local_today(), created_by_id=creator.id)
    login_as("organiser")
    application = ApplicationFactory(
        camp=camp, applicant=minor(full_name="Айзада"), status=S.CONFIRMED
    )
    consent = GuardianConsentFactory(application=application)
    assert 'value="yes"' in checkin_item(client, camp, application)

    client.post(f"/manage/consents/{consent.id}/withdraw")
    db.session.expire_all()
    # She keeps her place (the family may agree again), flagged on every organiser page.
    assert application.status is S.CONFIRMED and application.needs_guardian_consent
    item = checkin_item(client, camp, application)
    assert "Guardian consent withdrawn" in item and 'value="yes"' not in item
    listing = client.get(f"/manage/camps/{camp.id}/applications?lang=en").text
    [row] = [
        row for row in listing.split("<tr>") if f'/manage/applications/{application.id}"' in row
    ]
    assert "Guardian consent withdrawn" in row
    page = client.get(f"/manage/applications/{application.id}?lang=en").text
    assert "Guardian consent withdrawn" in page and "cannot be checked in" in page

    # The service refuses her check-in, and says why.
    response = client.post(
        f"/manage/applications/{application.id}/checkin?lang=en",
        data={"day": camp.start_date.isoformat(), "present": "yes"},
        follow_redirects=True,
    )
    assert "No guardian consent is on record for this minor" in response.text
    db.session.expire_all()
    assert application.status is S.CONFIRMED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampAttendance)) == 0

    # The camp's creator is told at once, in their language, with a link to the application.
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == creator.id))
    assert notice.link == f"/manage/applications/{application.id}"
    assert notice.message == translated(
        "A guardian's consent was withdrawn for an applicant to one of your camps. "
        "They cannot be checked in until a consent is recorded again.",
        "ru",
    )

    # Consent recorded again: she may be checked in.
    client.post(
        f"/manage/applications/{application.id}/consent",
        data={"method": "phone_call", "note": "Father agreed again."},
    )
    assert 'value="yes"' in checkin_item(client, camp, application)
    client.post(
        f"/manage/applications/{application.id}/checkin",
        data={"day": camp.start_date.isoformat(), "present": "yes"},
    )
    db.session.expire_all()
    assert application.status is S.ATTENDED


def test_withdrawn_consent_is_told_to_every_organiser_when_the_creator_is_gone(
    client, login_as, db
):
    camp = CampFactory(created_by_id=None)
    other = UserFactory(roles={Role.ORGANISER})
    acting = login_as("organiser")
    application = ApplicationFactory(camp=camp, applicant=minor(), status=S.ACCEPTED)
    consent = GuardianConsentFactory(application=application)
    client.post(f"/manage/consents/{consent.id}/withdraw")
    told = set(db.session.scalars(sa.select(Notification.user_id)))
    assert other.id in told and acting.id not in told
    assert application.user_id in told  # she holds a place: she hears too


def test_recording_consent_promotes_nobody(client, login_as, db):
    """Seats were free, and the organiser had put these people on the waiting list on purpose."""
    login_as("organiser")
    camp = CampFactory(capacity=5)
    ApplicationFactory(camp=camp, status=S.ACCEPTED)
    young = ApplicationFactory(
        camp=camp, applicant=minor(), status=S.WAITLISTED, waitlist_position=1,
        decision_reason="Күтө туруңуз: ата-энеңиздин макулдугу керек.",
    )  # fmt: skip
    held = ApplicationFactory(
        camp=camp, status=S.WAITLISTED, waitlist_position=2, decision_reason="Баланс үчүн."
    )
    response = client.post(
        f"/manage/applications/{young.id}/consent", data={"method": "phone_call", "note": "Ok."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (young.status, held.status) == (S.WAITLISTED, S.WAITLISTED)
    assert (young.waitlist_position, held.waitlist_position) == (1, 2)
    assert young.decision_reason == "Күтө туруңуз: ата-энеңиздин макулдугу керек."
    assert held.decision_reason == "Баланс үчүн."
