"""The waiting list, offers that expire, and a capacity that holds under concurrent decisions."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.camps import services
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import Who
from portal.i18n import local_today
from portal.notify import Notification
from portal.security import Role
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.factories import minor


def full_camp(db, capacity=1, waiting=2):
    camp = CampFactory(capacity=capacity)
    accepted = [
        ApplicationFactory(
            camp=camp, status=S.ACCEPTED, offer_expires_on=local_today() + timedelta(days=3)
        )
        for _ in range(capacity)
    ]
    queue = [
        ApplicationFactory(camp=camp, status=S.WAITLISTED, waitlist_position=n + 1)
        for n in range(waiting)
    ]
    return camp, accepted, queue


def as_applicant(client, application):
    with client.session_transaction() as session:
        session["_user_id"] = application.applicant.get_id()


def test_decline_offers_the_place_to_the_first_on_the_list(client, db):
    camp, [holder], [first, second] = full_camp(db)
    as_applicant(client, holder)
    client.post(f"/applications/{holder.id}/decline")
    db.session.expire_all()
    assert (holder.status, first.status, second.status) == (S.DECLINED, S.ACCEPTED, S.WAITLISTED)
    assert first.offer_expires_on is not None and first.waitlist_position is None
    assert first.events[-1].reason == "waitlist"
    notice = db.session.scalars(sa.select(Notification.user_id)).all()
    assert first.user_id in notice


def test_the_queue_is_renumbered_when_someone_leaves_it(client, db):
    camp, [holder], [first, second, third] = full_camp(db, waiting=3)
    as_applicant(client, holder)
    client.post(f"/applications/{holder.id}/decline")
    db.session.expire_all()
    assert first.status is S.ACCEPTED
    assert (second.waitlist_position, third.waitlist_position) == (1, 2)
    as_applicant(client, second)
    client.post(f"/applications/{second.id}/withdraw", data={"confirm": "yes"})
    db.session.expire_all()
    assert third.waitlist_position == 1
    as_applicant(client, third)
    page = client.get(f"/applications/{third.id}?lang=en")
    assert "Your place in the queue: 1." in page.text


def test_withdrawal_of_a_confirmed_place_also_moves_the_list(client, db):
    camp, [holder], [first, _second] = full_camp(db)
    holder.status = S.CONFIRMED
    db.session.commit()
    as_applicant(client, holder)
    client.post(f"/applications/{holder.id}/withdraw", data={"confirm": "yes"})
    db.session.expire_all()
    assert first.status is S.ACCEPTED


def test_minor_without_consent_is_skipped_and_keeps_their_place_in_the_queue(client, db):
    camp = CampFactory(capacity=1)
    holder = ApplicationFactory(camp=camp, status=S.ACCEPTED)
    young = ApplicationFactory(
        camp=camp, applicant=minor(), status=S.WAITLISTED, waitlist_position=1
    )
    adult = ApplicationFactory(camp=camp, status=S.WAITLISTED, waitlist_position=2)
    as_applicant(client, holder)
    client.post(f"/applications/{holder.id}/decline")
    db.session.expire_all()
    assert (young.status, adult.status) == (S.WAITLISTED, S.ACCEPTED)


def test_applicants_can_leave_the_waiting_list(client, db):
    camp, _accepted, [first, second] = full_camp(db)
    as_applicant(client, first)
    client.post(f"/applications/{first.id}/withdraw", data={"confirm": "yes"})
    db.session.expire_all()
    assert first.status is S.WITHDRAWN and first.waitlist_position is None
    assert services.waitlist(camp) == [second]


def test_expired_offers_go_to_the_waiting_list(app, db):
    camp, [holder], [first, _second] = full_camp(db)
    holder.offer_expires_on = local_today() - timedelta(days=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["camps", "expire-offers"])
    assert result.exit_code == 0 and "Expired 1 offers." in result.output
    db.session.expire_all()
    assert (holder.status, first.status) == (S.DECLINED, S.ACCEPTED)
    assert holder.events[-1].reason == "offer expired"
    # Safe to run again from cron: nothing more happens.
    assert (
        "Expired 0 offers." in app.test_cli_runner().invoke(args=["camps", "expire-offers"]).output
    )


def test_manual_reordering_needs_a_reason_and_is_audited(client, login_as, db):
    organiser = login_as("organiser")
    camp, _accepted, [first, second] = full_camp(db)
    client.post(f"/manage/applications/{second.id}/waitlist", data={"position": "1", "reason": ""})
    db.session.expire_all()
    assert [a.id for a in services.waitlist(camp)] == [first.id, second.id]
    client.post(
        f"/manage/applications/{second.id}/waitlist",
        data={"position": "1", "reason": "Баткенден эч ким жок"},
    )
    db.session.expire_all()
    assert [a.id for a in services.waitlist(camp)] == [second.id, first.id]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "application.waitlist_moved")
    )
    assert event.actor_id == organiser.id
    assert event.details["reason"] == "Баткенден эч ким жок"


def test_capacity_is_never_exceeded_by_sequential_decisions(client, login_as, db):
    login_as("organiser")
    camp = CampFactory(capacity=2)
    applications = [ApplicationFactory(camp=camp) for _ in range(4)]
    for application in applications:
        client.post(f"/manage/applications/{application.id}/decide", data={"decision": "accepted"})
    assert services.seats_taken(db.session.get(Camp, camp.id)) == 2


def test_reminders_go_once_to_confirmed_participants_of_camps_starting_soon(app, db):
    soon = CampFactory(start_date=local_today() + timedelta(days=1))
    later = CampFactory(start_date=local_today() + timedelta(days=20))
    confirmed = ApplicationFactory(camp=soon, status=S.CONFIRMED)
    ApplicationFactory(camp=soon, status=S.SUBMITTED)
    ApplicationFactory(camp=later, status=S.CONFIRMED)
    runner = app.test_cli_runner()
    assert "Reminded 1 participants " in runner.invoke(args=["camps", "remind"]).output
    assert "Reminded 0 participants " in runner.invoke(args=["camps", "remind"]).output
    assert db.session.scalar(sa.select(Notification.user_id)) == confirmed.user_id


@pytest.fixture
def committed_camp(app):
    """A camp with 8 applicants, committed for real so several connections see it."""
    from portal.extensions import db as database

    with app.app_context():
        organisers = [UserFactory(roles={Role.ORGANISER}) for _ in range(2)]
        camp = CampFactory(capacity=3)
        applications = [ApplicationFactory(camp=camp) for _ in range(8)]
        ids = (camp.id, [a.id for a in applications], [o.id for o in organisers])
        people = [a.user_id for a in applications] + ids[2]
        database.session.remove()
    yield ids
    with app.app_context():
        database.session.execute(sa.delete(Camp).where(Camp.id == ids[0]))
        from portal.accounts.models import User

        database.session.execute(sa.delete(AuditEvent))
        database.session.execute(sa.delete(Notification))
        from portal.notify import OutboundEmail

        database.session.execute(sa.delete(OutboundEmail))
        database.session.execute(sa.delete(User).where(User.id.in_(people)))
        database.session.commit()
        database.session.remove()


def test_capacity_holds_when_organisers_decide_at_the_same_moment(app, committed_camp):
    """Eight decisions from two organisers at once; never more than three places taken."""
    from portal.accounts.models import User
    from portal.extensions import db as database

    camp_id, application_ids, organiser_ids = committed_camp
    start = threading.Barrier(len(application_ids))
    outcomes = []

    def decide(application_id, organiser_id):
        with app.test_request_context(method="POST"):
            start.wait()
            try:
                application = database.session.get(Application, application_id)
                organiser = database.session.get(User, organiser_id)
                services.decide(application, S.ACCEPTED, reason="", by=organiser)
                database.session.commit()
                outcomes.append("accepted")
            except services.CampError:
                database.session.rollback()
                outcomes.append("full")
            finally:
                database.session.remove()

    threads = [
        threading.Thread(target=decide, args=(application_id, organiser_ids[n % 2]))
        for n, application_id in enumerate(application_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        taken = database.session.scalar(
            sa.select(sa.func.count())
            .select_from(Application)
            .where(Application.camp_id == camp_id, Application.status == S.ACCEPTED)
        )
        database.session.remove()
    assert sorted(outcomes) == ["accepted"] * 3 + ["full"] * 5
    assert taken == 3


# --- automatic promotion: only for a freed place, one person each, the reason kept ------------


def test_a_freed_place_goes_to_one_person_even_when_more_are_free(client, db):
    """The organiser left two places free on purpose; one place given back fills one place."""
    camp = CampFactory(capacity=3)
    holder = ApplicationFactory(
        camp=camp, status=S.ACCEPTED, offer_expires_on=local_today() + timedelta(days=3)
    )
    first, second = (
        ApplicationFactory(
            camp=camp, status=S.WAITLISTED, waitlist_position=n, decision_reason=f"Себеп {n}"
        )
        for n in (1, 2)
    )
    as_applicant(client, holder)
    client.post(f"/applications/{holder.id}/decline")
    db.session.expire_all()
    assert (first.status, second.status) == (S.ACCEPTED, S.WAITLISTED)
    assert second.waitlist_position == 1
    # The organiser's reason is never wiped by the portal.
    assert (first.decision_reason, second.decision_reason) == ("Себеп 1", "Себеп 2")
    assert first.events[-1].who is Who.SYSTEM


def test_moving_an_accepted_person_to_the_waiting_list_keeps_them_there(client, login_as, db):
    login_as("organiser")
    camp = CampFactory(capacity=5)
    application = ApplicationFactory(camp=camp, status=S.ACCEPTED)
    response = client.post(
        f"/manage/applications/{application.id}/decide",
        data={"decision": "waitlisted", "reason": "Алгач башкалар."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert application.status is S.WAITLISTED and application.waitlist_position == 1
    assert application.decision_reason == "Алгач башкалар."


def test_a_place_an_organiser_frees_goes_to_the_next_in_the_queue_not_back(client, login_as, db):
    login_as("organiser")
    camp, [holder], [first, second] = full_camp(db)
    client.post(
        f"/manage/applications/{holder.id}/decide",
        data={"decision": "waitlisted", "reason": "Кийинчерээк."},
    )
    db.session.expire_all()
    assert (holder.status, first.status, second.status) == (S.WAITLISTED, S.ACCEPTED, S.WAITLISTED)
    assert (second.waitlist_position, holder.waitlist_position) == (1, 2)


def test_expired_offers_free_one_place_each(db):
    camp = CampFactory(capacity=6)
    for _ in range(2):
        ApplicationFactory(
            camp=camp, status=S.ACCEPTED, offer_expires_on=local_today() - timedelta(days=1)
        )
    queue = [
        ApplicationFactory(camp=camp, status=S.WAITLISTED, waitlist_position=n + 1)
        for n in range(4)
    ]
    services.expire_offers()
    assert [a.status for a in queue] == [S.ACCEPTED, S.ACCEPTED, S.WAITLISTED, S.WAITLISTED]
    assert [a.waitlist_position for a in queue[2:]] == [1, 2]


def test_a_no_show_keeps_the_place_so_a_late_arrival_never_overfills_the_camp(client, login_as, db):
    """Absent on day one, the place is not offered again: on day two she may still come."""
    login_as("organiser")
    camp = CampFactory(capacity=1, start_date=local_today() - timedelta(days=1))
    late = ApplicationFactory(camp=camp, status=S.CONFIRMED)
    waiting = ApplicationFactory(camp=camp, status=S.WAITLISTED, waitlist_position=1)
    first, second, _third = camp.days()
    client.post(
        f"/manage/applications/{late.id}/checkin", data={"day": first.isoformat(), "present": "no"}
    )
    client.post(f"/manage/applications/{waiting.id}/decide", data={"decision": "accepted"})
    client.post(
        f"/manage/applications/{late.id}/checkin",
        data={"day": second.isoformat(), "present": "yes"},
    )
    db.session.expire_all()
    assert (late.status, waiting.status) == (S.ATTENDED, S.WAITLISTED)
    assert services.seats_taken(camp) == 1
