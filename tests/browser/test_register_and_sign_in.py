"""Signing in and the registration form's errors, beyond journey 1."""

from playwright.sync_api import expect

from portal.demo import DEMO_LOGINS
from portal.demo import DEMO_PASSWORD


def test_registration_errors_are_listed_on_top_and_keep_the_input(journey):
    person = journey.visitor("person", locale="ru-RU")
    with journey.step("sends a half-filled form"):
        person.open("/auth/register?lang=ru")
        person.fill("#full_name", "Бекзат")
        person.fill("#password", "short")
        person.follow("main button[type=submit]", status=400)
    with journey.step("reads the errors and goes to the first one"):
        summary = person.page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(person.page.locator("#full_name")).to_have_value("Бекзат")
        # The first problem is the missing e-mail or phone; its link moves focus into the field.
        summary.locator("a").first.click()
        expect(person.page.locator("#phone")).to_be_focused()


def test_every_demo_login_works_and_the_saved_language_applies(journey):
    tags = {"ky": "ky", "ru": "ru", "uz_Cyrl": "uz-Cyrl"}
    for email, _name, _roles, locale, _profile in DEMO_LOGINS:
        person = journey.visitor(email.split("@")[0])
        with journey.step(f"{email} signs in"):
            person.sign_in(email, DEMO_PASSWORD)
            person.open_menu()
            expect(
                person.page.locator("header form[action$='/auth/logout'] button")
            ).to_be_visible()
            expect(person.page.locator("html")).to_have_attribute("lang", tags[locale])
