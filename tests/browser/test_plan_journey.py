"""A group takes a plan from blank through two review rounds to approval and progress; the
mentor reviews in Uzbek. Then axe checks the group and plan pages."""

from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.helpers import translated

SCORES = ("relevance", "feasibility", "inclusion", "do_no_harm", "sustainability")


def sign_in(browser, live_server, email, **context):
    page = browser.new_context(**context).new_page()
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", email)
    page.fill("#password", "demo-password-2026")
    page.click("main button[type=submit]")
    return page


def review(page, plan_url, decision, comment=""):
    page.goto(f"{plan_url}/review?lang=uz")
    for key in SCORES:
        page.check(f"#score_{key}-2")
        page.fill(f"#note_{key}", "Яхши")
    if comment:
        page.fill("#comment_do_no_harm", comment)
    page.fill("#overall_comment", "Раҳмат!")
    page.check(f"#decision-{0 if decision == 'approve' else 1}")
    page.click("main form button[type=submit]")


def test_blank_plan_to_approval_in_two_rounds(live_server, browser, app):
    with app.test_request_context():
        scores_uz = translated("Scores", "uz_Cyrl")
        approved_ky = translated("Approved", "ky")
    lead = sign_in(
        browser, live_server, "youth@demo.example.org", viewport={"width": 360, "height": 740}
    )
    lead.goto(f"{live_server}/groups")
    lead.locator("main .card a", has_text="Папан").click()
    lead.click("form[action$='/plans'] button")
    plan_url = lead.url
    lead.fill("#title", "Мектептеги зомбулукка каршы")
    lead.select_option("#category", "domestic_violence")
    lead.fill("#problem", "Балдар мектепте уруп-сабашат.")
    lead.fill("#objectives", "Мугалимдер менен чогуу эрежелерди жазуу.")
    lead.fill("#activities-0-what", "Мугалимдер менен жолугушуу")
    lead.click("button[value=add_row]")
    lead.fill("#activities-1-what", "Плакаттар")
    lead.fill("#risks", "Эч кимдин атын жазбайбыз.")
    lead.fill("#indicators", "Даттануулардын саны.")
    lead.click("button[value=save]")
    lead.click("form[action$='/submit'] button")

    mentor = sign_in(browser, live_server, "mentor@demo.example.org")
    mentor.goto(f"{live_server}/mentor/queue")
    expect(mentor.locator("main")).to_contain_text("Мектептеги зомбулукка каршы")
    mentor.goto(f"{plan_url}/review?lang=uz")
    expect(mentor.locator("main")).to_contain_text(scores_uz)
    assert violations_on(mentor) == []
    review(mentor, plan_url, "changes", comment="Қизлар фикрини қандай эшитасиз?")

    lead.goto(plan_url)
    expect(lead.locator(".feedback")).to_contain_text("Қизлар фикрини қандай эшитасиз?")
    lead.fill("#risks", "Кыздар менен өзүнчө сүйлөшөбүз; эч кимдин атын жазбайбыз.")
    lead.click("button[value=save]")
    lead.click("form[action$='/submit'] button")

    review(mentor, plan_url, "approve")
    mentor.goto(f"{plan_url}/versions/2")
    expect(mentor.locator("main")).to_contain_text("Кыздар менен өзүнчө сүйлөшөбүз")

    lead.goto(f"{plan_url}?lang=ky")
    expect(lead.locator("main")).to_contain_text(approved_ky)
    lead.fill("#percent_complete", "30")
    lead.fill("#what_happened", "Мугалимдер менен жолуктук.")
    lead.click("form[action$='/progress'] button[type=submit]")
    expect(lead.locator("#progress")).to_contain_text("30%")
    assert violations_on(lead) == []


def violations_on(page):
    from axe_playwright_python.sync_playwright import Axe

    return violations(Axe(), page)
