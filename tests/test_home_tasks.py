"""The task homes: what happens next for each of a person's roles, each item a link to where it
is done, in a fixed number of queries however many items there are."""

import re
from datetime import timedelta

from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampStatus
from portal.extensions import utcnow
from portal.groups import services as group_services
from portal.groups.models import PlanStatus
from portal.i18n import BISHKEK
from portal.i18n import local_today
from portal.security import Role
from portal.training.models import AttendanceStatus
from portal.training.models import CompletionRule
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import EnrolmentFactory
from tests.factories import GuardianConsentFactory
from tests.factories import ModuleFactory
from tests.factories import ProgrammeFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.factories import minor
from tests.factories import plan_in


def day(value) -> str:
    """A date as the pages show it: the day in Bishkek, which is not UTC's after 18:00 UTC."""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = value.astimezone(BISHKEK)
    return value.strftime("%d.%m.%Y")


def home(client) -> str:
    response = client.get("/?lang=en")
    assert response.status_code == 200
    return response.text


def section(page: str, title_id: str) -> str:
    return page.split(f'id="{title_id}"')[1].split("</section>")[0]


# --- the young person --------------------------------------------------------------------------


def test_a_new_young_person_is_told_what_to_do_first(client, login_as):
    login_as("youth")
    page = section(home(client), "next-title")
    assert "Nothing is waiting for you right now." in page
    assert 'href="/camps"' in page and "Browse camps" in page


def test_a_draft_asks_to_be_finished_before_applications_close(client, login_as):
    youth = login_as("youth")
    camp = CampFactory(title={"en": "Peace camp in Osh", "ky": "Ош тынчтык лагери"})
    draft = ApplicationFactory(camp=camp, applicant=youth, status=S.DRAFT, submitted_at=None)
    closed = CampFactory(applications_close=local_today() - timedelta(days=1))
    ApplicationFactory(camp=closed, applicant=youth, status=S.DRAFT, submitted_at=None)
    page = section(home(client), "next-title")
    assert (
        f'<a href="/applications/{draft.id}">Finish your application to “Peace camp in Osh”' in page
    )
    assert f"Applications close on {day(camp.applications_close)}." in page
    assert page.count("Finish your application") == 1  # a draft that can no longer be sent


def test_an_offer_asks_to_be_confirmed_by_its_deadline(client, login_as):
    youth = login_as("youth")
    deadline = local_today() + timedelta(days=2)
    offer = ApplicationFactory(applicant=youth, status=S.ACCEPTED, offer_expires_on=deadline)
    ApplicationFactory(applicant=youth, status=S.CONFIRMED)
    page = section(home(client), "next-title")
    assert f'<a href="/applications/{offer.id}">Confirm your place at' in page
    assert f"Confirm by {day(deadline)}" in page
    assert page.count("Confirm your place") == 1


def test_an_expired_offer_is_not_offered_for_confirmation(client, login_as):
    youth = login_as("youth")
    ApplicationFactory(applicant=youth, status=S.ACCEPTED,
                       offer_expires_on=local_today() - timedelta(days=1))  # fmt: skip
    assert "Confirm your place" not in home(client)


def test_a_minor_is_told_what_their_guardian_must_do(client, login_as, db):
    youth = login_as("youth", date_of_birth=minor().date_of_birth)
    sent = ApplicationFactory(applicant=youth, status=S.SUBMITTED)
    # An offer whose consent was withdrawn: not confirmable (the service would refuse it).
    offer = ApplicationFactory(applicant=youth, status=S.ACCEPTED,
                               offer_expires_on=local_today() + timedelta(days=2))  # fmt: skip
    consent = GuardianConsentFactory(application=offer)
    consent.withdrawn_at = utcnow()
    db.session.commit()
    page = section(home(client), "next-title")
    assert f"<a href=\"/applications/{sent.id}\">Your parent's or guardian's consent" in page
    assert "is still missing" in page and "was withdrawn" in page
    assert "sign the camp's consent form, or tell an organiser by phone" in page
    assert "Confirm your place" not in page


def test_a_minor_with_consent_on_record_has_nothing_to_ask_the_guardian(client, login_as):
    youth = login_as("youth", date_of_birth=minor().date_of_birth)
    GuardianConsentFactory(application=ApplicationFactory(applicant=youth))
    assert "consent" not in section(home(client), "next-title")


def test_the_next_session_and_the_modules_missing_for_the_certificate(client, login_as):
    youth = login_as("youth")
    programme = ProgrammeFactory(
        title={"en": "Ambassadors"}, completion_rule=CompletionRule.REQUIRED_MODULES
    )
    done = ModuleFactory(programme=programme, title={"en": "Tolerance"}, position=1)
    ModuleFactory(programme=programme, title={"en": "Gender"}, position=2)
    ModuleFactory(programme=programme, title={"en": "Media"}, position=3)
    enrolment = EnrolmentFactory(programme=programme, person=youth)
    past = TrainingSessionFactory(programme=programme, module=done)
    from portal.training import services

    services.record_attendance(past, enrolment, AttendanceStatus.PRESENT, by=youth)
    soon = utcnow() + timedelta(days=3)
    TrainingSessionFactory(programme=programme, module=done, starts_at=soon + timedelta(days=7))
    TrainingSessionFactory(programme=programme, starts_at=soon, place={"en": "Osh youth centre"})
    page = section(home(client), "next-title")
    assert "Next training session: Ambassadors" in page
    assert "Osh youth centre" in page and day(soon) in page
    assert "For your certificate of “Ambassadors”" in page
    assert "Modules still to attend: Gender, Media." in page


def test_the_next_session_may_be_in_a_programme_beyond_the_certificates_shown(client, login_as):
    youth = login_as("youth")
    for number in range(6):  # one more active enrolment than the certificates listed
        programme = ProgrammeFactory(title={"en": f"Programme {number}"})
        EnrolmentFactory(programme=programme, person=youth)
        TrainingSessionFactory(programme=programme, starts_at=utcnow() + timedelta(days=9 - number))
    page = section(home(client), "next-title")
    assert "Next training session: Programme 5" in page
    assert page.count("For your certificate") == 5 and "“Programme 5”" not in page


def test_a_share_of_sessions_says_how_many_are_still_needed(client, login_as):
    youth = login_as("youth")
    programme = ProgrammeFactory(completion_rule=CompletionRule.SESSION_SHARE,
                                 completion_percent=100)  # fmt: skip
    EnrolmentFactory(programme=programme, person=youth)
    TrainingSessionFactory.create_batch(2, programme=programme)
    assert "Attend 2 more sessions." in home(client)


def test_plan_feedback_waits_until_read_or_acted_on(client, login_as):
    youth = login_as("youth")
    mentor = UserFactory(roles={Role.MENTOR})
    group = YouthGroupFactory(lead=youth, mentors=[mentor])
    asked = plan_in(PlanStatus.CHANGES_REQUESTED, group)
    approved = plan_in(PlanStatus.APPROVED, group)
    page = section(home(client), "next-title")
    assert f"Your mentor asks for changes to “{asked.title}”" in page
    assert f"Your mentor approved “{approved.title}”" in page
    link = re.search(r'href="(/notifications/\d+)">Your mentor approved', page).group(1)
    assert client.get(link).headers["Location"] == f"/plans/{approved.id}"
    page = section(home(client), "next-title")
    assert "Your mentor approved" not in page  # read now
    assert "Your mentor asks for changes" in page  # still to do, read or not


# --- the mentor ----------------------------------------------------------------------------------


def _sent(group, days_ago):
    plan = plan_in(PlanStatus.SUBMITTED, group)
    plan.submitted_at = utcnow() - timedelta(days=days_ago, hours=1)
    return plan


def test_mentor_sees_plans_waiting_oldest_first_with_days(client, login_as, db):
    mentor = login_as("mentor")
    newer = _sent(YouthGroupFactory(mentors=[mentor]), 2)
    older = _sent(YouthGroupFactory(mentors=[mentor]), 9)
    _sent(YouthGroupFactory(), 30)  # another mentor's group
    db.session.commit()
    page = section(home(client), "mentor-title")
    assert "2 plans wait for your review" in page
    assert page.index(f'/plans/{older.id}/review"') < page.index(f'/plans/{newer.id}/review"')
    assert "waiting 9 days" in page and "waiting 2 days" in page


def test_mentor_sees_discussions_with_unread_messages(client, login_as, db):
    mentor = login_as("mentor")
    group = YouthGroupFactory(mentors=[mentor])
    plan = plan_in(PlanStatus.SUBMITTED, group)
    for body in ("Салам!", "Суроо бар."):
        group_services.add_comment(plan, author=group.lead, body=body)
    db.session.commit()
    page = section(home(client), "mentor-title")
    assert "Discussions with unread messages" in page and "2 unread messages" in page
    link = re.search(r'href="(/notifications/\d+)">', page).group(1)
    assert client.get(link).headers["Location"] == f"/plans/{plan.id}"
    assert "unread message" not in home(client)  # both read: they lead to the same page


def test_mentor_sees_sessions_they_led_that_lack_marks(client, login_as):
    mentor = login_as("mentor")
    programme = ProgrammeFactory(title={"en": "Ambassadors"})
    EnrolmentFactory.create_batch(2, programme=programme)
    unmarked = TrainingSessionFactory(programme=programme, trainer=mentor)
    TrainingSessionFactory(programme=programme, trainer=mentor,
                           starts_at=utcnow() + timedelta(days=2))  # fmt: skip
    page = section(home(client), "mentor-title")
    assert f'/sessions/{unmarked.id}/attendance"' in page
    assert "0 of 2 marked" in page
    assert page.count("/attendance") == 1  # the session still to come is not marked yet


# --- the organiser ------------------------------------------------------------------------------


def test_organiser_counts_match_the_lists_they_link_to(client, login_as):
    login_as("organiser")
    camp = CampFactory(title={"en": "Batken camp"}, start_date=local_today() + timedelta(days=10))
    ApplicationFactory.create_batch(3, camp=camp)
    ApplicationFactory(camp=camp, status=S.DRAFT, submitted_at=None)
    ApplicationFactory(camp=camp, status=S.REJECTED)
    minors = [ApplicationFactory(camp=camp, applicant=minor()) for _ in range(2)]
    GuardianConsentFactory(application=ApplicationFactory(camp=camp, applicant=minor()))
    ApplicationFactory(camp=camp, applicant=minor(), status=S.REJECTED)  # consent is moot
    ApplicationFactory(camp=camp, status=S.ACCEPTED, offer_expires_on=local_today())
    page = section(home(client), "todo-title")
    review = f"/manage/camps/{camp.id}/applications?status=submitted"
    assert f'<a href="{review}"><span class="count">6</span> Batken camp</a>' in page
    consent = f"/manage/camps/{camp.id}/applications?consent=missing"
    assert f'<a href="{consent}"><span class="count">2</span> Batken camp</a>' in page
    listed = client.get(consent).text
    # Each link carries the list's filter (previous/next applicant follow it).
    assert all(re.search(rf'/manage/applications/{a.id}["?]', listed) for a in minors)
    assert listed.count('href="/manage/applications/') == 2
    assert listed_rows(client, review) == 6
    offers = f"/manage/camps/{camp.id}/applications?status=accepted&amp;sort=offer"
    assert f'<a href="{offers}"><span class="count">1</span>' in page
    assert "Camps starting soon" in page and "1 of 10 places taken" in page


def listed_rows(client, path) -> int:
    return len(set(re.findall(r'href="/manage/applications/(\d+)[?"]', client.get(path).text)))


def test_organiser_sees_plans_waiting_for_a_mentor_and_admins_erasures(client, login_as, db):
    from portal.accounts.models import ErasureRequest

    login_as("admin")
    plan = _sent(YouthGroupFactory(mentors=[UserFactory(roles={Role.MENTOR})]), 4)
    db.session.add(ErasureRequest(user_id=UserFactory().id))
    db.session.commit()
    page = section(home(client), "todo-title")
    assert "1 plan waits for a mentor" in page and "waiting 4 days" in page
    assert f'/plans/{plan.id}"' in page and "/manage/plans?status=submitted" in page
    assert "1 erasure request waits for you" in page


def test_organiser_with_nothing_to_do_is_told_so(client, login_as):
    login_as("organiser")
    CampFactory(status=CampStatus.DRAFT)
    assert "Nothing needs you right now" in section(home(client), "todo-title")


def test_a_person_with_several_roles_sees_each_roles_section(client, login_as, db):
    person = login_as("youth")
    person.set_roles({Role.YOUTH, Role.MENTOR, Role.ORGANISER})
    db.session.commit()
    page = home(client)
    assert 'id="next-title"' in page and 'id="mentor-title"' in page and 'id="todo-title"' in page
    assert "Young people registered" in page  # the figures stay below the to-dos
    assert page.index('id="todo-title"') < page.index('id="youth-title"')


def test_a_young_person_sees_no_staff_sections(client, login_as):
    login_as("youth")
    page = home(client)
    assert 'id="mentor-title"' not in page and 'id="todo-title"' not in page


# --- no N+1 -----------------------------------------------------------------------------------


def _youth_items(youth, count):
    programme = ProgrammeFactory(completion_rule=CompletionRule.REQUIRED_MODULES)
    for _ in range(count):
        camp = CampFactory()
        ApplicationFactory(camp=camp, applicant=youth, status=S.DRAFT, submitted_at=None)
        ApplicationFactory(applicant=youth, status=S.ACCEPTED,
                           offer_expires_on=local_today() + timedelta(days=1))  # fmt: skip
        ApplicationFactory(applicant=youth, status=S.WAITLISTED)
        ModuleFactory(programme=programme)
        TrainingSessionFactory(programme=programme, starts_at=utcnow() + timedelta(days=2))
        group = YouthGroupFactory(lead=youth, mentors=[UserFactory(roles={Role.MENTOR})])
        plan_in(PlanStatus.CHANGES_REQUESTED, group)
    EnrolmentFactory(programme=ProgrammeFactory(), person=youth)


def _mentor_items(mentor, count):
    programme = ProgrammeFactory()
    EnrolmentFactory(programme=programme)
    for _ in range(count):
        group = YouthGroupFactory(mentors=[mentor])
        plan = plan_in(PlanStatus.SUBMITTED, group)
        group_services.add_comment(plan, author=group.lead, body="Салам!")
        TrainingSessionFactory(programme=programme, trainer=mentor)


def _organiser_items(organiser, count):
    for _ in range(count):
        camp = CampFactory(start_date=local_today() + timedelta(days=5))
        ApplicationFactory(camp=camp)
        ApplicationFactory(camp=camp, applicant=minor())
        ApplicationFactory(camp=camp, status=S.ACCEPTED, offer_expires_on=local_today())
        _sent(YouthGroupFactory(), 3)


def test_the_home_costs_the_same_queries_for_few_and_many_tasks(
    client, login_as, count_queries, db
):
    person = login_as("youth", date_of_birth=minor().date_of_birth)
    person.set_roles({Role.YOUTH, Role.MENTOR, Role.ADMIN})
    db.session.commit()
    for add in (_youth_items, _mentor_items, _organiser_items):
        add(person, 1)
    db.session.commit()
    client.get("/")  # the first request of a process reads the reference data once
    with count_queries() as few:
        first = home(client)
    for add in (_youth_items, _mentor_items, _organiser_items):
        add(person, 8)
    db.session.commit()
    with count_queries() as many:
        second = home(client)
    # A fixed number for all three roles and the admin's figures (about 30), whatever the count.
    assert few.total == many.total <= 32, (few.total, many.total)
    # Each list is bounded: at most five rows, then a link to all of them.
    assert (
        len(re.findall(r"Finish your application", second))
        == 5
        > len(re.findall(r"Finish your application", first))
    )
    assert "See all plans waiting for you" in second


# --- the young person's home stays cheap ---------------------------------------------------------


def _everything_for(youth):
    """A minor's draft, offer and sent application, a programme by required modules and one
    by a share of sessions with a session to come, and a group with feedback on two plans."""
    ApplicationFactory(applicant=youth, status=S.DRAFT, submitted_at=None)
    offer = ApplicationFactory(applicant=youth, status=S.ACCEPTED,
                               offer_expires_on=local_today() + timedelta(days=2))  # fmt: skip
    GuardianConsentFactory(application=offer)
    ApplicationFactory(applicant=youth)  # sent, the guardian's consent still missing
    by_modules = ProgrammeFactory(completion_rule=CompletionRule.REQUIRED_MODULES)
    ModuleFactory(programme=by_modules)
    EnrolmentFactory(programme=by_modules, person=youth)
    by_share = ProgrammeFactory(completion_rule=CompletionRule.SESSION_SHARE)
    EnrolmentFactory(programme=by_share, person=youth)
    TrainingSessionFactory(programme=by_share, starts_at=utcnow() + timedelta(days=2))
    group = YouthGroupFactory(lead=youth, mentors=[UserFactory(roles={Role.MENTOR})])
    plan_in(PlanStatus.CHANGES_REQUESTED, group)
    plan_in(PlanStatus.APPROVED, group)


#: The signed-in page's own statement: the user, with the unread count and whether an unread
#: notification leads to the home (one more only when one does: it is marked read).
PAGE = 1


def test_the_young_persons_home_costs_one_query_per_domain_and_none_it_can_skip(
    client, login_as, count_queries, db
):
    youth = login_as("youth", date_of_birth=minor().date_of_birth)
    client.get("/")  # the first request of a process reads the reference data once
    with count_queries() as nothing:
        assert "Nothing is waiting for you right now." in home(client)
    _everything_for(youth)
    db.session.commit()
    with count_queries() as everything:
        page = section(home(client), "next-title")
    for told in ("Finish your application", "Confirm your place", "consent for",
                 "Next training session", "Modules still to attend", "more session",
                 "asks for changes", "approved"):  # fmt: skip
        assert told in page, told
    # Nothing: the applications, the active enrolments (none: no more training), the plans.
    assert nothing.total == PAGE + 3, nothing.total
    # Everything: the applications; the enrolments, their sessions with the marks (the next
    # session among them), the modules; the plans. The unread notifications lead elsewhere.
    assert everything.total == PAGE + 5, everything.total


def test_changes_asked_on_a_switched_off_groups_plan_are_not_a_task(client, login_as, db):
    youth = login_as("youth")
    group = YouthGroupFactory(lead=youth, mentors=[UserFactory(roles={Role.MENTOR})])
    asked = plan_in(PlanStatus.CHANGES_REQUESTED, group)
    assert f"asks for changes to “{asked.title}”" in section(home(client), "next-title")
    group.active = False  # its plans can no longer be edited (policy.can_edit_plan)
    db.session.commit()
    assert "asks for changes" not in section(home(client), "next-title")
