"""Double clicks and retries: two identical requests at once, or one after the other, change
things once — one history row, one e-mail, no second version — and never answer 5xx.

The "at once" tests commit their data for real and send the two requests from two threads,
each with its own app context and database connection. Both requests are held at the door of
the service until the other has arrived too, so both have read the page's state before either
changes it (on PostgreSQL; SQLite queues writers at BEGIN, so there the second one simply waits
and the test proves the same outcome).
"""

import threading
from datetime import timedelta
from itertools import pairwise

import pytest
import sqlalchemy as sa

from portal.camps.models import Application
from portal.camps.models import ApplicationEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampAttendance
from portal.extensions import db as database
from portal.groups.models import PlanVersion
from portal.i18n import local_today
from portal.notify import OutboundEmail
from portal.security import Role
from portal.training.models import Attendance
from portal.training.models import AttendanceChange
from portal.training.models import Certificate
from tests.conftest import PortalClient
from tests.factories import ActionPlanFactory
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import EnrolmentFactory
from tests.factories import ProgrammeFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.helpers import plan_form
from tests.helpers import registration_data
from tests.helpers import signed_in

#: Tables the migrations fill with reference data; every other table is emptied after a test.
REFERENCE_TABLES = {"admin_unit", "alembic_version"}

COMPLETE = {
    "motivation": "Мен башка айылдардын жаштары менен таанышкым келет.",
    "safety_problem": "Кыздар мектепти эрте таштап кетишет.",
    "spoken_languages": ["ky", "uz"],
    "emergency_name": "Апам",
    "emergency_phone": "0555 111 222",
    "action": "submit",
}


@pytest.fixture
def committed(app):
    """Set-up committed for real (so other connections see it); every table emptied after."""
    app.test_client_class = PortalClient
    with app.app_context():
        yield database
        database.session.remove()
    with app.app_context():
        for table in reversed(database.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                database.session.execute(table.delete())
        database.session.commit()
        database.session.remove()


def held_at(monkeypatch, *targets, parties: int = 2, timeout: float = 2.0) -> None:
    """Make each (module, name) wait until `parties` requests have called one of them, or
    `timeout` has passed (where the database queues the second request before it gets there)."""
    meeting = threading.Barrier(parties, timeout=timeout)
    for module, name in targets:
        original = getattr(module, name)

        def waiting(*args, _original=original, **kwargs):
            try:
                meeting.wait()
            except threading.BrokenBarrierError:
                pass
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, waiting)


def at_once(*requests) -> list[int]:
    """Run each request (a function returning a response) in its own thread; their statuses."""
    statuses: list[int] = [0] * len(requests)

    def run(number, request):
        try:
            statuses[number] = request().status_code
        except Exception:  # the test client re-raises what a server would answer with a 500
            statuses[number] = 500
            raise

    threads = [threading.Thread(target=run, args=item) for item in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def count(app, model, *conditions) -> int:
    with app.app_context():
        total = database.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(*conditions)
        )
        database.session.remove()
    return total or 0


def application_state(app, application_id):
    with app.app_context():
        application = database.session.get(Application, application_id)
        state = (application.status, [(e.from_status, e.to_status) for e in application.events])
        database.session.remove()
    return state


def emails_to(app, user_id) -> int:
    return count(app, OutboundEmail, OutboundEmail.user_id == user_id)


def no_server_error(statuses) -> bool:
    return all(status < 500 for status in statuses)


# --- camps: deciding, sending, applying, giving places back -----------------------------------


def test_two_organisers_accepting_the_same_application_at_once_accept_it_once(
    app, committed, monkeypatch
):
    from portal.camps import services

    organisers = [UserFactory(roles={Role.ORGANISER}) for _ in range(2)]
    application = ApplicationFactory(camp=CampFactory(capacity=5))
    application_id, applicant_id = application.id, application.user_id
    clients = [signed_in(app, organiser) for organiser in organisers]
    committed.session.remove()
    held_at(monkeypatch, (services, "decide"))

    def accept(client):
        return lambda: client.post(
            f"/manage/applications/{application_id}/decide", data={"decision": "accepted"}
        )

    statuses = at_once(*(accept(client) for client in clients))
    assert no_server_error(statuses), statuses
    status, events = application_state(app, application_id)
    assert status is S.ACCEPTED
    assert events.count((S.SUBMITTED, S.ACCEPTED)) == 1
    assert emails_to(app, applicant_id) == 1


def test_a_double_click_on_send_sends_the_application_once(app, committed, monkeypatch):
    from portal.camps import services

    youth = UserFactory()
    application = ApplicationFactory(
        camp=CampFactory(), applicant=youth, status=S.DRAFT, submitted_at=None
    )
    application_id = application.id
    clients = [signed_in(app, youth) for _ in range(2)]
    committed.session.remove()
    held_at(monkeypatch, (services, "save_answers"))

    def send(client):
        return lambda: client.post(f"/applications/{application_id}", data=COMPLETE)

    statuses = at_once(*(send(client) for client in clients))
    assert statuses == [302, 302]
    status, events = application_state(app, application_id)
    assert status is S.SUBMITTED
    assert events.count((S.DRAFT, S.SUBMITTED)) == 1
    assert emails_to(app, youth.id) == 1


def test_a_double_click_on_apply_opens_one_application(app, committed, monkeypatch):
    from portal.camps import services

    youth = UserFactory()
    camp_id = CampFactory().id
    clients = [signed_in(app, youth) for _ in range(2)]
    committed.session.remove()
    held_at(monkeypatch, (services, "start_application"))
    statuses = at_once(*(lambda c=c: c.post(f"/camps/{camp_id}/apply") for c in clients))
    assert statuses == [302, 302]
    assert count(app, Application, Application.camp_id == camp_id) == 1
    assert count(app, ApplicationEvent) == 1


def test_a_withdrawal_is_never_overwritten_by_a_promotion_at_the_same_moment(
    app, committed, monkeypatch
):
    """The holder of the only place declines while the first on the waiting list withdraws:
    however they interleave, the one who withdrew stays withdrawn and the place goes on."""
    from portal.camps import services

    camp = CampFactory(capacity=1)
    deadline = local_today() + timedelta(days=5)
    holder = ApplicationFactory(camp=camp, status=S.ACCEPTED, offer_expires_on=deadline)
    leaving, next_one = (
        ApplicationFactory(camp=camp, status=S.WAITLISTED, waitlist_position=n) for n in (1, 2)
    )
    ids = holder.id, leaving.id, next_one.id
    decline = signed_in(app, holder.applicant)
    withdraw = signed_in(app, leaving.applicant)
    committed.session.remove()
    held_at(monkeypatch, (services, "decline"), (services, "withdraw"))
    statuses = at_once(
        lambda: decline.post(f"/applications/{ids[0]}/decline"),
        lambda: withdraw.post(f"/applications/{ids[1]}/withdraw", data={"confirm": "yes"}),
    )
    assert no_server_error(statuses), statuses
    states = [application_state(app, application_id) for application_id in ids]
    assert [status for status, _events in states] == [S.DECLINED, S.WITHDRAWN, S.ACCEPTED]
    for _status, events in states:  # each step starts where the one before ended
        assert all(before[1] == after[0] for before, after in pairwise(events)), events


def test_a_decline_and_a_decision_on_the_same_place_do_not_deadlock(app, committed, monkeypatch):
    """The applicant gives the place back while an organiser moves them to the waiting list:
    both take the camp first, then the application, so one waits for the other."""
    from portal.camps.services import applications

    organiser = UserFactory(roles={Role.ORGANISER})
    camp = CampFactory(capacity=1)
    holder = ApplicationFactory(
        camp=camp, status=S.ACCEPTED, offer_expires_on=local_today() + timedelta(days=5)
    )
    waiting = ApplicationFactory(camp=camp, status=S.WAITLISTED, waitlist_position=1)
    ids = holder.id, waiting.id
    applicant, manager = signed_in(app, holder.applicant), signed_in(app, organiser)
    committed.session.remove()
    # Before the fix the decline wrote its row, then asked for the camp that the decision
    # held while it waited for that row.
    original_promote = applications.promote_from_waitlist

    def promote_after_writing(*args, **kwargs):
        database.session.flush()
        return original_promote(*args, **kwargs)

    monkeypatch.setattr(applications, "promote_from_waitlist", promote_after_writing)
    held_at(
        monkeypatch, (applications, "promote_from_waitlist"), (applications, "decision_refusal")
    )
    statuses = at_once(
        lambda: applicant.post(f"/applications/{ids[0]}/decline"),
        lambda: manager.post(
            f"/manage/applications/{ids[0]}/decide",
            data={"decision": "waitlisted", "reason": "Кийин."},
        ),
    )
    assert no_server_error(statuses), statuses
    holder_status, holder_events = application_state(app, ids[0])
    assert holder_status in (S.DECLINED, S.WAITLISTED)
    assert len(holder_events) == 1  # one of the two steps, and only one
    waiting_status, _events = application_state(app, ids[1])
    assert waiting_status is S.ACCEPTED  # the place went on either way


def test_a_camp_day_checked_in_twice_at_once_is_one_mark(app, committed, monkeypatch):
    from portal.camps import services

    organiser = UserFactory(roles={Role.ORGANISER})
    today = local_today()
    camp = CampFactory(
        start_date=today, applications_open=today - timedelta(days=20),
        applications_close=today - timedelta(days=5),
        confirmation_deadline=today - timedelta(days=2),
    )  # fmt: skip
    application = ApplicationFactory(camp=camp, status=S.CONFIRMED)
    application_id = application.id
    clients = [signed_in(app, organiser) for _ in range(2)]
    committed.session.remove()
    held_at(monkeypatch, (services, "mark_attendance"))

    def check_in(client):
        return lambda: client.post(
            f"/manage/applications/{application_id}/checkin",
            data={"day": today.isoformat(), "present": "yes"},
        )

    statuses = at_once(*(check_in(client) for client in clients))
    assert statuses == [302, 302]
    assert count(app, CampAttendance, CampAttendance.application_id == application_id) == 1
    status, events = application_state(app, application_id)
    assert status is S.ATTENDED
    assert events.count((S.CONFIRMED, S.ATTENDED)) == 1


# --- training and accounts ----------------------------------------------------------------------


def test_attendance_marked_twice_at_once_is_one_mark_and_one_certificate(
    app, committed, monkeypatch
):
    from portal.training import services

    mentor = UserFactory(roles={Role.MENTOR})
    programme = ProgrammeFactory(completion_percent=50)
    session = TrainingSessionFactory(programme=programme, trainer=mentor)
    enrolment = EnrolmentFactory(programme=programme)
    ids = session.id, enrolment.id, enrolment.user_id
    clients = [signed_in(app, mentor) for _ in range(2)]
    committed.session.remove()
    held_at(monkeypatch, (services, "record_attendance"))

    def mark(client):
        return lambda: client.post(
            f"/sessions/{ids[0]}/attendance", data={f"mark-{ids[1]}": "present"}
        )

    statuses = at_once(*(mark(client) for client in clients))
    assert statuses == [302, 302]
    assert count(app, Attendance, Attendance.session_id == ids[0]) == 1
    assert count(app, AttendanceChange, AttendanceChange.session_id == ids[0]) == 1
    assert count(app, Certificate) == 1
    assert emails_to(app, ids[2]) == 1


def test_registering_twice_at_once_makes_one_account_and_signs_both_in(app, committed, monkeypatch):
    from portal.accounts import services
    from portal.accounts.models import User

    committed.session.remove()
    held_at(monkeypatch, (services, "register_youth"))
    clients = [app.test_client() for _ in range(2)]
    data = registration_data(email="twice@example.org", phone="0555 987 654")
    statuses = at_once(*(lambda c=c: c.post("/auth/register", data=data) for c in clients))
    assert statuses == [302, 302]
    assert count(app, User, User.email == "twice@example.org") == 1
    for client in clients:  # each browser tab is signed in, to the one account
        assert client.get("/account/profile").status_code == 200


# --- the second click, one after the other (both databases) -----------------------------------


def test_sending_an_application_a_second_time_shows_it_sent(client, login_as, db):
    youth = login_as("youth")
    application = ApplicationFactory(
        camp=CampFactory(), applicant=youth, status=S.DRAFT, submitted_at=None
    )
    first = client.post(f"/applications/{application.id}", data=COMPLETE)
    second = client.post(f"/applications/{application.id}?lang=en", data=COMPLETE)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == f"/applications/{application.id}"
    page = client.get(second.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "This application has already been sent." in page
    db.session.expire_all()
    events = [(e.from_status, e.to_status) for e in application.events]
    assert events.count((S.DRAFT, S.SUBMITTED)) == 1
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboundEmail).where(
            OutboundEmail.user_id == youth.id
        )
    ) == 1  # fmt: skip


def test_accepting_a_second_time_changes_nothing(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(camp=CampFactory(capacity=5))
    for _ in range(2):
        response = client.post(
            f"/manage/applications/{application.id}/decide", data={"decision": "accepted"}
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"/manage/applications/{application.id}"
    db.session.expire_all()
    assert [e.to_status for e in application.events] == [S.ACCEPTED]
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboundEmail).where(
            OutboundEmail.user_id == application.user_id
        )
    ) == 1  # fmt: skip


def test_applying_a_second_time_opens_the_same_application(client, login_as, db):
    login_as("youth")
    camp = CampFactory()
    first = client.post(f"/camps/{camp.id}/apply")
    second = client.post(f"/camps/{camp.id}/apply")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Application).where(Application.camp_id == camp.id)
    ) == 1  # fmt: skip


def test_declining_a_second_time_is_told_calmly(client, db):
    from tests.helpers import sign_in

    camp = CampFactory(capacity=1)
    holder = ApplicationFactory(
        camp=camp, status=S.ACCEPTED, offer_expires_on=local_today() + timedelta(days=3)
    )
    sign_in(client, holder.applicant)
    for _ in range(2):
        response = client.post(f"/applications/{holder.id}/decline?lang=en")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/applications/{holder.id}"
        page = client.get(f"/applications/{holder.id}?lang=en").text
        assert "You declined the place. Thank you for telling us." in page
        assert "There is no offer to decline." not in page
    db.session.expire_all()
    assert [e.to_status for e in holder.events] == [S.DECLINED]


def test_registering_a_second_time_from_a_tab_not_yet_signed_in_signs_in(app, client, db):
    from portal.accounts.models import User

    data = registration_data(email="again@example.org", phone=None)
    first = client.post("/auth/register", data=data)
    other_tab = app.test_client()  # the first answer's cookie has not reached it
    second = other_tab.post("/auth/register", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.email == "again@example.org")
    ) == 1  # fmt: skip
    assert other_tab.get("/account/profile").status_code == 200


def test_a_second_registration_with_another_password_is_still_refused(app, client, db):
    data = registration_data(email="again@example.org", phone=None)
    client.post("/auth/register", data=data)
    other_tab = app.test_client()
    second = other_tab.post(
        "/auth/register?lang=en", data={**data, "password": "another-long-password-1"}
    )
    assert second.status_code == 400
    assert "An account with this e-mail already exists" in second.get_data(as_text=True)


def test_marking_attendance_a_second_time_changes_nothing(client, login_as, db):
    mentor = login_as("mentor")
    session = TrainingSessionFactory(trainer=mentor)
    enrolment = EnrolmentFactory(programme=session.programme)
    for _ in range(2):
        response = client.post(
            f"/sessions/{session.id}/attendance", data={f"mark-{enrolment.id}": "present"}
        )
        assert response.status_code == 302
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(AttendanceChange)
    ) == 1  # fmt: skip


# --- action plans -------------------------------------------------------------------------------


def test_a_double_click_on_send_freezes_one_plan_version(app, committed, monkeypatch):
    from portal.groups import services

    mentor = UserFactory(roles={Role.MENTOR})
    plan = ActionPlanFactory(group=YouthGroupFactory(mentors=[mentor]))
    data, plan_id, mentor_id = plan_form(plan, "send"), plan.id, mentor.id
    clients = [signed_in(app, plan.group.lead) for _ in range(2)]
    committed.session.remove()
    held_at(monkeypatch, (services, "save_draft"))
    statuses = at_once(*(lambda c=c: c.post(f"/plans/{plan_id}", data=data) for c in clients))
    assert statuses == [302, 302]
    assert count(app, PlanVersion, PlanVersion.plan_id == plan_id) == 1
    assert emails_to(app, mentor_id) == 1


def test_sending_a_plan_a_second_time_shows_it_sent(client, db):
    from tests.helpers import sign_in

    plan = ActionPlanFactory()
    sign_in(client, plan.group.lead)
    for _ in range(2):
        response = client.post(f"/plans/{plan.id}?lang=en", data=plan_form(plan, "send"))
        assert response.status_code == 302
        page = client.get(f"/plans/{plan.id}?lang=en").text
        assert "Version 1 is sent to your mentors." in page
    db.session.expire_all()
    assert [version.number for version in plan.versions] == [1]


# --- youth groups -------------------------------------------------------------------------------


def test_switching_a_group_off_twice_leaves_it_off_with_one_audit_event(client, login_as, db):
    from portal.audit import AuditEvent

    login_as("organiser")
    group = YouthGroupFactory()
    for _ in range(2):
        response = client.post(f"/manage/groups/{group.id}/active", data={"state": "off"})
        assert response.status_code == 302
    db.session.expire_all()
    assert not group.active
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("group.%"))
    ).all()
    assert actions == ["group.deactivated"]


def test_a_group_switch_without_a_state_is_refused_and_changes_nothing(client, login_as, db):
    login_as("organiser")
    group = YouthGroupFactory()
    assert client.post(f"/manage/groups/{group.id}/active").status_code == 400
    assert client.post(f"/manage/groups/{group.id}/active", data={"state": "x"}).status_code == 400
    db.session.expire_all()
    assert group.active
