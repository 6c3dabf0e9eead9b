"""After sending an application or an action plan, a page says what happens next and when."""

from portal.camps.models import ApplicationStatus as S
from portal.groups.models import PlanStatus
from portal.security import Role
from tests.factories import ActionPlanFactory
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.factories import minor
from tests.factories import plan_in
from tests.helpers import plan_form
from tests.helpers import sign_in
from tests.test_camps_apply import COMPLETE
from tests.test_camps_apply import GUARDIAN


def day(value) -> str:
    return value.strftime("%d.%m.%Y")


def _draft(youth):
    return ApplicationFactory(camp=CampFactory(), applicant=youth, status=S.DRAFT,
                              submitted_at=None)  # fmt: skip


def test_sending_an_application_shows_what_happens_next(client, login_as):
    youth = login_as("youth")
    application = _draft(youth)
    response = client.post(
        f"/applications/{application.id}?lang=en", data={**COMPLETE, "action": "submit"}
    )
    assert response.headers["Location"] == f"/applications/{application.id}/sent"
    page = client.get(response.headers["Location"] + "?lang=en").text
    camp = application.camp
    assert "Your application is sent. Good luck!" in page  # the flash comes along
    assert f"They decide after applications close on {day(camp.applications_close)}" in page
    assert f"before the camp starts on {day(camp.start_date)}" in page
    assert f"confirm it in time: by {day(camp.confirmation_deadline)}" in page
    assert "under 18" not in page


def test_a_minor_is_told_their_guardian_must_agree(client, login_as):
    youth = login_as("youth", date_of_birth=minor().date_of_birth)
    application = _draft(youth)
    data = {**COMPLETE, **GUARDIAN, "action": "submit"}
    location = client.post(f"/applications/{application.id}", data=data).headers["Location"]
    page = client.get(location + "?lang=en").text
    assert "You are under 18 on the camp's first day" in page
    assert "We will contact Гүлзат." in page


def test_the_sent_page_is_the_applicants_alone_and_only_while_it_waits(client, login_as):
    youth = login_as("youth")
    assert client.get(f"/applications/{ApplicationFactory().id}/sent").status_code == 404
    draft = _draft(youth)
    assert client.get(f"/applications/{draft.id}/sent").headers["Location"] == (
        f"/applications/{draft.id}"
    )
    decided = ApplicationFactory(applicant=youth, status=S.WAITLISTED)
    assert client.get(f"/applications/{decided.id}/sent").status_code == 302


def test_sending_a_plan_shows_who_reviews_it_and_when(client, db):
    mentor = UserFactory(roles={Role.MENTOR})
    plan = ActionPlanFactory(group=YouthGroupFactory(mentors=[mentor]))
    sign_in(client, plan.group.lead)
    response = client.post(f"/plans/{plan.id}?lang=en", data=plan_form(plan, "send"))
    assert response.headers["Location"] == f"/plans/{plan.id}/sent"
    page = client.get(response.headers["Location"] + "?lang=en").text
    assert "Version 1 is sent to your mentors." in page
    assert "A mentor of your group reviews it, usually within 7 days." in page
    assert "Every member gets a notification" in page


def test_a_second_click_on_send_shows_the_same_page(client, db):
    plan = ActionPlanFactory()
    sign_in(client, plan.group.lead)
    for _ in range(2):
        response = client.post(f"/plans/{plan.id}?lang=en", data=plan_form(plan, "send"))
        assert response.headers["Location"] == f"/plans/{plan.id}/sent"
    page = client.get(f"/plans/{plan.id}/sent?lang=en").text
    assert "Your group has no mentor yet" in page
    db.session.expire_all()
    assert [version.number for version in plan.versions] == [1]


def test_the_plan_sent_page_is_hidden_from_others_and_leaves_once_reviewed(client, login_as):
    mentor = UserFactory(roles={Role.MENTOR})
    group = YouthGroupFactory(mentors=[mentor])
    reviewed = plan_in(PlanStatus.APPROVED, group)
    sign_in(client, group.lead)
    assert client.get(f"/plans/{reviewed.id}/sent").headers["Location"] == f"/plans/{reviewed.id}"
    login_as("youth")
    assert client.get(f"/plans/{reviewed.id}/sent").status_code == 404
