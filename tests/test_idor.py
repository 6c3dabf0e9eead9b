"""Generated object-level access suite: every route that names an object by id is listed here
with who owns that object; the owner gets in, another person of the same role gets 404.

A route with an id that is not listed makes the suite fail, like the permission matrix."""

import re

import pytest

from portal.accounts.models import User
from portal.camps.models import ApplicationStatus
from portal.extensions import db
from portal.groups import members
from portal.groups import services as group_services
from portal.groups.models import JoinedVia
from portal.groups.models import PlanStatus
from portal.imports.models import ImportBatch
from portal.imports.models import ImportKind
from portal.security import Role
from portal.storage import storage
from portal.training.models import EnrolmentStatus
from tests.factories import ActionPlanFactory
from tests.factories import ApplicationFactory
from tests.factories import CertificateFactory
from tests.factories import EnrolmentFactory
from tests.factories import NotificationFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory


def own_application():
    application = ApplicationFactory(status=ApplicationStatus.SUBMITTED)
    return application.applicant, Role.YOUTH, {"application_id": application.id}


def own_certificate():
    certificate = CertificateFactory(enrolment=EnrolmentFactory(status=EnrolmentStatus.COMPLETED))
    return certificate.enrolment.person, Role.YOUTH, {"certificate_id": certificate.id}


def led_session():
    trainer = UserFactory(roles={Role.MENTOR})
    session = TrainingSessionFactory(trainer=trainer)
    return trainer, Role.MENTOR, {"session_id": session.id}


def member_group():
    group = YouthGroupFactory()
    return group.lead, Role.YOUTH, {"group_id": group.id}


def added_member():
    """Someone a lead added before invitations existed: they are asked to stay or leave."""
    person = UserFactory()
    group = YouthGroupFactory(members=[person])
    group_services.membership(group, person).joined_via = JoinedVia.ADDED
    db.session.commit()
    return person, Role.YOUTH, {"group_id": group.id}


def sent_invitation():
    group = YouthGroupFactory()
    invitation = members.invite(group, ("email", "invited@example.org"), by=group.lead)
    db.session.commit()
    return group.lead, Role.YOUTH, {"group_id": group.id, "invitation_id": invitation.id}


def received_invitation():
    group = YouthGroupFactory()
    person = UserFactory()
    invitation = members.invite(group, ("email", person.email), by=group.lead)
    db.session.commit()
    return person, Role.YOUTH, {"invitation_id": invitation.id}


def member_plan():
    plan = ActionPlanFactory()
    return plan.group.lead, Role.YOUTH, {"plan_id": plan.id, "number": 1}


def plan_in_progress():
    """A plan past approval, where the group reports progress and marks it done."""
    plan = ActionPlanFactory(status=PlanStatus.IN_PROGRESS)
    return plan.group.lead, Role.YOUTH, {"plan_id": plan.id, "number": 1}


def mentored_plan():
    mentor = UserFactory(roles={Role.MENTOR})
    plan = ActionPlanFactory(group=YouthGroupFactory(mentors=[mentor]))
    group_services.submit(plan, by=plan.group.lead)
    db.session.commit()
    return mentor, Role.MENTOR, {"plan_id": plan.id, "number": 1}


def sent_plan():
    plan = ActionPlanFactory()
    group_services.submit(plan, by=plan.group.lead)
    db.session.commit()
    return plan.group.lead, Role.YOUTH, {"plan_id": plan.id}


def own_import():
    """An upload: only the organiser who sent it sees it (it holds other people's details)."""
    organiser = UserFactory(roles={Role.ORGANISER})
    storage().put("idor-import.csv", "Name,Phone\nАзамат Сыдыков,0555200001\n".encode())
    batch = ImportBatch(
        kind=ImportKind.PEOPLE, uploaded_by_id=organiser.id, file_name="idor-import.csv",
        file_format="csv", header=["Name", "Phone"], mapping={"full_name": 0, "phone": 1},
        row_count=1,
    )  # fmt: skip
    db.session.add(batch)
    db.session.commit()
    return organiser, Role.ORGANISER, {"batch_id": batch.id, "fmt": "csv"}


def own_notification():
    notification = NotificationFactory(link="/camps")
    owner = db.session.get(User, notification.user_id)
    return owner, Role.YOUTH, {"notification_id": notification.id}


#: endpoint → how to make an object and its owner. GET routes are checked both ways.
OWNED = {
    "main.open_notification": own_notification,
    "camps.application": own_application,
    "camps.application_sent": own_application,
    "camps.confirm": own_application,
    "camps.decline": own_application,
    "camps.withdraw": own_application,
    "camps.resume_code": own_application,
    "camps.withdraw_photo_consent": own_application,
    "training.certificate": own_certificate,
    "training.attendance": led_session,
    "training.save_attendance": led_session,
    "training.all_present": led_session,
    "groups.group": member_group,
    "group_members.invite": member_group,
    "group_members.reset_code": member_group,
    "group_members.leave": member_group,
    "group_members.hand_over": member_group,
    "group_members.stay": added_member,
    "group_members.cancel_invitation": sent_invitation,
    "group_members.invitation": received_invitation,
    "group_members.accept": received_invitation,
    "group_members.decline": received_invitation,
    "groups.new_plan": member_group,
    "groups.plan": member_plan,
    "groups.comment": member_plan,
    "groups.progress": plan_in_progress,
    "groups.complete": plan_in_progress,
    "groups.version": mentored_plan,
    "groups.plan_sent": sent_plan,
    "groups.review": mentored_plan,
    "imports.batch": own_import,
    "imports.save_mapping": own_import,
    "imports.run": own_import,
    "imports.rejected": own_import,
    "imports.discard": own_import,
}
#: GET routes whose owner is sent on (opening a notification goes to its page).
REDIRECTS = {"main.open_notification"}
#: Routes with an id where every holder of the route's role may see every object (organiser
#: and admin tools, public camp pages); the permission matrix covers them.
ROLE_WIDE = {"camps.camp", "camps.apply", "calendars.camp_feed"}
ROLE_WIDE_PREFIXES = (
    "admin.",
    "camps_manage.",
    "training_manage.",
    "groups_manage.",
    "outbox.",  # the failed-messages page: every organiser sees every failed message
    "broadcasts.",  # every organiser writes to every camp's, programme's and group's people
)


#: The title of the generic error page (the owner's form errors are shown on the form instead).
GENERIC_400 = "Something in the request was wrong"


def object_routes(app):
    for rule in app.url_map.iter_rules():
        if any(name.endswith("_id") for name in rule.arguments):
            yield rule


def test_every_route_with_an_id_is_classified(app):
    unknown = [
        rule.endpoint
        for rule in object_routes(app)
        if rule.endpoint not in OWNED
        and rule.endpoint not in ROLE_WIDE
        and not rule.endpoint.startswith(ROLE_WIDE_PREFIXES)
    ]
    assert unknown == [], "say who owns the objects of these routes"


def build(app, endpoint, values):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(values[name]), path)  # any(csv, xlsx):fmt too
    return path, ("POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET")


@pytest.mark.parametrize("endpoint", sorted(OWNED))
def test_the_owner_gets_in_and_a_stranger_of_the_same_role_gets_404(app, client, db, endpoint):
    owner, role, values = OWNED[endpoint]()
    path, method = build(app, endpoint, values)
    stranger = UserFactory(roles={role})
    for person, allowed in ((stranger, False), (owner, True)):
        db.session.refresh(person)
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = person.get_id()
        send = client.post if method == "POST" else client.get
        response = send(path + "?lang=en")
        status = response.status_code
        if allowed and method == "GET":
            assert status == (302 if endpoint in REDIRECTS else 200), (endpoint, status)
        elif allowed:
            # The owner's POST reaches the view: it acts (302), shows its form again with
            # what is missing (400) or, for a step that cannot be undone, asks to confirm it
            # (200, portal/confirm.py), never the 404/403 a stranger gets.
            asks = status == 200 and 'name="confirm"' in response.text
            assert status in (302, 400) or asks, (endpoint, status)
            assert GENERIC_400 not in response.text, endpoint
        else:
            assert status == 404, (endpoint, status)
