"""Personal data: download, erasure, retention, and logs that never carry it."""

import json
import logging
from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import ErasureRequest
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import GuardianConsent
from portal.i18n import local_today
from portal.reports import aggregates
from portal.security import Role
from portal.uploads import upload_path
from tests.factories import PASSWORD
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.factories import minor
from tests.helpers import registration_data


def test_download_holds_everything_about_me_and_nothing_about_others(client, login_as, db):
    me = login_as("youth", email="me@example.org", phone="+996555010203")
    mine = ApplicationFactory(applicant=me, needs="Астма", guardian_name="Апам")
    ApplicationFactory(applicant=UserFactory(email="other@example.org"), needs="Башка адамдын сыры")
    response = client.get("/account/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert (
        data["profile"]["email"] == "me@example.org" and data["profile"]["phone"] == "+996555010203"
    )
    assert (
        data["applications"][0]["needs"] == "Астма"
        and data["applications"][0]["guardian_name"] == "Апам"
    )
    assert "Башка адамдын сыры" not in response.text and "other@example.org" not in response.text
    assert {"consents", "training", "groups", "notifications", "activity_log"} <= set(data)
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "user.data_exported")
    )
    assert mine


def test_erasure_needs_the_password_then_an_admin(client, app, login_as, db, upload_folder):
    person = login_as(
        "youth",
        email="erase.me@example.org",
        full_name="Айпери Сыдыкова",
        gender="female",
        region_code="KG-B",
        district_code="KG-B-LEILEK",
        date_of_birth=local_today().replace(year=2009),
    )
    application = ApplicationFactory(applicant=person, needs="Астма", status=S.ATTENDED)
    (upload_path("scan.pdf")).write_bytes(b"%PDF-1.4")
    GuardianConsentFactory(
        application=application, file_name="scan.pdf", file_type="application/pdf"
    )
    scope = aggregates.Scope(local_today() - timedelta(days=400), local_today(), region="KG-B")
    before = aggregates.breakdowns(scope)

    assert client.post("/account/erasure", data={"password": "wrong"}).status_code == 400
    assert client.post("/account/erasure", data={"password": PASSWORD}).status_code == 302
    erasure = db.session.scalar(sa.select(ErasureRequest))

    admin = UserFactory(roles={Role.ADMIN})
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    # Without a recent password, the admin is asked to confirm it first.
    with client.session_transaction() as session:
        session.pop("auth_at", None)
    response = client.post(f"/admin/erasure/{erasure.id}")
    assert "/auth/confirm" in response.headers["Location"]
    client.post("/auth/confirm", data={"password": PASSWORD})
    assert client.post(f"/admin/erasure/{erasure.id}").status_code == 302

    db.session.expire_all()
    erased = db.session.get(User, person.id)
    assert erased.email is None and erased.phone is None and "Айпери" not in erased.full_name
    assert not erased.active and erased.date_of_birth.day == 1
    assert db.session.get(Application, application.id).needs == ""
    assert not (upload_path("scan.pdf")).exists()
    assert db.session.scalar(sa.select(GuardianConsent.file_name)) is None
    assert aggregates.breakdowns(scope) == before
    assert db.session.scalar(sa.select(ErasureRequest.done_at)) is not None


def test_retention_clears_only_people_never_accepted_after_the_period(app, db):
    old_camp = CampFactory(start_date=local_today() - timedelta(days=500))
    recent_camp = CampFactory()
    rejected = ApplicationFactory(camp=old_camp, status=S.REJECTED, needs="Аллергия")
    attended = ApplicationFactory(camp=old_camp, status=S.ATTENDED, needs="Астма")
    fresh = ApplicationFactory(camp=recent_camp, status=S.REJECTED, needs="Диета")
    result = app.test_cli_runner().invoke(args=["retention", "apply", "--days", "365"])
    assert "Cleared 1 applications." in result.output
    db.session.expire_all()
    assert (rejected.needs, attended.needs, fresh.needs) == ("", "Астма", "Диета")
    assert rejected.anonymised_at is not None and rejected.status is S.REJECTED


def test_logs_of_a_full_flow_carry_no_personal_data(client, login_as, db, caplog):
    caplog.set_level(logging.DEBUG)
    data = registration_data(
        email="secret.person@example.org", phone="0555 404 505", full_name="Жашыруун Кыз"
    )
    client.post("/auth/register", data=data)
    client.post("/auth/logout")
    for _ in range(8):  # also hits the per-account rate limit, which logs its key
        client.post(
            "/auth/login", data={"email": "secret.person@example.org", "password": "wrong password"}
        )
    client.post("/auth/reset", data={"email": "secret.person@example.org"})
    young = minor(email="young.secret@example.org")
    application = ApplicationFactory(
        applicant=young, needs="Жашыруун оору", guardian_phone="+996700909090"
    )
    login_as("organiser")
    client.get(f"/manage/applications/{application.id}")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (
        "secret.person",
        "555404505",
        "404 505",
        "Жашыруун",
        data["date_of_birth"],
        "young.secret",
        "700909090",
    ):
        assert secret not in logged, secret
    assert "ratelimit" in logged.lower()  # the limiter did log, without the address
