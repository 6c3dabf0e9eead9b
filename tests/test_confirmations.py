"""Steps that cannot be undone ask first, on a server-rendered page that names what will happen;
without the confirmation nothing changes (no service is called, nothing is audited or told)."""

import html
import re

import pytest
import sqlalchemy as sa

from portal.accounts import services as account_services
from portal.audit import AuditEvent
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampStatus
from portal.notify import Notification
from portal.security import Role
from portal.training import services as training_services
from portal.training.models import AttendanceStatus as A
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import EnrolmentFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory


def confirmation_form(page: str) -> tuple[str, dict[str, list[str]]]:
    """The action and hidden fields of the confirmation page's form (the one with `confirm`)."""
    form = next(
        form
        for form in re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', page, re.S)
        if 'name="confirm"' in form[1]
    )
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[1]):
        if name != "csrf_token":
            fields.setdefault(name, []).append(html.unescape(value))
    return html.unescape(form[0]), fields


def confirm(client, page: str):
    """Press the confirmation page's button: post back exactly what the page holds."""
    action, fields = confirmation_form(page)
    return client.post(action, data=fields)


def asks_first(response, *phrases) -> str:
    page = response.text
    assert response.status_code == 200
    assert "What will happen" in page
    for phrase in phrases:
        assert phrase in html.unescape(page), phrase
    return page


def events(action: str) -> int:
    from portal.extensions import db

    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_cancelling_a_camp_says_who_is_told_and_waits_for_the_confirmation(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    for status in (S.SUBMITTED, S.ACCEPTED, S.CONFIRMED, S.REJECTED):
        ApplicationFactory(camp=camp, status=status)
    response = client.post(f"/manage/camps/{camp.id}/status?lang=en", data={"status": "cancelled"})
    page = asks_first(
        response,
        "The camp will be cancelled for good",
        "3 people who applied will be told at once that the camp is cancelled.",
        "2 of them have a place at the camp (accepted or confirmed).",
    )
    db.session.refresh(camp)
    assert camp.status is CampStatus.PUBLISHED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert events("camp.cancelled") == 0

    assert confirm(client, page).status_code == 302
    db.session.refresh(camp)
    assert camp.status is CampStatus.CANCELLED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 3
    assert events("camp.cancelled") == 1


def test_steps_that_can_be_undone_do_not_ask(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    response = client.post(f"/manage/camps/{camp.id}/status", data={"status": "closed"})
    assert response.status_code == 302
    db.session.refresh(camp)
    assert camp.status is CampStatus.CLOSED


def test_withdrawing_a_place_says_it_goes_to_the_waiting_list_first(client, login_as, db):
    person = login_as("youth")
    camp = CampFactory(capacity=1)
    mine = ApplicationFactory(camp=camp, applicant=person, status=S.ACCEPTED)
    waiting = ApplicationFactory(camp=camp, status=S.WAITLISTED, waitlist_position=1)
    response = client.post(f"/applications/{mine.id}/withdraw?lang=en")
    page = asks_first(
        response,
        "will be withdrawn",
        "You will give up your place: it goes to the next person on the waiting list",
        "You can apply again while applications are open",
    )
    db.session.refresh(mine)
    db.session.refresh(waiting)
    assert (mine.status, waiting.status) == (S.ACCEPTED, S.WAITLISTED)

    assert confirm(client, page).status_code == 302
    db.session.refresh(mine)
    db.session.refresh(waiting)
    assert (mine.status, waiting.status) == (S.WITHDRAWN, S.ACCEPTED)


def test_leaving_the_waiting_list_names_the_place_in_the_queue(client, login_as, db):
    person = login_as("youth")
    mine = ApplicationFactory(applicant=person, status=S.WAITLISTED, waitlist_position=4)
    asks_first(
        client.post(f"/applications/{mine.id}/withdraw?lang=en"),
        "You will leave the waiting list, where you are number 4.",
    )


def test_marking_everyone_present_says_whose_marks_it_replaces(client, login_as, db):
    organiser = login_as("organiser")
    session = TrainingSessionFactory()
    absent, unmarked, present = (EnrolmentFactory(programme=session.programme) for _ in range(3))
    training_services.record_attendance(session, absent, A.ABSENT, by=organiser)
    training_services.record_attendance(session, present, A.PRESENT, by=organiser)
    db.session.commit()
    response = client.post(f"/sessions/{session.id}/attendance/all-present?lang=en")
    page = asks_first(
        response,
        "2 people will be marked present at this session.",
        "1 mark already given (late, excused or absent) will be replaced by present.",
    )
    marks = {
        enrolment.id: mark and mark.status for enrolment, mark in training_services.sheet(session)
    }
    assert marks == {absent.id: A.ABSENT, unmarked.id: None, present.id: A.PRESENT}

    assert confirm(client, page).status_code == 302
    marks = {enrolment.id: mark.status for enrolment, mark in training_services.sheet(session)}
    assert set(marks.values()) == {A.PRESENT}


def test_removing_a_role_names_it_and_waits_for_the_confirmation(client, login_as, db):
    login_as("admin")
    person = UserFactory(roles={Role.YOUTH, Role.MENTOR})
    response = client.post(f"/admin/users/{person.id}/roles?lang=en", data={"roles": ["youth"]})
    page = asks_first(response, f"{person.full_name} will lose these roles: Mentor.")
    db.session.refresh(person)
    assert person.roles == {Role.YOUTH, Role.MENTOR}
    assert events("user.roles_changed") == 0

    assert confirm(client, page).status_code == 302
    db.session.refresh(person)
    assert person.roles == {Role.YOUTH}
    assert events("user.roles_changed") == 1


def test_adding_a_role_does_not_ask(client, login_as, db):
    login_as("admin")
    person = UserFactory()
    response = client.post(f"/admin/users/{person.id}/roles", data={"roles": ["youth", "mentor"]})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.roles == {Role.YOUTH, Role.MENTOR}


def test_a_step_the_rules_refuse_is_refused_without_asking(client, login_as, db):
    """The confirmation is only offered for a step the service would take."""
    admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}/roles?lang=en", data={"roles": ["mentor"]})
    assert response.status_code == 400
    assert "What will happen" not in response.text
    assert "You cannot remove your own admin role." in response.text


# --- an account always keeps a role -----------------------------------------------------------


def test_an_account_cannot_be_left_without_a_role(client, login_as, db):
    login_as("admin")
    person = UserFactory(roles={Role.MENTOR})
    for data in ({}, {"confirm": "yes"}):
        response = client.post(f"/admin/users/{person.id}/roles?lang=en", data=data)
        assert response.status_code == 400
        assert "Every account needs at least one role." in response.text
    db.session.refresh(person)
    assert person.roles == {Role.MENTOR}
    assert events("user.roles_changed") == 0


def test_the_service_refuses_an_empty_role_set_whoever_calls_it(db):
    admin = UserFactory(roles={Role.ADMIN})
    person = UserFactory(roles={Role.MENTOR})
    with pytest.raises(account_services.AccountError):
        account_services.change_roles(person, set(), by=admin)
    with pytest.raises(account_services.AccountError):
        account_services.change_roles(admin, {Role.ORGANISER}, by=admin)
    assert person.roles == {Role.MENTOR} and admin.roles == {Role.ADMIN}
