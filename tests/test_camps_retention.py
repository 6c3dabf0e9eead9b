"""Health needs, emergency and guardian contacts and consent scans are cleared a while after the
camp (CAMP_SENSITIVE_RETENTION_DAYS), for everyone; statuses, attendance and counts stay."""

from datetime import timedelta

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.camps import balance
from portal.camps import queries
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampAttendance
from portal.camps.models import ConsentMethod
from portal.camps.models import GuardianConsent
from portal.camps.privacy import apply_sensitive_retention
from portal.i18n import local_today
from portal.places import place_names
from portal.reports import aggregates
from portal.reports import report
from portal.storage import storage
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.helpers import years_ago

SENSITIVE = {
    "needs": "Астма, ингалятор керек",
    "emergency_name": "Апасы Гүлнара",
    "emergency_phone": "+996555000111",
    "guardian_name": "Гүлнара Садыкова",
    "guardian_relation": "апасы",
    "guardian_phone": "+996700123456",
}
CLEARED = {name: None if name.endswith("phone") else "" for name in SENSITIVE}


def sensitive(application) -> dict:
    return {name: getattr(application, name) for name in SENSITIVE}


def ended(days_ago: int):
    """A camp whose last day was `days_ago` days ago."""
    end = local_today() - timedelta(days=days_ago)
    return CampFactory(
        start_date=end - timedelta(days=2), end_date=end,
        applications_open=end - timedelta(days=60), applications_close=end - timedelta(days=20),
        confirmation_deadline=end - timedelta(days=10), region_code="KG-B",
    )  # fmt: skip


def old_camp_with_participants(db):
    camp = ended(days_ago=100)
    young = UserFactory(date_of_birth=years_ago(16), gender="female", region_code="KG-B",
                        district_code="KG-B-LEILEK")  # fmt: skip
    minor = ApplicationFactory(camp=camp, applicant=young, status=S.ATTENDED, **SENSITIVE)
    storage().put("retention-scan.pdf", b"%PDF-1.4 scan")
    GuardianConsentFactory(
        application=minor, method=ConsentMethod.PAPER_FORM, file_name="retention-scan.pdf",
        file_type="application/pdf", note="Апасы мектепте кол койду.",
    )  # fmt: skip
    adult = ApplicationFactory(camp=camp, status=S.NO_SHOW, **SENSITIVE)
    rejected = ApplicationFactory(camp=camp, status=S.REJECTED, **SENSITIVE)
    for day in camp.days():
        db.session.add(CampAttendance(application_id=minor.id, day=day, present=True))
        db.session.add(CampAttendance(application_id=adult.id, day=day, present=False))
    db.session.commit()
    return camp, [minor, adult, rejected]


def figures(camp):
    """Everything counted about the camp and its people, as organisers and reports see it."""
    scope = aggregates.Scope(camp.start_date.replace(month=1, day=1), local_today())
    from portal.extensions import db

    return {
        "breakdowns": aggregates.breakdowns(scope),
        "camps held": aggregates.camps_held(scope),
        "report": report.build(scope, place_names()),
        "statuses": queries.status_counts([camp.id]),
        "balance": balance.balance_of(camp).tables,
        "attendance": db.session.execute(
            sa.select(
                CampAttendance.application_id, CampAttendance.day, CampAttendance.present
            ).order_by(CampAttendance.application_id, CampAttendance.day)
        ).all(),
        "consents": db.session.execute(
            sa.select(
                GuardianConsent.application_id, GuardianConsent.method, GuardianConsent.recorded_at
            )  # fmt: skip
        ).all(),
    }


def cleared_events(db) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "retention.sensitive_cleared")
    ).all()


def test_sensitive_details_go_after_the_period_and_counts_stay(app, db):
    camp, applications = old_camp_with_participants(db)
    recent = ApplicationFactory(camp=ended(days_ago=30), status=S.ATTENDED, **SENSITIVE)
    before = figures(camp)
    statuses = [a.status for a in applications]

    result = app.test_cli_runner().invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert "consent scans of 3 applications." in result.output
    db.session.expire_all()

    for application in applications:
        assert sensitive(application) == CLEARED
        assert application.sensitive_cleared_at is not None
        assert application.motivation  # only the sensitive details go
    assert [a.status for a in applications] == statuses
    consent = db.session.scalar(sa.select(GuardianConsent))
    assert (consent.file_name, consent.note, consent.method) == (None, "", ConsentMethod.PAPER_FORM)
    assert storage().get("retention-scan.pdf") is None
    assert sensitive(recent) == SENSITIVE  # its camp ended 30 days ago: kept for now
    assert figures(camp) == before
    events = cleared_events(db)
    assert [(e.object_type, e.object_id, e.details["applications"]) for e in events] == [
        ("camp", camp.id, 3)
    ]


def test_running_retention_again_changes_nothing(app, db):
    camp, applications = old_camp_with_participants(db)
    runner = app.test_cli_runner()
    runner.invoke(args=["retention", "apply"])
    db.session.expire_all()
    first = [a.sensitive_cleared_at for a in applications]
    result = runner.invoke(args=["retention", "apply"])
    assert "consent scans of 0 applications." in result.output
    db.session.expire_all()
    assert [a.sensitive_cleared_at for a in applications] == first
    assert len(cleared_events(db)) == 1


def test_the_period_is_a_setting(app, db):
    application = ApplicationFactory(camp=ended(days_ago=100), **SENSITIVE)
    assert app.config["CAMP_SENSITIVE_RETENTION_DAYS"] == 90
    app.test_cli_runner().invoke(args=["retention", "apply", "--sensitive-days", "120"])
    db.session.expire_all()
    assert sensitive(application) == SENSITIVE
    app.test_cli_runner().invoke(args=["retention", "apply", "--sensitive-days", "99"])
    db.session.expire_all()
    assert sensitive(application) == CLEARED


def test_a_scan_stays_until_the_clearing_commits(db):
    _camp, _applications = old_camp_with_participants(db)
    savepoint = db.session.begin_nested()
    assert apply_sensitive_retention(90) == 3
    db.session.flush()
    assert storage().get("retention-scan.pdf") is not None  # not committed yet
    savepoint.rollback()
    db.session.commit()
    assert storage().get("retention-scan.pdf") is not None  # rolled back: the scan is kept
    assert db.session.scalar(sa.select(GuardianConsent.file_name)) == "retention-scan.pdf"
    assert apply_sensitive_retention(90) == 3
    db.session.commit()
    assert storage().get("retention-scan.pdf") is None


def test_the_organiser_page_says_why_the_details_are_gone(client, login_as, app, db):
    camp, (minor, *_rest) = old_camp_with_participants(db)
    app.test_cli_runner().invoke(args=["retention", "apply"])
    login_as("organiser")
    page = client.get(f"/manage/applications/{minor.id}?lang=en").text
    assert "removed under the retention rule" in page
    assert SENSITIVE["needs"] not in page
    assert db.session.get(Application, minor.id).status is S.ATTENDED
