"""The pages the six journeys do not pass through get the same checks: axe-core finds nothing,
HTML + CSS + JS under 60 KB, no request away from 127.0.0.1 — for each role, on the demo data."""

import pytest

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import DESKTOP

LANGS = ["ky", "ru", "uz"]


def links(visitor, selector) -> list[str]:
    return [a.get_attribute("href") for a in visitor.page.locator(selector).all()]


def visit_all(visitor, paths):
    for path in paths:
        visitor.open(path)


@pytest.mark.parametrize("lang", LANGS)
def test_public_pages(journey, lang):
    anyone = journey.visitor("anyone")
    with journey.step(f"public pages in {lang}"):
        visit_all(anyone, [f"{path}?lang={lang}" for path in ("/", "/camps", "/at-a-glance")])
        visit_all(anyone, ["/auth/reset", "/auth/register"])  # sign-in: every journey
    with journey.step("a registration form sent empty, with its errors"):
        anyone.follow("main button[type=submit]", status=400)
        assert anyone.page.locator(".error-summary li").count() > 1


def test_young_persons_pages(journey):
    youth = journey.visitor("youth")
    with journey.step("signs in"):
        youth.sign_in("youth@demo.example.org", DEMO_PASSWORD)
    with journey.step("camps and applications"):
        youth.open("/applications")
        visit_all(youth, links(youth, "main .inbox a"))
        youth.open("/camps")
        youth.follow("main .card a >> nth=0")
    with journey.step("groups and plans"):
        youth.open("/groups")
        youth.follow("main .card a >> nth=0")
        visit_all(youth, [*links(youth, "main .inbox a"), "/groups/new", "/groups/join"])
    with journey.step("own account"):
        visit_all(youth, ["/training", "/notifications", "/account/profile", "/account/data"])


def test_organisers_pages(journey):
    staff = journey.visitor("organiser", viewport=DESKTOP)
    with journey.step("signs in"):
        staff.sign_in("organiser@demo.example.org", DEMO_PASSWORD)
    with journey.step("camps"):
        staff.open("/manage/camps?lang=ru")
        camp = links(staff, "main tbody a")[0]
        visit_all(staff, ["/manage/camps/new", camp, f"{camp}/edit", f"{camp}/waitlist",
                          f"{camp}/balance?suggest=1&seed=2", f"{camp}/checkin"])  # fmt: skip
    with journey.step("training"):
        staff.open("/manage/programmes")
        programme = links(staff, "main .card a")[0]
        visit_all(staff, ["/manage/programmes/new", programme, f"{programme}/edit",
                          "/manage/ambassadors", "/training/sessions"])  # fmt: skip
        staff.open(programme)
        enrolment = links(staff, "main tbody a[href^='/manage/enrolments/']")[0]
        coming_session = links(staff, "main a[href$='/attendance']")[-1]
        staff.follow("main table a >> nth=0")
        visit_all(staff, [enrolment, coming_session, "/manage/certificates/flagged"])
        staff.follow("main .inbox a >> nth=0")  # the decision on a flagged certificate
    with journey.step("plans, groups and reach"):
        staff.open("/manage/plans")
        plan = links(staff, "main tbody a[href^='/plans/']")[0]
        visit_all(staff, [plan, "/manage/groups", "/reports", "/reports?region=KG-O&lang=ky"])
        visit_all(staff, ["/account/reset-link", "/manage/outbox/email"])


def test_mentors_pages(journey):
    mentor = journey.visitor("mentor")
    with journey.step("signs in"):
        mentor.sign_in("mentor@demo.example.org", DEMO_PASSWORD)
    with journey.step("reviews, groups, reach"):
        mentor.open("/mentor/queue")
        visit_all(mentor, links(mentor, "main .inbox a[href$='/review']")[:1])
        visit_all(mentor, ["/mentor/reviews", "/groups", "/reports"])


def test_admins_pages(journey):
    admin = journey.visitor("admin", viewport=DESKTOP)
    with journey.step("signs in"):
        admin.sign_in("admin@demo.example.org", DEMO_PASSWORD)
    with journey.step("people, audit, erasure"):
        visit_all(admin, ["/", "/admin/users", "/admin/audit", "/admin/erasure"])
        admin.open("/admin/users?q=Aigerim")
        admin.follow("main tbody a >> nth=0")
