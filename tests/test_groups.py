"""Youth groups and action plans: membership, editing, versions, reviews, progress, privacy."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.audit import AuditEvent
from portal.extensions import db
from portal.extensions import utcnow
from portal.groups import services
from portal.groups.models import ActionPlan
from portal.groups.models import Membership
from portal.groups.models import PlanComment
from portal.groups.models import PlanStatus
from portal.groups.models import YouthGroup
from portal.notify import Notification
from portal.security import Role
from tests.factories import ActionPlanFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.factories import plan_in
from tests.factories import review_plan
from tests.helpers import error_summary
from tests.helpers import plan_form
from tests.helpers import sign_in
from tests.helpers import translated

REVIEW = {
    **{
        f"score_{k}": "3"
        for k in ("relevance", "feasibility", "inclusion", "do_no_harm", "sustainability")
    },
    **{
        f"note_{k}": "Жакшы"
        for k in ("relevance", "feasibility", "inclusion", "do_no_harm", "sustainability")
    },
    "overall_comment": "Жакшы башталыш.",
}


SWITCHED_OFF = "This group is switched off"


def as_user(client, user):
    client.post("/auth/logout")
    db.session.refresh(user)  # signing out elsewhere rotated the session token
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()


def test_young_person_creates_a_group_and_leads_it(client, login_as, db):
    user = login_as("youth")
    response = client.post(
        "/groups/new", data={"name": "Папан жаштары", "region": "KG-O", "district": "KG-O-KARASUU"}
    )
    assert response.status_code == 302
    group = db.session.scalar(sa.select(YouthGroup))
    assert group.lead_id == user.id and [p.id for p in group.members] == [user.id]
    bad = client.post(
        "/groups/new?lang=en", data={"name": "", "region": "KG-O", "district": "KG-B-LEILEK"}
    )
    assert set(error_summary(bad.text)) == {
        "Give your group a name.",
        "This district is not in the region you chose.",
    }


def test_join_with_a_code_and_a_reset_code_stops_working(client, app, db):
    group = YouthGroupFactory()
    old_code = group.join_code
    newcomer = UserFactory()
    as_user(client, newcomer)
    assert client.post("/groups/join", data={"code": old_code}).status_code == 302
    assert services.is_member(group, newcomer)
    as_user(client, group.lead)
    client.post(f"/groups/{group.id}/join-code")
    db.session.refresh(group)
    assert group.join_code != old_code
    late = UserFactory()
    as_user(client, late)
    response = client.post("/groups/join?lang=en", data={"code": old_code})
    assert response.status_code == 400
    assert "No group has this code" in error_summary(response.text)[0]


def test_a_member_who_leaves_loses_access_at_once(client, db):
    member = UserFactory()
    group = YouthGroupFactory(members=[member])
    plan = ActionPlanFactory(group=group)
    as_user(client, member)
    assert client.get(f"/plans/{plan.id}").status_code == 200
    client.post(f"/groups/{group.id}/leave")
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get(f"/groups/{group.id}").status_code == 404


def test_the_lead_hands_over_before_leaving(client, db):
    member = UserFactory()
    group = YouthGroupFactory(members=[member])
    as_user(client, group.lead)
    client.post(f"/groups/{group.id}/leave")
    assert services.is_member(group, group.lead)
    client.post(f"/groups/{group.id}/lead", data={"member": str(member.id)})
    db.session.refresh(group)
    assert group.lead_id == member.id


def test_every_member_edits_a_draft_and_the_author_is_kept(client, db):
    member = UserFactory(full_name="Тилек Исаков")
    group = YouthGroupFactory(members=[member])
    plan = ActionPlanFactory(group=group)
    as_user(client, member)
    data = {
        "title": "Жаңы аталыш",
        "category": "bride_kidnapping",
        "problem": "Көйгөй",
        "objectives": "Максат",
        "activities-0-what": "Жолугушуу",
        "activities-0-who": "Айпери",
        "activities-0-starts_on": "2027-01-10",
        "activities-0-ends_on": "2027-01-11",
        "risks": "Тобокелдик",
        "indicators": "Көрсөткүч",
        "partners": ["police", "parents"],
        "budget_som": "12000",
    }
    assert client.post(f"/plans/{plan.id}", data=data).status_code == 302
    db.session.refresh(plan)
    assert (plan.title, plan.updated_by_id, plan.budget_som) == ("Жаңы аталыш", member.id, 12000)
    assert [a.who for a in plan.activities] == ["Айпери"]
    assert "Тилек Исаков" in client.get(f"/plans/{plan.id}").text


def test_a_refused_send_of_a_plan_shows_everything_typed_again(client, db):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    data = {
        "title": "Мектептеги тынчтык",
        "category": "bride_kidnapping",
        "problem": "Көйгөйдүн сүрөттөлүшү",
        "activities-0-what": "Жолугушуу",
        "activities-0-starts_on": "2027-01-10",
        "activities-0-ends_on": "2027-01-09",
        "partners": ["police"],
        "budget_som": "12000",
        "action": "send",
    }
    response = client.post(f"/plans/{plan.id}?lang=en", data=data)
    assert response.status_code == 400
    assert "An activity cannot end before it starts." in error_summary(response.text)
    for typed in ("Мектептеги тынчтык", "Көйгөйдүн сүрөттөлүшү", "Жолугушуу", 'value="12000"'):
        assert typed in response.text
    assert re.search(r'<input checked [^>]*value="police"', response.text)


def test_activity_rows_are_added_and_removed_without_javascript(client, db):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    page = client.post(
        f"/plans/{plan.id}",
        data={"title": "Т", "activities-0-what": "Биринчи", "action": "add_row"},
    )
    assert 'name="activities-1-what"' in page.text and 'value="Биринчи"' in page.text
    data = {
        "title": "Т",
        "category": "other",
        "activities-0-what": "Биринчи",
        "activities-1-what": "Экинчи",
        "activities-0-remove": "y",
    }
    client.post(f"/plans/{plan.id}", data=data)
    db.session.refresh(plan)
    assert [a.what for a in plan.activities] == ["Экинчи"]
    bad = client.post(
        f"/plans/{plan.id}?lang=en",
        data={
            "title": "Т",
            "category": "other",
            "activities-0-what": "x",
            "activities-0-starts_on": "2027-02-02",
            "activities-0-ends_on": "2027-01-01",
        },
    )
    assert error_summary(bad.text) == ["An activity cannot end before it starts."]


def test_only_the_lead_submits_and_the_version_is_frozen(client, db):
    member = UserFactory()
    mentor = UserFactory(roles={Role.MENTOR})
    group = YouthGroupFactory(members=[member], mentors=[mentor])
    plan = ActionPlanFactory(group=group)
    as_user(client, member)
    assert client.post(f"/plans/{plan.id}", data=plan_form(plan, "send")).status_code == 403
    assert "Save and send for review" not in client.get(f"/plans/{plan.id}?lang=en").text
    as_user(client, group.lead)
    assert client.post(f"/plans/{plan.id}", data=plan_form(plan, "send")).status_code == 302
    db.session.refresh(plan)
    assert plan.status is PlanStatus.SUBMITTED and plan.versions[0].content["title"] == plan.title
    assert db.session.scalar(
        sa.select(Notification.user_id).where(Notification.user_id == mentor.id)
    )
    # Frozen: no edits while the mentors read it.
    assert client.post(f"/plans/{plan.id}", data={"title": "Башка"}).status_code == 403


def test_incomplete_plan_cannot_be_sent(client, db):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group, risks="", indicators="")
    as_user(client, group.lead)
    response = client.post(f"/plans/{plan.id}?lang=en", data=plan_form(plan, "send"))
    assert response.status_code == 400
    assert "Fill in every required section before sending the plan." in response.text
    db.session.refresh(plan)
    assert plan.status is PlanStatus.DRAFT


def test_mentor_of_another_group_sees_nothing(client, db):
    mentor, other_mentor = UserFactory(roles={Role.MENTOR}), UserFactory(roles={Role.MENTOR})
    plan = ActionPlanFactory(group=YouthGroupFactory(mentors=[mentor]))
    services.submit(plan, by=plan.group.lead)
    db.session.commit()
    as_user(client, mentor)  # the queue's statement is kept per worker (database.built) …
    assert plan.title in client.get("/mentor/queue").text
    as_user(client, other_mentor)  # … per mentor
    for path in (
        f"/plans/{plan.id}",
        f"/plans/{plan.id}/review",
        f"/plans/{plan.id}/versions/1",
        f"/groups/{plan.group_id}",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/plans/{plan.id}/review", data=REVIEW).status_code == 404
    assert plan.title not in client.get("/mentor/queue").text


def test_review_needs_every_score_and_note(client, db):
    mentor = UserFactory(roles={Role.MENTOR})
    plan = ActionPlanFactory(group=YouthGroupFactory(mentors=[mentor]))
    services.submit(plan, by=plan.group.lead)
    db.session.commit()
    as_user(client, mentor)
    response = client.post(
        f"/plans/{plan.id}/review?lang=en", data={"decision": "approve", "overall_comment": "OK"}
    )
    assert response.status_code == 400
    # Each message names the part of the long form it is in.
    summary = error_summary(response.text)
    assert "Relevance to the problem: Give a score from 1 to 4." in summary
    assert "Sustainability: Explain the score in a few words." in summary


def test_two_review_rounds_to_an_approved_plan_with_progress(client, db):
    mentor = UserFactory(roles={Role.MENTOR}, locale="ru")
    group = YouthGroupFactory(mentors=[mentor])
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    client.post(f"/plans/{plan.id}", data=plan_form(plan, "send"))

    as_user(client, mentor)
    assert translated("Scores", "ru") in client.get(f"/plans/{plan.id}/review").text
    client.post(
        f"/plans/{plan.id}/review",
        data={
            **REVIEW,
            "decision": "request_changes",
            "comment_do_no_harm": "Кыздардын пикирин угуңуз.",
        },
    )
    db.session.refresh(plan)
    assert plan.status is PlanStatus.CHANGES_REQUESTED

    as_user(client, group.lead)
    page = client.get(f"/plans/{plan.id}").text
    assert "Кыздардын пикирин угуңуз." in page  # feedback beside the section
    client.post(
        f"/plans/{plan.id}",
        data={
            "title": plan.title,
            "category": "early_marriage",
            "problem": plan.problem,
            "objectives": plan.objectives,
            "activities-0-what": "Жолугушуу",
            "risks": "Кыздар менен өзүнчө сүйлөшөбүз.",
            "indicators": plan.indicators,
            "action": "send",
        },
    )
    diff = client.get(f"/plans/{plan.id}/versions/2?lang=en").text
    assert "Кыздар менен өзүнчө сүйлөшөбүз." in diff and "Кыздардын пикирин угуңуз." in diff
    assert "The feedback this version answers" in diff

    as_user(client, mentor)
    client.post(f"/plans/{plan.id}/review", data={**REVIEW, "decision": "approve"})
    db.session.refresh(plan)
    assert plan.status is PlanStatus.APPROVED and len(plan.versions) == 2

    as_user(client, group.lead)
    activity = plan.activities[0]
    client.post(
        f"/plans/{plan.id}/progress",
        data={
            "percent_complete": "60",
            "what_happened": "Жолугушуу өттү.",
            "activities-0-activity": str(activity.id),
            "activities-0-status": "done",
        },
    )
    db.session.refresh(plan)
    assert plan.status is PlanStatus.IN_PROGRESS
    client.post(f"/plans/{plan.id}/complete")
    db.session.refresh(plan)
    assert plan.status is PlanStatus.COMPLETED
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("plan.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "plan.submitted",
        "plan.reviewed",
        "plan.submitted",
        "plan.reviewed",
        "plan.completed",
    ]


def test_progress_needs_an_approved_plan_and_a_valid_percent(client, db):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    assert (
        client.post(
            f"/plans/{plan.id}/progress", data={"percent_complete": "10", "what_happened": "x"}
        ).status_code
        == 403
    )
    plan.status = PlanStatus.APPROVED
    db.session.commit()
    response = client.post(
        f"/plans/{plan.id}/progress?lang=en",
        data={"percent_complete": "140", "what_happened": "Көп иш"},
    )
    assert response.status_code == 400 and "Enter a number from 0 to 100." in error_summary(
        response.text
    )
    assert "Көп иш" in response.text


def test_overdue_progress_is_reminded_once_a_month(app, db):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(
        group=group, status=PlanStatus.APPROVED, submitted_at=utcnow() - timedelta(days=40)
    )
    ActionPlanFactory(
        group=group, status=PlanStatus.APPROVED, submitted_at=utcnow() - timedelta(days=5)
    )
    runner = app.test_cli_runner()
    assert "Reminded 1 groups." in runner.invoke(args=["plans", "remind-progress"]).output
    assert "Reminded 0 groups." in runner.invoke(args=["plans", "remind-progress"]).output
    assert db.session.scalar(sa.select(Notification.user_id)) == group.lead_id and plan


def test_discussion_reaches_the_group_and_its_mentors(client, db):
    mentor = UserFactory(roles={Role.MENTOR})
    member = UserFactory()
    group = YouthGroupFactory(members=[member], mentors=[mentor])
    plan = ActionPlanFactory(group=group)
    as_user(client, member)
    client.post(f"/plans/{plan.id}/comments", data={"body": "Суроо бар"})
    told = set(db.session.scalars(sa.select(Notification.user_id)))
    assert told == {mentor.id, group.lead_id}
    assert "Суроо бар" in client.get(f"/plans/{plan.id}").text


def test_organiser_assigns_mentors_switches_groups_off_and_archives(client, login_as, db):
    login_as("organiser")
    mentor = UserFactory(roles={Role.MENTOR})
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group)
    client.post(f"/manage/groups/{group.id}/mentors", data={"mentor": str(mentor.id)})
    db.session.refresh(group)
    assert group.mentors == [mentor]
    client.post(f"/manage/groups/{group.id}/active", data={"state": "off"})
    db.session.refresh(group)
    assert not group.active
    client.post(f"/manage/plans/{plan.id}/archive")
    db.session.refresh(plan)
    assert plan.status is PlanStatus.ARCHIVED
    client.post(f"/manage/groups/{group.id}/mentors/{mentor.id}/remove")
    db.session.refresh(group)
    assert group.mentors == []


def test_organiser_plan_list_filters_and_shows_waiting_time(client, login_as, db):
    login_as("organiser")
    mentor = UserFactory(roles={Role.MENTOR})
    waiting = ActionPlanFactory(
        group=YouthGroupFactory(mentors=[mentor]),
        title="Күтүп жатат",
        status=PlanStatus.SUBMITTED,
        submitted_at=utcnow() - timedelta(days=4),
    )
    ActionPlanFactory(
        title="Долбоор", group=YouthGroupFactory(region_code="KG-B", district_code=None)
    )
    page = client.get(f"/manage/plans?status=submitted&mentor={mentor.id}&lang=en").text
    assert "Күтүп жатат" in page and "Долбоор" not in page and "4 days" in page
    assert "Долбоор" in client.get("/manage/plans?region=KG-B").text and waiting


def test_lists_do_not_grow_queries_with_rows(client, login_as, assert_constant_queries, db):
    mentor = login_as("mentor")

    def add_plans():
        for _ in range(12):
            plan = ActionPlanFactory(
                group=YouthGroupFactory(mentors=[mentor], members=[UserFactory()])
            )
            services.submit(plan, by=plan.group.lead)
        db.session.commit()

    plan = ActionPlanFactory(group=YouthGroupFactory(mentors=[mentor]))
    services.submit(plan, by=plan.group.lead)
    db.session.commit()
    assert_constant_queries("/mentor/queue", add_plans)
    assert_constant_queries("/groups", add_plans)
    organiser = UserFactory(roles={Role.ORGANISER})
    as_user(client, organiser)
    assert_constant_queries("/manage/plans", add_plans)
    assert_constant_queries("/manage/groups", add_plans)


def test_switched_off_group_cannot_edit(client, db):
    group = YouthGroupFactory(active=False)
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    assert client.post(f"/plans/{plan.id}", data={"title": "x"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 1
    assert db.session.scalar(sa.select(ActionPlan.title)) == plan.title


def closed_plan(closed: str, status=PlanStatus.DRAFT):
    """A plan of a switched-off group, or an archived plan, with its group's people."""
    mentor = UserFactory(roles={Role.MENTOR})
    group = YouthGroupFactory(members=[UserFactory()], mentors=[mentor])
    plan = plan_in(PlanStatus.ARCHIVED if closed == "archived" else status, group)
    if closed == "switched off":
        group.active = False
    db.session.commit()
    return plan, mentor


@pytest.mark.parametrize("closed", ["switched off", "archived"])
def test_nobody_writes_in_the_discussion_of_a_closed_plan(client, db, closed):
    plan, mentor = closed_plan(closed)
    for person in (plan.group.lead, mentor):
        sign_in(client, person)
        page = client.get(f"/plans/{plan.id}").text
        assert f'action="/plans/{plan.id}/comments"' not in page
        assert client.post(f"/plans/{plan.id}/comments", data={"body": "Салам"}).status_code == 403
        with pytest.raises(services.GroupError) as refused:
            services.add_comment(plan, author=person, body="Салам")
        message = (
            "This group is switched off" if closed == "switched off" else "This plan is archived"
        )
        with force_locale("en"):  # the English text, whatever the catalogues say
            assert str(refused.value).startswith(message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanComment)) == 0


SWITCHED_OFF_WRITES = [
    pytest.param(PlanStatus.DRAFT, "lead", "", plan_form, id="save"),
    pytest.param(PlanStatus.CHANGES_REQUESTED, "lead", "", plan_form, id="save and send"),
    pytest.param(PlanStatus.SUBMITTED, "mentor", "/review", None, id="review"),
    pytest.param(PlanStatus.APPROVED, "lead", "/progress", None, id="progress"),
    pytest.param(PlanStatus.IN_PROGRESS, "lead", "/complete", None, id="complete"),
]


@pytest.mark.parametrize("status, who, path, form", SWITCHED_OFF_WRITES)
def test_a_switched_off_group_takes_no_step_on_its_plans(client, db, status, who, path, form):
    plan, mentor = closed_plan("switched off", status)
    person = mentor if who == "mentor" else plan.group.lead
    sign_in(client, person)
    data = {**REVIEW, "decision": "approve", "percent_complete": "10", "what_happened": "x"}
    if form:
        data = form(plan, "send" if status is PlanStatus.CHANGES_REQUESTED else "save", title="x")
    assert client.post(f"/plans/{plan.id}{path}", data=data).status_code == 403
    steps = {
        "": lambda: services.save_draft(plan, by=person, activities=[], title="x"),
        "/review": lambda: review_plan(plan, mentor, "approve"),
        "/progress": lambda: services.post_progress(
            plan, by=person, percent=10, what_happened="x", statuses={}
        ),
        "/complete": lambda: services.complete(plan, by=person),
    }
    with force_locale("en"), pytest.raises(services.GroupError, match=SWITCHED_OFF):
        steps[path]()
    if status is PlanStatus.CHANGES_REQUESTED:
        with (
            force_locale("en"),
            pytest.raises(services.GroupError, match="This group is switched off"),
        ):
            services.submit(plan, by=person)
    db.session.refresh(plan)
    assert (plan.status, plan.title) == (status, "Кыздар мектепте калсын")
    page = client.get(f"/plans/{plan.id}?lang=en").text
    assert "This group is switched off" in page and 'value="save"' not in page


def test_a_switched_off_group_starts_no_plan_and_is_neither_reminded_nor_queued(app, client, db):
    plan, mentor = closed_plan("switched off", PlanStatus.SUBMITTED)
    with force_locale("en"), pytest.raises(services.GroupError, match=SWITCHED_OFF):
        services.start_plan(plan.group, by=plan.group.lead)
    sign_in(client, mentor)
    assert plan.title not in client.get("/mentor/queue").text
    plan.status = PlanStatus.APPROVED
    plan.submitted_at = utcnow() - timedelta(days=40)
    db.session.commit()
    runner = app.test_cli_runner()
    assert "Reminded 0 groups." in runner.invoke(args=["plans", "remind-progress"]).output


def test_a_kept_queue_row_is_drawn_again_when_what_it_shows_changes(client, db, monkeypatch):
    """The queue's rows are kept drawn under what they show (fragments.drawn_row): a new title,
    another day of waiting or another language draws the row anew; asking again does not."""
    from portal import fragments

    monkeypatch.setattr(fragments, "ROWS", {})
    mentor = UserFactory(roles={Role.MENTOR})
    plan = ActionPlanFactory(group=YouthGroupFactory(mentors=[mentor]), title="Кыздар мектепте")
    services.submit(plan, by=plan.group.lead)
    plan.submitted_at = utcnow() - timedelta(days=3, hours=1)
    db.session.commit()
    as_user(client, mentor)

    def row(language="en") -> str:
        text = client.get(f"/mentor/queue?lang={language}").text
        return re.search(rf'<li><p><a href="/plans/{plan.id}/review">.*?</li>', text, re.S).group(0)

    first = row()
    assert "Кыздар мектепте" in first and "3 days" in first
    assert row() == first and len(fragments.ROWS) == 1  # asked again: the kept row
    plan.title = "Кыздар окуусун бүтүрсүн"
    plan.submitted_at = utcnow() - timedelta(days=9, hours=1)
    db.session.commit()
    changed = row()
    assert "Кыздар окуусун бүтүрсүн" in changed and "9 days" in changed
    assert "Кыздар мектепте" not in changed and len(fragments.ROWS) == 2
    russian = row("ru")
    assert translated("Waiting since %(date)s", "ru").split("%")[0].strip() in russian
    assert "Waiting since" not in russian
