"""Personal data: download, erasure, retention, and logs that never carry it."""

import json
import logging
import time
from datetime import timedelta

import sqlalchemy as sa

from portal import signals
from portal.accounts import privacy
from portal.accounts.models import Consent
from portal.accounts.models import ConsentKind
from portal.accounts.models import ErasureRequest
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import GuardianConsent
from portal.camps.models import Who
from portal.extensions import db as _db
from portal.extensions import utcnow
from portal.groups.models import JoinedVia
from portal.groups.models import Membership
from portal.groups.models import PlanComment
from portal.groups.models import ProgressUpdate
from portal.groups.models import YouthGroup
from portal.i18n import local_today
from portal.notify import Notification
from portal.reports import aggregates
from portal.security import Role
from portal.storage import storage
from portal.training.models import Attendance
from portal.training.models import AttendanceStatus
from portal.training.models import Certificate
from portal.uploads import delete_after_commit
from tests.factories import PASSWORD
from tests.factories import ActionPlanFactory
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import CertificateFactory
from tests.factories import EnrolmentFactory
from tests.factories import GuardianConsentFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
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
    storage().put("scan.pdf", b"%PDF-1.4")
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
    assert storage().get("scan.pdf") is None
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
    assert (rejected.motivation, fresh.motivation) == ("", "Мен жаңы достор тапкым келет.")
    assert attended.motivation == "Мен жаңы достор тапкым келет." and attended.anonymised_at is None
    assert rejected.anonymised_at is not None and rejected.status is S.REJECTED
    # Health needs go for everyone some time after the camp (tests/test_camps_retention.py).
    assert (rejected.needs, attended.needs, fresh.needs) == ("", "", "Диета")


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


# --- erasure is complete -------------------------------------------------------------------

NAME = "Айпери Өчүрүлчү"
EMAIL = "erase.everything@example.org"
PHONE = "+996700123987"
VILLAGE = "Жашыруун-Айыл"
ETHNICITY = "secret_ethnos"
REASON = "Жеке себеп: үйдө кыйынчылык"
IP = "10.9.8.7"
PHOTO_TEXT = "PHOTO-CONSENT-TEXT-77"
SCAN = "0123456789abcdef0123456789abcdef.pdf"


def a_person_with_everything(db):
    """A young person with data in every table that can hold some, and two groups they lead."""
    person = UserFactory(full_name=NAME, email=EMAIL, phone=PHONE, community=VILLAGE)
    person.consents.append(
        Consent(kind=ConsentKind.PHOTO_MEDIA, version="1", locale="ky", text=PHOTO_TEXT)
    )
    camp = CampFactory()
    application = ApplicationFactory(
        camp=camp, applicant=person, status=S.CONFIRMED, score=9, notes=REASON,
        decision_reason=REASON, photo_consent_at=utcnow(), answers={"1": REASON},
    )  # fmt: skip
    db.session.add(ApplicationEthnicity(application_id=application.id, group=ETHNICITY))
    db.session.add(
        ApplicationEvent(
            application=application, to_status=S.ACCEPTED, who=Who.ORGANISER, reason=REASON
        )
    )
    organiser = UserFactory(roles={Role.ORGANISER})
    for event in (
        AuditEvent(action="user.login", actor_id=person.id, object_type="user",
                   object_id=person.id, ip_address=IP, details={"reason": REASON}),
        AuditEvent(action="application.reviewed", actor_id=organiser.id,
                   object_type="application", object_id=application.id, ip_address=IP,
                   details={"score": 9}),
        AuditEvent(action="application.waitlist_moved", actor_id=organiser.id,
                   object_type="application", object_id=application.id, ip_address=IP,
                   details={"reason": REASON}),
    ):  # fmt: skip
        db.session.add(event)
    certificate = CertificateFactory(
        enrolment__person=person, holder_name=NAME, revoke_reason=REASON
    )
    session = TrainingSessionFactory(programme=certificate.enrolment.programme)
    db.session.add(Attendance(session_id=session.id, enrolment_id=certificate.enrolment_id,
                              status=AttendanceStatus.PRESENT))  # fmt: skip
    storage().put(SCAN, b"%PDF-1.4")
    GuardianConsentFactory(application=application, note=REASON, file_name=SCAN,
                           file_type="application/pdf")  # fmt: skip
    # A member (not the lead) of someone else's group, with words in its plan.
    plan = ActionPlanFactory(group=YouthGroupFactory(members=[person]), updated_by_id=person.id)
    db.session.add(PlanComment(plan_id=plan.id, author_id=person.id, body=REASON))
    db.session.add(ProgressUpdate(plan_id=plan.id, author_id=person.id, percent_complete=10,
                                  what_happened=REASON))  # fmt: skip
    db.session.add(Notification(user_id=person.id, message=REASON))
    db.session.commit()
    return person, application, certificate


def test_erasure_leaves_nothing_of_the_person_in_any_table(app, db, login_as):
    person, application, certificate = a_person_with_everything(db)
    other = ApplicationFactory(camp=application.camp, score=7, notes="Башканын эскертмеси")
    db.session.add(AuditEvent(action="user.login", actor_id=other.user_id, ip_address="10.1.1.1"))
    admin = UserFactory(roles={Role.ADMIN})
    db.session.commit()

    privacy.erase(person, by=admin)
    db.session.commit()
    db.session.expire_all()

    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            text = repr(tuple(row))
            for secret in (NAME, EMAIL, PHONE, VILLAGE, ETHNICITY, REASON, IP, PHOTO_TEXT):
                assert secret not in text, (table.name, secret)
    assert storage().get(SCAN) is None
    erased = db.session.get(Application, application.id)
    assert erased.score is None and erased.photo_consent_at is None and erased.answers == {}
    assert erased.status is S.CONFIRMED  # aggregates still count the place
    assert db.session.get(User, person.id).community is None
    assert not db.session.scalars(
        sa.select(Consent).where(
            Consent.user_id == person.id, Consent.kind == ConsentKind.PHOTO_MEDIA
        )
    ).all()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action != "user.erased").order_by(AuditEvent.id)
    ).all()
    mine = [e for e in events if e.actor_id == person.id or e.object_id == application.id]
    assert [e.action for e in mine] == [
        "user.login", "application.reviewed", "application.waitlist_moved"
    ]  # fmt: skip
    assert all(e.ip_address is None and e.details == {} and e.created_at for e in mine)
    # Nobody else loses anything.
    assert db.session.get(Application, other.id).score == 7
    assert (
        db.session.scalar(
            sa.select(AuditEvent.ip_address).where(AuditEvent.actor_id == other.user_id)
        )
        == "10.1.1.1"
    )
    assert db.session.get(Certificate, certificate.id).revoke_reason == ""


def test_erased_people_are_in_no_export(client, login_as, db):
    person, application, _certificate = a_person_with_everything(db)
    ApplicationFactory(camp=application.camp, status=S.CONFIRMED,
                       applicant=UserFactory(full_name="Калган Бала"))  # fmt: skip
    EnrolmentFactory(person=UserFactory(full_name="Калган Элчи"))
    ambassador = EnrolmentFactory(person=person)
    admin = UserFactory(roles={Role.ADMIN})
    login_as("organiser")
    camp_id = application.camp_id

    def exported() -> str:
        return "\n".join(
            client.get(path).data.decode("utf-8-sig")
            for path in (
                f"/manage/camps/{camp_id}/export.csv",
                f"/manage/camps/{camp_id}/export.csv?who=applicants",
                "/manage/ambassadors/export.csv",
            )
        )

    before = exported()
    assert NAME in before and "Калган Бала" in before and "Калган Элчи" in before
    privacy.erase(person, by=admin)
    db.session.commit()
    after = exported()
    assert "Калган Бала" in after and "Калган Элчи" in after
    assert NAME not in after and f"— {person.id}" not in after
    assert f"— {person.id}" not in client.get("/manage/ambassadors").text
    assert ambassador.id


def test_a_group_led_by_an_erased_person_gets_the_longest_standing_member(db, login_as, client):
    lead = UserFactory(full_name=NAME)
    early, later, switched_off = UserFactory(), UserFactory(), UserFactory(active=False)
    never_asked = UserFactory()  # put in by a lead before invitations: not made lead unasked
    group = YouthGroupFactory(lead=lead)
    now = utcnow()
    for person, days, via in (
        (switched_off, 30, JoinedVia.INVITATION),
        (never_asked, 20, JoinedVia.ADDED),
        (later, 5, JoinedVia.JOIN_CODE),
        (early, 10, JoinedVia.INVITATION),
    ):
        group.memberships.append(
            Membership(user_id=person.id, joined_at=now - timedelta(days=days), joined_via=via)
        )
    alone = YouthGroupFactory(lead=lead, name="Жалгыз топ")
    db.session.commit()

    privacy.erase(lead, by=UserFactory(roles={Role.ADMIN}))
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(YouthGroup, group.id).lead_id == early.id
    assert lead not in db.session.get(YouthGroup, group.id).members
    told = db.session.scalars(sa.select(Notification.user_id)).all()
    assert told.count(early.id) == 1 and later.id not in told
    # Nobody is left in the other group: it goes to the organisers, marked as needing a lead.
    assert db.session.get(YouthGroup, alone.id).lead_id is None
    login_as("organiser")
    listing = client.get("/manage/groups?lang=en").text
    assert "Жалгыз топ" in listing and "Needs a lead" in listing
    assert "Needs a lead" in client.get(f"/groups/{alone.id}?lang=en").text
    changes = db.session.scalars(
        sa.select(AuditEvent.object_id).where(AuditEvent.action == "group.lead_changed")
    ).all()
    assert sorted(changes) == sorted([group.id, alone.id])


def test_an_erasure_marks_the_request_done_even_without_one(db):
    person = UserFactory()
    privacy.erase(person, by=None)
    db.session.commit()
    assert db.session.scalar(
        sa.select(ErasureRequest.done_at).where(ErasureRequest.user_id == person.id)
    )


def test_the_download_keeps_its_shape(client, db):
    """Each domain adds its own sections; together they are what the download always held."""
    person, _application, _certificate = a_person_with_everything(db)
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
        session["auth_at"] = session["seen"] = int(time.time())
    response = client.get("/account/data.json")
    data = json.loads(response.data)
    assert list(data) == [
        "activity_log", "applications", "channels", "consents", "group_invitations", "groups",
        "notifications", "paper_forms", "plan_comments", "profile", "progress_updates", "roles",
        "training",
    ]  # fmt: skip
    assert response.text.index('"activity_log"') < response.text.index('"training"')

    def shape(section):
        return [sorted(row) for row in data[section]]

    assert sorted(data["profile"]) == sorted([
        "full_name", "email", "phone", "date_of_birth", "gender", "region_code", "district_code",
        "community", "locale", "created_at", "last_login_at",
    ])  # fmt: skip
    assert shape("consents") == [["granted_at", "kind", "text", "version", "withdrawn_at"]]
    assert shape("applications") == [sorted([
        "camp", "status", "motivation", "safety_problem", "spoken_languages", "previous_camps",
        "needs", "emergency_name", "emergency_phone", "guardian_name", "guardian_relation",
        "guardian_phone", "photo_consent_at", "answers", "decision_reason", "submitted_at",
        "created_at", "ethnicity", "guardian_consents",
    ])]  # fmt: skip
    assert data["applications"][0]["ethnicity"] == [ETHNICITY]
    assert [sorted(c) for c in data["applications"][0]["guardian_consents"]] == [
        ["method", "recorded_at", "withdrawn_at"]
    ]
    assert shape("training") == [
        ["attendance", "certificate", "completed_at", "enrolled_at", "programme", "status"]
    ]
    assert data["training"][0]["attendance"][0]["status"] == "present"
    assert sorted(data["training"][0]["certificate"]) == ["code", "issued_on"]
    assert shape("groups") == [["group", "joined_at", "left_at"]]
    assert shape("plan_comments") == [["body", "created_at", "plan"]]
    assert shape("progress_updates") == [["created_at", "plan", "what_happened"]]
    assert shape("notifications") == [["created_at", "message"]]
    assert {tuple(sorted(e)) for e in data["activity_log"]} == {("action", "at")}


def test_a_rolled_back_erasure_keeps_the_consent_scan(db):
    """Scans go only once the erasure is committed: a failed erasure loses no evidence."""
    person, application, _certificate = a_person_with_everything(db)
    privacy.erase(person, by=UserFactory(roles={Role.ADMIN}))
    assert storage().get(SCAN) is not None
    db.session.rollback()
    db.session.commit()  # a later commit does not carry out the rolled-back deletion
    assert storage().get(SCAN) is not None
    assert db.session.scalar(sa.select(GuardianConsent.file_name)) == SCAN
    privacy.erase(db.session.get(User, person.id), by=None)
    db.session.commit()
    assert storage().get(SCAN) is None


def test_every_column_naming_a_person_is_answered_for_by_its_domain(app):
    """A new table that points at a person fails here until its domain's privacy.py says what
    export and erasure do with it (and connect() is called when the app is created)."""
    naming_a_person = {
        f"{table.name}.{column.name}"
        for table in _db.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "user" for fk in column.foreign_keys)
    }
    assert naming_a_person - set(signals.person_columns) == set()
    assert set(signals.person_columns) - naming_a_person == set()  # no stale entries
    assert all(signals.person_columns.values())
    domains = {"portal.camps.privacy", "portal.groups.privacy", "portal.training.privacy"}
    # A calendar link is only erased: its hash says nothing about the person to download.
    for signal, expected in (
        (signals.data_requested, domains),
        (signals.user_erased, domains | {"portal.calendars.privacy"}),
    ):
        answering = {receiver.__module__ for receiver in signal.receivers_for(UserFactory.build())}
        assert answering == expected  # fmt: skip


def test_an_upload_goes_only_when_the_outermost_transaction_commits(db):
    released, rolled_back = "released-savepoint.pdf", "rolled-back-savepoint.pdf"
    for name in (released, rolled_back):
        storage().put(name, b"%PDF-1.4")
    db.session.execute(sa.select(1))
    with db.session.begin_nested():
        delete_after_commit(released)
    assert storage().get(released) is not None  # the outer transaction could still roll back
    savepoint = db.session.begin_nested()
    delete_after_commit(rolled_back)
    savepoint.rollback()
    db.session.commit()
    assert storage().get(released) is None
    assert storage().get(rolled_back) is not None


def test_an_erased_account_matches_no_password_and_erasing_hashes_none(app, db, monkeypatch):
    """No scrypt inside the erasure's transaction (SQLite's writers all wait for it)."""
    from portal.accounts import services
    from tests.factories import PASSWORD

    person = UserFactory()
    admin = UserFactory(roles={Role.ADMIN})

    def no_hashing(*args, **kwargs):
        raise AssertionError("erasure hashed a password")

    monkeypatch.setattr("portal.security.generate_password_hash", no_hashing)
    privacy.erase(person, by=admin)
    db.session.commit()

    assert not services.authenticate_user(person, PASSWORD)
    assert not services.authenticate_user(person, person.password_hash)
    assert not services.authenticate_user(person, "")
