"""The plan page offers exactly the steps the services take: both read groups/transitions.py.
Sending is one step with the edits on the form, and an unchanged plan is not sent again."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.groups import policy
from portal.groups import services
from portal.groups import transitions
from portal.groups.models import PlanStatus
from portal.groups.models import PlanVersion
from portal.groups.transitions import Step
from portal.security import Role
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.factories import plan_in
from tests.factories import review_plan
from tests.helpers import plan_form
from tests.helpers import sign_in


def test_every_status_has_a_row_and_every_step_a_target():
    assert set(transitions.STEPS) == set(PlanStatus)
    assert set(transitions.LEADS_TO) == set(Step)
    assert transitions.STEPS[PlanStatus.ARCHIVED] == {}
    for row in transitions.STEPS.values():
        assert all(row.values())


def page_steps(client, plan) -> set[Step]:
    """The steps the plan page offers the signed-in person (buttons, forms and links)."""
    page = client.get(f"/plans/{plan.id}").text
    marks = {
        Step.SAVE: 'name="action" value="save"',
        Step.SEND: 'name="action" value="send"',
        Step.APPROVE: f'href="/plans/{plan.id}/review"',
        Step.REQUEST_CHANGES: f'href="/plans/{plan.id}/review"',
        Step.COMMENT: f'action="/plans/{plan.id}/comments"',
        Step.PROGRESS: f'action="/plans/{plan.id}/progress"',
        Step.COMPLETE: f'action="/plans/{plan.id}/complete"',
        Step.ARCHIVE: f'action="/manage/plans/{plan.id}/archive"',
    }
    return {step for step, mark in marks.items() if mark in page}


def take(step: Step, plan, person) -> None:
    """What the page's button for `step` makes the services do."""
    if step in (Step.SAVE, Step.SEND):
        # The form's edits are saved first; sending then freezes them.
        services.save_draft(plan, by=person, activities=[{"what": "Жолугушуу", "who": "Топ"}],
                            title=plan.title + "!")  # fmt: skip
        if step is Step.SEND:
            services.submit(plan, by=person)
    elif step in (Step.APPROVE, Step.REQUEST_CHANGES):
        review_plan(plan, person, step.value)
    elif step is Step.COMMENT:
        services.add_comment(plan, author=person, body="Салам")
    elif step is Step.PROGRESS:
        services.post_progress(plan, by=person, percent=10, what_happened="Баштадык.", statuses={})
    elif step is Step.COMPLETE:
        services.complete(plan, by=person)
    else:
        services.archive(plan, by=person)


def accepted_by_service(step: Step, plan, person) -> bool:
    try:
        with db.session.begin_nested():
            take(step, plan, person)
    except services.GroupError:
        return False
    return True


@pytest.mark.parametrize("active", [True, False], ids=["switched on", "switched off"])
@pytest.mark.parametrize("status", list(PlanStatus))
def test_every_step_the_plan_page_offers_is_taken_by_the_service_and_no_other(
    client, db, status, active
):
    mentor = UserFactory(roles={Role.MENTOR})
    member = UserFactory()
    organiser = UserFactory(roles={Role.ORGANISER})
    group = YouthGroupFactory(members=[member], mentors=[mentor])
    people = {"lead": group.lead, "member": member, "mentor": mentor, "organiser": organiser}

    def fresh_plan():
        group.active = True  # a switched-off group's plan cannot be brought anywhere
        plan = plan_in(status, group, organiser=organiser)
        group.active = active
        db.session.commit()
        return plan

    shown_plan = fresh_plan()
    plans = [fresh_plan()]
    for name, person in people.items():
        sign_in(client, person)
        shown = page_steps(client, shown_plan)
        taken = set()
        for step in Step:
            # Each step is tried on a plan in `status`: a refused step leaves it as it was.
            plan = plans.pop() if plans else fresh_plan()
            if accepted_by_service(step, plan, person):
                taken.add(step)
            else:
                plans.append(plan)
        assert shown == taken, name
        who = policy.roles_on(person, shown_plan)
        assert taken == {step for step in Step if transitions.may_take(shown_plan, step, who)}


def test_save_and_send_sends_what_is_on_the_form(client, db):
    group = YouthGroupFactory(mentors=[UserFactory(roles={Role.MENTOR})])
    plan = plan_in(PlanStatus.DRAFT, group)
    sign_in(client, group.lead)
    data = plan_form(plan, "send", title="Жаңы аталыш", objectives="Жаңы максат")
    assert client.post(f"/plans/{plan.id}", data=data).status_code == 302
    db.session.refresh(plan)
    assert plan.status is PlanStatus.SUBMITTED
    assert plan.title == "Жаңы аталыш"
    sent = plan.versions[0].content
    assert (sent["title"], sent["objectives"]) == ("Жаңы аталыш", "Жаңы максат")


def test_a_plan_sent_back_cannot_be_sent_again_unchanged_and_the_form_keeps_the_text(client, db):
    group = YouthGroupFactory(mentors=[UserFactory(roles={Role.MENTOR})])
    plan = plan_in(PlanStatus.CHANGES_REQUESTED, group)
    sign_in(client, group.lead)
    data = plan_form(plan, "send", problem="Ошол эле көйгөй")
    services.save_draft(plan, by=group.lead, activities=[{"what": "Жолугушуу", "who": "Топ"}],
                        problem="Ошол эле көйгөй")  # fmt: skip
    services.submit(plan, by=group.lead)
    review_plan(plan, group.mentors[0], "request_changes")
    db.session.commit()
    response = client.post(f"/plans/{plan.id}?lang=en", data=data)
    assert response.status_code == 400
    assert "Nothing has changed since version 2 was sent." in response.text
    assert "Ошол эле көйгөй" in response.text  # what was typed is still on the form
    db.session.refresh(plan)
    assert plan.status is PlanStatus.CHANGES_REQUESTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 2
    # A change makes it a new version the mentor can compare.
    data["problem"] = "Кыздардын өздөрү айткан көйгөй"
    assert client.post(f"/plans/{plan.id}", data=data).status_code == 302
    db.session.refresh(plan)
    assert [version.number for version in plan.versions] == [1, 2, 3]
    assert plan.status is PlanStatus.SUBMITTED


def test_a_plan_with_a_missing_section_is_saved_but_not_sent(client, db):
    group = YouthGroupFactory(mentors=[UserFactory(roles={Role.MENTOR})])
    plan = plan_in(PlanStatus.DRAFT, group)
    sign_in(client, group.lead)
    response = client.post(
        f"/plans/{plan.id}?lang=en", data=plan_form(plan, "send", title="Жаңы", indicators="")
    )
    assert response.status_code == 400
    assert "Fill in every required section before sending the plan." in response.text
    db.session.refresh(plan)
    assert (plan.status, plan.title, plan.versions) == (PlanStatus.DRAFT, "Жаңы", [])
