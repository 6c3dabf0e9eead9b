"""A young person registers in Kyrgyz on a phone-sized screen, signs out and signs in again."""

import re

from playwright.sync_api import expect

from tests.helpers import translated
from tests.helpers import years_ago


def test_youth_registers_in_kyrgyz_and_signs_in(live_server, page, app):
    page.goto(f"{live_server}/auth/register?lang=ky")
    expect(page.locator("html")).to_have_attribute("lang", "ky")

    page.fill("#full_name", "Нургүл Бакирова")
    page.fill("#email", "nurgul@example.org")
    page.fill("#phone", "0770 55 44 33")
    page.fill("#password", "toolor-jashtar-2026")
    page.fill("#date_of_birth", years_ago(15).isoformat())
    page.check("#gender-1")
    page.select_option("#region", "KG-B")
    # With JavaScript on, only Batken's districts and towns stay selectable.
    expect(page.locator('#district optgroup[data-region="KG-O"]')).to_be_hidden()
    page.select_option("#district", "KG-B-KADAMJAI")
    page.fill("#community", "Пулгон")
    page.check("#consent")
    page.click("button[type=submit]")

    with app.test_request_context():
        hello = translated("Hello, %(name)s!", "ky", name="Нургүл Бакирова")
        signed_out = translated("You are signed out.", "ky")
        signed_in = translated("You are signed in.", "ky")
    expect(page.locator("h1")).to_have_text(hello)

    page.click("header form button[type=submit]")
    expect(page.locator(".flash")).to_have_text(signed_out)

    page.goto(f"{live_server}/auth/login")
    page.fill("#email", "0770554433")
    page.fill("#password", "toolor-jashtar-2026")
    page.click("main button[type=submit]")
    expect(page.locator(".flash")).to_have_text(signed_in)
    expect(page).to_have_url(re.compile(r"/$"))


def test_registration_errors_are_listed_on_top_and_keep_the_input(live_server, page):
    page.goto(f"{live_server}/auth/register?lang=ru")
    page.fill("#full_name", "Бекзат")
    page.fill("#password", "short")
    page.click("button[type=submit]")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#full_name")).to_have_value("Бекзат")
    expect(summary).to_be_focused()
    # The first problem is the missing e-mail or phone; its link moves focus into the field.
    summary.locator("a").first.click()
    expect(page.locator("#phone")).to_be_focused()


def test_demo_logins_work_in_every_language(live_server, page):
    for lang, tag in (("ky", "ky"), ("ru", "ru"), ("uz", "uz-Cyrl")):
        page.goto(f"{live_server}/auth/login?lang={lang}")
        page.fill("#email", "organiser@demo.example.org")
        page.fill("#password", "demo-password-2026")
        page.click("main button[type=submit]")
        expect(page.locator("header form button")).to_be_visible()
        # Signed in, the saved language applies; ?lang= switches it for good.
        page.goto(f"{live_server}/?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", tag)
        page.click("header form button[type=submit]")
