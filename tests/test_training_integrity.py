"""Training records that stay true: attendance only once a session has begun, completion that
follows the marks both ways (a certificate whose basis goes waits for the organiser's decision),
and enrolment dates that organisers set and correct."""

from datetime import timedelta

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.extensions import utcnow
from portal.i18n import BISHKEK
from portal.i18n import local_today
from portal.i18n import short_date
from portal.i18n import short_datetime
from portal.i18n import start_of_local_day
from portal.security import Role
from portal.training import services
from portal.training.models import Attendance
from portal.training.models import AttendanceStatus as A
from portal.training.models import Certificate
from portal.training.models import CertificateState
from portal.training.models import CompletionRule
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from tests.factories import ApplicationFactory
from tests.factories import CertificateFactory
from tests.factories import EnrolmentFactory
from tests.factories import ModuleFactory
from tests.factories import ProgrammeFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.helpers import error_summary
from tests.helpers import training_clock
from tests.helpers import translated

NOT_STARTED = "This session has not started yet. Attendance can be marked from %(when)s."


def organiser():
    return UserFactory(roles={Role.ORGANISER})


def certificates(db):
    return db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()


def audit_actions(db, obj) -> list[str]:
    return db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == obj.id)
        .order_by(AuditEvent.id)
    ).all()


# --- 1. attendance only from the session's start -----------------------------------------------


def test_everyone_is_here_on_a_session_not_yet_held_is_refused_and_issues_nothing(
    client, login_as, db
):
    """The reported case: one click on next week's sheet completed two people."""
    login_as("organiser")
    programme = ProgrammeFactory(completion_percent=100)
    coming = TrainingSessionFactory(programme=programme, starts_at=utcnow() + timedelta(days=7))
    EnrolmentFactory(programme=programme)
    EnrolmentFactory(programme=programme)
    sheet = f"http://localhost/sessions/{coming.id}/attendance"
    response = client.post(
        f"/sessions/{coming.id}/attendance/all-present?lang=ru", headers={"Referer": sheet}
    )
    assert certificates(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    assert response.status_code == 303
    page = client.get(f"/sessions/{coming.id}/attendance?lang=ru").text
    when = short_datetime(coming.starts_at)
    assert translated(NOT_STARTED, "ru", when=when) in page
    statuses = set(db.session.scalars(sa.select(Enrolment.status)))
    assert statuses == {EnrolmentStatus.ACTIVE}


def test_a_mark_sent_for_a_session_not_yet_held_is_refused(client, login_as, db):
    mentor = login_as("mentor")
    coming = TrainingSessionFactory(trainer=mentor, starts_at=utcnow() + timedelta(hours=2))
    enrolment = EnrolmentFactory(programme=coming.programme)
    response = client.post(
        f"/sessions/{coming.id}/attendance", data={f"mark-{enrolment.id}": "present"}
    )
    assert response.status_code == 303
    assert db.session.get(Attendance, (coming.id, enrolment.id)) is None


def test_the_sheet_of_a_coming_session_offers_no_marks_and_says_when_it_opens(client, login_as, db):
    login_as("organiser")
    coming = TrainingSessionFactory(starts_at=utcnow() + timedelta(days=3))
    person = EnrolmentFactory(programme=coming.programme).person
    page = client.get(f"/sessions/{coming.id}/attendance?lang=uz").text
    assert translated(NOT_STARTED, "uz_Cyrl", when=short_datetime(coming.starts_at)) in page
    assert person.full_name in page
    assert 'name="mark-' not in page and "all-present" not in page


def test_marking_opens_at_the_session_start_in_bishkek_time(db):
    programme = ProgrammeFactory(completion_percent=100)
    starts = utcnow().replace(microsecond=0) + timedelta(days=1)
    session = TrainingSessionFactory(programme=programme, starts_at=starts)
    enrolment = EnrolmentFactory(programme=programme)
    with training_clock(starts.astimezone(BISHKEK) - timedelta(seconds=1)):
        try:
            services.record_attendance(session, enrolment, A.PRESENT, by=organiser())
        except services.TrainingError as error:
            assert str(error) == translated(NOT_STARTED, "ky", when=short_datetime(starts))
        else:
            raise AssertionError("a mark a second before the start was taken")
    with training_clock(starts.astimezone(BISHKEK)):
        assert services.record_attendance(session, enrolment, A.PRESENT, by=organiser())
        mark = db.session.get(Attendance, (session.id, enrolment.id))
        assert mark.recorded_at == starts
    assert enrolment.status is EnrolmentStatus.COMPLETED


def test_session_dates_in_year_1_or_9999_give_a_message(client, login_as, db):
    login_as("organiser")
    programme = ProgrammeFactory()
    for typed in ("0001-01-01T10:00", "9999-12-31T23:59"):
        response = client.post(
            f"/manage/programmes/{programme.id}/sessions?lang=en",
            data={"starts_at": typed, "place_ky": "Osh"},
        )
        assert response.status_code == 400
        assert error_summary(response.text) == ["Choose a date between the years 1900 and 2100."]
        assert typed in response.text


# --- 2. completion follows the marks both ways ----------------------------------------------------


def completed_with_certificate(sessions=2, **programme):
    """An enrolment that attended every one of `sessions` sessions and holds its certificate."""
    programme = ProgrammeFactory(completion_percent=100, **programme)
    held = [
        TrainingSessionFactory(programme=programme, starts_at=utcnow() - timedelta(days=day + 1))
        for day in range(sessions)
    ]
    enrolment = EnrolmentFactory(programme=programme)
    for session in held:
        services.record_attendance(session, enrolment, A.PRESENT, by=organiser())
    assert enrolment.status is EnrolmentStatus.COMPLETED
    return enrolment, held


def test_a_corrected_mark_takes_completion_back_and_flags_the_certificate(client, login_as, db):
    enrolment, held = completed_with_certificate()
    [certificate] = enrolment.certificates
    services.record_attendance(held[0], enrolment, A.ABSENT, by=organiser())
    assert enrolment.status is EnrolmentStatus.ACTIVE and enrolment.completed_at is None
    assert certificate.state is CertificateState.FLAGGED and certificate.revoked_at is None
    assert "certificate.flagged" in audit_actions(db, certificate)
    db.session.commit()
    login_as("organiser")
    programme_page = client.get(f"/manage/programmes/{enrolment.programme_id}?lang=en").text
    assert "Waiting for your decision" in programme_page
    assert "1 certificate is waiting for your decision" in programme_page
    flagged = client.get("/manage/certificates/flagged?lang=en").text
    assert certificate.holder_name in flagged
    assert f"/manage/certificates/{certificate.id}/revoke" in flagged
    enrolment_page = client.get(f"/manage/enrolments/{enrolment.id}?lang=en").text
    assert "Waiting for your decision" in enrolment_page and "Learning" in enrolment_page


def test_the_young_person_no_longer_reads_completed_at_a_share_below_the_rule(client, login_as, db):
    person = login_as("youth")
    programme = ProgrammeFactory(completion_percent=100)
    session = TrainingSessionFactory(programme=programme)
    enrolment = EnrolmentFactory(programme=programme, person=person)
    services.record_attendance(session, enrolment, A.PRESENT, by=organiser())
    services.record_attendance(session, enrolment, A.ABSENT, by=organiser())
    db.session.commit()
    page = client.get("/training?lang=en").text
    assert "Completed" not in page and "Learning" in page
    assert "0 of 1 done" in page and "Download my certificate" in page


def test_a_mark_corrected_back_before_the_decision_clears_the_flag(db):
    enrolment, held = completed_with_certificate()
    [certificate] = enrolment.certificates
    services.record_attendance(held[0], enrolment, A.ABSENT, by=organiser())
    services.record_attendance(held[0], enrolment, A.LATE, by=organiser())
    assert enrolment.status is EnrolmentStatus.COMPLETED
    assert certificates(db) == [certificate] and certificate.state is CertificateState.VALID
    assert audit_actions(db, certificate)[-2:] == [
        "certificate.flagged",
        "certificate.flag_cleared",
    ]


def test_revoking_a_flagged_certificate_is_confirmed_on_a_page_that_names_the_consequence(
    client, login_as, db
):
    enrolment, held = completed_with_certificate()
    [certificate] = enrolment.certificates
    services.record_attendance(held[0], enrolment, A.ABSENT, by=organiser())
    db.session.commit()
    login_as("organiser")
    page = client.get(f"/manage/certificates/{certificate.id}/revoke?lang=ky").text
    assert translated("This cannot be undone.", "ky") in page
    assert f'action="/manage/certificates/{certificate.id}/revoke"' in page
    assert f'action="/manage/certificates/{certificate.id}/keep"' in page
    refused = client.post(f"/manage/certificates/{certificate.id}/revoke?lang=en", data={})
    assert refused.status_code == 400
    assert error_summary(refused.text) == ["Write why the certificate is revoked."]
    client.post(
        f"/manage/certificates/{certificate.id}/revoke", data={"reason": "Белгилер жаңылыш"}
    )
    db.session.refresh(certificate)
    assert certificate.state is CertificateState.REVOKED
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "certificate.revoked")
    )
    assert event.details == {"reason": "Белгилер жаңылыш", "flagged": True}
    verify = client.get(f"/certificates/verify/{certificate.code}?lang=ru")
    assert verify.status_code == 404
    assert translated("This certificate was revoked and is no longer valid.", "ru") in verify.text
    again = client.get(f"/manage/certificates/{certificate.id}/revoke?lang=en").text
    assert "This certificate is already revoked." in again
    assert f'/manage/certificates/{certificate.id}/revoke"' not in again.split("<main")[1]
    assert "/keep" not in again


def test_completing_again_after_a_revocation_issues_a_new_certificate(db):
    enrolment, held = completed_with_certificate()
    [old] = enrolment.certificates
    services.record_attendance(held[0], enrolment, A.ABSENT, by=organiser())
    services.revoke_certificate(old, reason="Marks were wrong", by=organiser())
    services.record_attendance(held[0], enrolment, A.PRESENT, by=organiser())
    assert enrolment.status is EnrolmentStatus.COMPLETED
    first, new = certificates(db)
    assert first is old and old.state is CertificateState.REVOKED
    assert new.state is CertificateState.VALID and new.code != old.code
    assert enrolment.valid_certificate is new


def test_keeping_a_flagged_certificate_needs_a_reason_and_is_audited(client, login_as, db):
    enrolment, held = completed_with_certificate()
    [certificate] = enrolment.certificates
    services.record_attendance(held[0], enrolment, A.ABSENT, by=organiser())
    db.session.commit()
    me = login_as("organiser")
    refused = client.post(f"/manage/certificates/{certificate.id}/keep?lang=en", data={})
    assert refused.status_code == 400
    assert error_summary(refused.text) == ["Write why the certificate stays valid."]
    client.post(
        f"/manage/certificates/{certificate.id}/keep",
        data={"keep_reason": "Attended the make-up session"},
    )
    db.session.refresh(certificate)
    assert certificate.state is CertificateState.KEPT
    assert (certificate.kept_by_id, certificate.keep_reason) == (
        me.id,
        "Attended the make-up session",
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate.kept"))
    assert event.actor_id == me.id and event.details == {"reason": "Attended the make-up session"}
    assert client.get(f"/certificates/verify/{certificate.code}").status_code == 200
    # Keeping answers a flag: a certificate that was never flagged is not "kept".
    valid = CertificateFactory()
    assert "/keep" not in client.get(f"/manage/certificates/{valid.id}/revoke").text
    response = client.post(
        f"/manage/certificates/{valid.id}/keep?lang=en", data={"keep_reason": "Because"}
    )
    assert response.status_code == 303
    shown = client.get(f"/manage/certificates/{valid.id}/revoke?lang=en").text
    assert "Only a certificate waiting for a decision can be kept." in shown
    assert db.session.get(Certificate, valid.id).kept_at is None


def test_a_kept_certificate_is_flagged_again_when_its_basis_goes_a_second_time(db):
    enrolment, held = completed_with_certificate()
    [certificate] = enrolment.certificates
    services.record_attendance(held[0], enrolment, A.ABSENT, by=organiser())
    services.keep_certificate(certificate, reason="Make-up session", by=organiser())
    services.record_attendance(held[0], enrolment, A.PRESENT, by=organiser())
    assert certificate.state is CertificateState.VALID
    services.record_attendance(held[1], enrolment, A.ABSENT, by=organiser())
    assert certificate.state is CertificateState.FLAGGED


def test_a_session_added_to_a_share_programme_takes_back_a_completion_it_no_longer_meets(
    client, login_as, db
):
    enrolment, _held = completed_with_certificate()
    login_as("organiser")
    client.post(
        f"/manage/programmes/{enrolment.programme_id}/sessions",
        data={"starts_at": "2099-03-05T10:00", "place_ky": "Osh"},
    )
    db.session.refresh(enrolment)
    assert enrolment.status is EnrolmentStatus.ACTIVE
    assert enrolment.certificate.state is CertificateState.FLAGGED


def test_recheck_takes_back_completions_recorded_before_completion_could_go_back(app, db):
    certificate = CertificateFactory()  # completed, with no attendance at all
    TrainingSessionFactory(programme=certificate.enrolment.programme)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["training", "recheck"])
    assert "taken back 1, certificates flagged 1" in result.output
    db.session.expire_all()
    certificate = db.session.get(Certificate, certificate.id)
    assert certificate.enrolment.status is EnrolmentStatus.ACTIVE
    assert certificate.state is CertificateState.FLAGGED


# --- 3. enrolment dates ----------------------------------------------------------------------


def test_someone_entered_late_gets_credit_for_the_sessions_since_the_date_given(
    client, login_as, db
):
    login_as("organiser")
    programme = ProgrammeFactory(completion_percent=100, created_at=utcnow() - timedelta(days=60))
    session = TrainingSessionFactory(programme=programme, starts_at=utcnow() - timedelta(days=10))
    person = UserFactory(email="late@example.org")
    day = local_today() - timedelta(days=12)
    response = client.post(
        f"/manage/programmes/{programme.id}/enrol",
        data={"person": "late@example.org", "enrolled_on": day.isoformat()},
    )
    assert response.status_code == 302
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment.enrolled_at == start_of_local_day(day)
    assert [e for e, _mark in services.sheet(session)] == [enrolment]
    services.record_attendance(session, enrolment, A.PRESENT, by=organiser())
    assert enrolment.status is EnrolmentStatus.COMPLETED
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "enrolment.created"))
    assert event.details == {"enrolled_on": day.isoformat()}


def test_enrolling_without_a_date_enrols_from_the_start_of_today(client, login_as, db):
    login_as("organiser")
    programme = ProgrammeFactory()
    person = UserFactory(email="today@example.org")
    client.post(f"/manage/programmes/{programme.id}/enrol", data={"person": person.email})
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert enrolment.enrolled_at == start_of_local_day(local_today())


def test_enrolment_dates_are_checked_with_messages_and_the_typed_text_kept(client, login_as, db):
    login_as("organiser")
    programme = ProgrammeFactory(created_at=utcnow() - timedelta(days=20))
    UserFactory(email="someone@example.org")
    earliest = (utcnow() - timedelta(days=20)).astimezone(BISHKEK).date()
    cases = {
        (local_today() + timedelta(days=1)).isoformat(): [
            "The enrolment date cannot be in the future."
        ],
        (earliest - timedelta(days=1)).isoformat(): [
            f"The enrolment date cannot be before {short_date(earliest)}, when the programme began."
        ],
        "0001-01-01": ["Choose a date between the years 1900 and 2100."],
        "9999-12-31": ["Choose a date between the years 1900 and 2100."],
    }
    for typed, messages in cases.items():
        for action, field in [("enrol", "person"), ("enrol-list", "people")]:
            response = client.post(
                f"/manage/programmes/{programme.id}/{action}?lang=en",
                data={field: "someone@example.org", "enrolled_on": typed},
            )
            assert response.status_code == 400, (action, typed)
            assert error_summary(response.text) == messages, (action, typed)
            assert f'value="{typed}"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0


def test_a_programme_entered_after_it_began_accepts_dates_from_its_first_session(db):
    programme = ProgrammeFactory()  # created today
    first = TrainingSessionFactory(programme=programme, starts_at=utcnow() - timedelta(days=30))
    day = first.starts_at.astimezone(BISHKEK).date()
    enrolment, _changed = services.enrol(programme, UserFactory(), by=organiser(), enrolled_on=day)
    assert services.sheet(first) == [(enrolment, None)]


def test_a_camps_participants_are_enrolled_from_the_date_given(client, login_as, db):
    login_as("organiser")
    programme = ProgrammeFactory(created_at=utcnow() - timedelta(days=60))
    attended = ApplicationFactory(status="attended")
    day = local_today() - timedelta(days=5)
    client.post(
        f"/manage/programmes/{programme.id}/enrol-camp",
        data={"camp": str(attended.camp_id), "enrolled_on": day.isoformat()},
    )
    assert db.session.scalar(sa.select(Enrolment.enrolled_at)) == start_of_local_day(day)


def test_correcting_an_enrolment_date_is_audited_and_moves_completion(client, login_as, db):
    enrolment, held = completed_with_certificate(sessions=1)
    db.session.commit()
    me = login_as("organiser")
    page = client.get(f"/manage/enrolments/{enrolment.id}?lang=en").text
    before = enrolment.enrolled_at.astimezone(BISHKEK).date()
    assert f'value="{before.isoformat()}"' in page
    after = local_today()  # after the only session: it no longer counts
    response = client.post(
        f"/manage/enrolments/{enrolment.id}/date", data={"enrolled_on": after.isoformat()}
    )
    assert response.status_code == 302
    db.session.refresh(enrolment)
    assert enrolment.enrolled_at == start_of_local_day(after)
    assert enrolment.status is EnrolmentStatus.ACTIVE
    assert enrolment.certificate.state is CertificateState.FLAGGED
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "enrolment.date_changed")
    )
    assert event.actor_id == me.id
    assert event.details == {"before": before.isoformat(), "after": after.isoformat()}
    for typed in ("0001-01-01", "9999-12-31", ""):
        refused = client.post(
            f"/manage/enrolments/{enrolment.id}/date?lang=en", data={"enrolled_on": typed}
        )
        assert refused.status_code == 400
        assert error_summary(refused.text) in (
            ["Choose a date between the years 1900 and 2100."],
            ["Enter the enrolment date."],
        )


def test_sessions_before_the_enrolment_date_cannot_be_marked(db):
    programme = ProgrammeFactory()
    before = TrainingSessionFactory(programme=programme, starts_at=utcnow() - timedelta(days=3))
    enrolment = EnrolmentFactory(programme=programme, enrolled_at=start_of_local_day(local_today()))
    try:
        services.record_attendance(before, enrolment, A.PRESENT, by=organiser())
    except services.TrainingError:
        pass
    else:
        raise AssertionError("a session before the enrolment was marked")
    assert services.sheet(before) == []


def test_a_required_module_added_later_takes_back_completion(db):
    programme = ProgrammeFactory(completion_rule=CompletionRule.REQUIRED_MODULES)
    module = ModuleFactory(programme=programme)
    session = TrainingSessionFactory(programme=programme, module=module)
    enrolment = EnrolmentFactory(programme=programme)
    services.record_attendance(session, enrolment, A.PRESENT, by=organiser())
    assert enrolment.status is EnrolmentStatus.COMPLETED
    services.add_module(
        programme, by=organiser(), title={"ky": "Гендер"}, topic=module.topic, required=True,
        hours=module.hours,
    )  # fmt: skip
    assert enrolment.status is EnrolmentStatus.ACTIVE
    assert enrolment.certificate.state is CertificateState.FLAGGED


def test_marks_from_before_a_corrected_enrolment_date_leave_the_attendance_rate(
    client, login_as, db
):
    login_as("organiser")
    programme = ProgrammeFactory(created_at=utcnow() - timedelta(days=60))
    early, late = (
        TrainingSessionFactory(programme=programme, starts_at=utcnow() - timedelta(days=days))
        for days in (20, 2)
    )
    enrolment = EnrolmentFactory(programme=programme)
    services.record_attendance(early, enrolment, A.PRESENT, by=organiser())
    services.record_attendance(late, enrolment, A.ABSENT, by=organiser())
    services.change_enrolment_date(enrolment, local_today() - timedelta(days=5), by=organiser())
    db.session.commit()
    page = client.get("/manage/ambassadors").text
    assert '<td class="num">0%</td>' in page  # 0 of the 1 session since the new date
