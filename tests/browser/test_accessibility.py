"""axe-core finds no violations on the public pages in Kyrgyz, Russian and Uzbek."""

import pytest
from axe_playwright_python.sync_playwright import Axe

PAGES = ["/", "/auth/login", "/auth/register"]
LANGS = ["ky", "ru", "uz"]


@pytest.fixture(scope="module")
def axe():
    return Axe()


def violations(axe, page) -> list[str]:
    results = axe.run(page)
    return [
        f"{item['id']}: {[node['target'] for node in item['nodes']]}"
        for item in results.response["violations"]
    ]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_no_axe_violations(live_server, page, axe, path, lang):
    page.goto(f"{live_server}{path}?lang={lang}")
    assert violations(axe, page) == []


@pytest.mark.parametrize("lang", LANGS)
def test_no_axe_violations_on_a_form_with_errors(live_server, page, axe, lang):
    page.goto(f"{live_server}/auth/register?lang={lang}")
    page.click("button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert violations(axe, page) == []


def test_no_axe_violations_when_signed_in(live_server, page, axe):
    page.goto(f"{live_server}/auth/login?lang=ky")
    page.fill("#email", "admin@demo.example.org")
    page.fill("#password", "demo-password-2026")
    page.click("main button[type=submit]")
    for path in ("/", "/admin/users", "/admin/audit", "/account/profile", "/notifications"):
        page.goto(f"{live_server}{path}")
        assert violations(axe, page) == [], path


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", email)
    page.fill("#password", "demo-password-2026")
    page.click("main button[type=submit]")


@pytest.mark.parametrize("lang", LANGS)
def test_no_axe_violations_on_camp_pages_for_young_people(live_server, page, axe, lang):
    sign_in(page, live_server, "youth@demo.example.org")
    page.goto(f"{live_server}/applications?lang={lang}")
    links = [a.get_attribute("href") for a in page.locator("main .inbox a").all()]
    for path in ["/camps", *links, page.locator("main .inbox a").first.get_attribute("href")]:
        page.goto(f"{live_server}{path}")
        assert violations(axe, page) == [], path
    page.goto(f"{live_server}/camps")
    page.locator("main .card a").first.click()
    assert violations(axe, page) == []


def test_no_axe_violations_on_organiser_camp_pages(live_server, page, axe):
    sign_in(page, live_server, "organiser@demo.example.org")
    page.goto(f"{live_server}/manage/camps?lang=ru")
    camp = page.locator("main tbody a").first.get_attribute("href")
    pages = [
        "/manage/camps", "/manage/camps/new", camp, f"{camp}/applications", f"{camp}/waitlist",
        f"{camp}/balance?suggest=1&seed=2", f"{camp}/checkin", f"{camp}/edit",
    ]  # fmt: skip
    for path in pages:
        page.goto(f"{live_server}{path}")
        assert violations(axe, page) == [], path
    page.goto(f"{live_server}{camp}/applications")
    page.locator("main tbody th a").first.click()
    assert violations(axe, page) == [], page.url


def test_no_axe_violations_on_training_pages(live_server, page, browser, axe):
    sign_in(page, live_server, "organiser@demo.example.org")
    page.goto(f"{live_server}/manage/programmes?lang=uz")
    programme = page.locator("main .card a").first.get_attribute("href")
    for path in ["/manage/programmes", "/manage/programmes/new", programme, f"{programme}/edit",
                 "/manage/ambassadors", "/training/sessions"]:  # fmt: skip
        page.goto(f"{live_server}{path}")
        assert violations(axe, page) == [], path
    page.goto(f"{live_server}{programme}")
    page.locator("main table a").first.click()
    assert violations(axe, page) == [], page.url
    youth = browser.new_context().new_page()
    sign_in(youth, live_server, "youth2@demo.example.org")
    youth.goto(f"{live_server}/training")
    assert violations(axe, youth) == []


def test_no_axe_violations_on_group_and_plan_pages(live_server, page, browser, axe):
    sign_in(page, live_server, "youth@demo.example.org")
    page.goto(f"{live_server}/groups?lang=ru")
    group = page.locator("main .card a").first.get_attribute("href")
    page.goto(f"{live_server}{group}")
    plans = [a.get_attribute("href") for a in page.locator("main .inbox a").all()]
    for path in ["/groups", "/groups/new", "/groups/join", group, *plans]:
        page.goto(f"{live_server}{path}")
        assert violations(axe, page) == [], path
    mentor = browser.new_context().new_page()
    sign_in(mentor, live_server, "mentor@demo.example.org")
    for path in ["/mentor/queue", "/mentor/reviews", "/groups"]:
        mentor.goto(f"{live_server}{path}")
        assert violations(axe, mentor) == [], path
    organiser = browser.new_context().new_page()
    sign_in(organiser, live_server, "organiser@demo.example.org")
    for path in ["/manage/plans", "/manage/groups", group]:
        organiser.goto(f"{live_server}{path}")
        assert violations(axe, organiser) == [], path


@pytest.mark.parametrize("lang", LANGS)
def test_no_axe_violations_on_the_public_glance_page(live_server, page, axe, lang):
    page.goto(f"{live_server}/at-a-glance?lang={lang}")
    assert violations(axe, page) == []


def test_no_axe_violations_on_the_reach_dashboard(live_server, page, browser, axe):
    sign_in(page, live_server, "organiser@demo.example.org")
    for path in ["/reports", "/reports?region=KG-O&lang=ky"]:
        page.goto(f"{live_server}{path}")
        assert violations(axe, page) == [], path
    mentor = browser.new_context().new_page()
    sign_in(mentor, live_server, "mentor@demo.example.org")
    mentor.goto(f"{live_server}/reports")
    assert violations(axe, mentor) == []
