"""An organiser runs a programme from its first session to a certificate; the young person
downloads it and anyone can verify it by its code."""

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.i18n import local_today
from tests.helpers import translated


def sign_in(page, live_server, email, password="demo-password-2026"):
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")


def add_session(page, programme_url, day):
    page.goto(programme_url)
    page.locator("summary").nth(1).click()
    page.fill("#starts_at", f"{day.isoformat()}T18:00")
    page.fill("#place", "WhatsApp тобу")
    page.click("form[action$='/sessions'] button[type=submit]")


def test_programme_to_certificate_and_verification(live_server, live_database_uri, browser, app):
    with app.test_request_context():
        valid = translated("This certificate is valid.", "ky")
    staff = browser.new_context().new_page()
    sign_in(staff, live_server, "organiser@demo.example.org")
    staff.goto(f"{live_server}/manage/programmes/new?lang=ky")
    staff.fill("#title_ky", "Ноокат: WhatsApp курсу")
    staff.check("#delivery_mode-2")
    staff.check("#makes_ambassadors")
    staff.check("#completion_rule-1")
    staff.fill("#completion_percent", "100")
    staff.click("main button[type=submit]")
    programme_url = staff.url.split("?")[0]

    add_session(staff, programme_url, local_today() - timedelta(days=1))
    staff.fill("#person", "youth@demo.example.org")
    staff.click("form[action$='/enrol'] button[type=submit]")
    # Yesterday's session took place before she enrolled: nobody is expected there.
    staff.goto(programme_url)
    staff.locator("main table a").first.click()
    expect(staff.locator("form[action$='/all-present']")).to_have_count(0)

    add_session(staff, programme_url, local_today() + timedelta(days=1))
    staff.goto(programme_url)
    staff.locator("main table a").last.click()
    staff.click("form[action$='/all-present'] button")
    expect(staff.locator(".flash")).to_be_visible()

    youth = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(youth, live_server, "youth@demo.example.org")
    youth.goto(f"{live_server}/training")
    expect(youth.locator("main")).to_contain_text("Ноокат: WhatsApp курсу")
    link = youth.locator("a[href$='.pdf']").first.get_attribute("href")
    pdf = youth.request.get(f"{live_server}{link}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    engine = sa.create_engine(live_database_uri)
    with engine.connect() as connection:
        code = connection.execute(
            sa.text("SELECT code FROM certificate ORDER BY id DESC LIMIT 1")
        ).scalar()
    engine.dispose()
    anyone = browser.new_context().new_page()
    anyone.goto(f"{live_server}/certificates/verify/{code}?lang=ky")
    expect(anyone.locator("main")).to_contain_text(valid)
    expect(anyone.locator("main")).to_contain_text("Aigerim Mamatova")
    anyone.goto(f"{live_server}/certificates/verify/wrong-code?lang=ky")
    expect(anyone.locator("main")).not_to_contain_text(valid)
