"""The whole camp journey in a browser: publish, apply as a minor on a phone, consent, accept,
confirm and check in — in Uzbek for the young person and Russian for the organiser."""

from datetime import timedelta

from playwright.sync_api import expect

from portal.i18n import local_today
from tests.helpers import translated
from tests.helpers import years_ago


def sign_in(page, live_server, email, password="demo-password-2026"):
    page.goto(f"{live_server}/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")


def test_publish_apply_consent_accept_confirm_check_in(live_server, browser, app):
    with app.test_request_context():
        confirmed = translated("Confirmed", "uz_Cyrl")
        attended = translated("Attended", "uz_Cyrl")
        publish = translated("Publish", "ru")
    staff = browser.new_context(viewport={"width": 1024, "height": 900}).new_page()
    phone = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    today = local_today()

    # The organiser creates and publishes a camp.
    sign_in(staff, live_server, "organiser@demo.example.org")
    staff.goto(f"{live_server}/manage/camps/new?lang=ru")
    staff.fill("#title_ru", "Лагерь дружбы Ноокат")
    staff.select_option("#region", "KG-O")
    staff.fill("#venue", "Ноокат, школа №3")
    staff.fill("#start_date", (today + timedelta(days=20)).isoformat())
    staff.fill("#end_date", (today + timedelta(days=22)).isoformat())
    staff.fill("#applications_open", today.isoformat())
    staff.fill("#applications_close", (today + timedelta(days=10)).isoformat())
    staff.fill("#confirmation_deadline", (today + timedelta(days=15)).isoformat())
    staff.fill("#capacity", "12")
    staff.check("#languages-0")
    staff.click("main button[type=submit]")
    staff.click(f"text={publish}")
    camp_url = staff.url

    # A 15-year-old registers on a phone in Uzbek and applies.
    phone.goto(f"{live_server}/auth/register?lang=uz")
    phone.fill("#full_name", "Мадина Юлдашева")
    phone.fill("#phone", "0777 12 34 56")
    phone.fill("#password", "ёшлик-баҳори-2026")
    phone.fill("#date_of_birth", years_ago(15).isoformat())
    phone.select_option("#region", "KG-O")
    phone.select_option("#district", "KG-O-NOOKAT")
    phone.check("#consent")
    phone.click("main button[type=submit]")
    phone.goto(f"{live_server}/camps")
    phone.click("text=Лагерь дружбы Ноокат")
    phone.click("main form button[type=submit]")
    phone.fill("#motivation", "Бошқа қишлоқлардаги ёшлар билан танишмоқчиман.")
    phone.fill("#safety_problem", "Қизлар мактабни эрта ташлаб кетишади.")
    phone.check("#spoken_languages-2")
    phone.fill("#emergency_name", "Онам")
    phone.fill("#emergency_phone", "0555 22 33 44")
    phone.fill("#guardian_name", "Гулноза")
    phone.fill("#guardian_relation", "онам")
    phone.fill("#guardian_phone", "0555 22 33 44")
    phone.click("button[value=submit]")
    expect(phone.locator(".flash")).to_be_visible()
    application_url = phone.url

    # The organiser records the guardian's consent by phone and accepts.
    staff.goto(camp_url.replace("?lang=ru", "") + "/applications")
    staff.click("text=Мадина Юлдашева")
    staff.check("#method-1")
    staff.fill("#note", "Позвонила маме, она согласна.")
    staff.click("form[action$='/consent'] button[type=submit]")
    staff.check("#decision-0")
    staff.click("form[action$='/decide'] button[type=submit]")
    expect(staff.locator(".flash")).to_be_visible()

    # The young person confirms the place.
    phone.goto(application_url)
    phone.click("form[action$='/confirm'] button")
    expect(phone.locator(".panel h2")).to_contain_text(confirmed)

    # At the camp, the organiser checks her in on the first day.
    staff.goto(camp_url.split("?")[0] + "/checkin")
    row = staff.locator("li", has_text="Мадина Юлдашева")
    row.locator("button[value=yes]").click()
    expect(staff.locator("li", has_text="Мадина Юлдашева").locator(".badge")).to_be_visible()
    phone.goto(application_url)
    expect(phone.locator(".panel h2")).to_contain_text(attended)
