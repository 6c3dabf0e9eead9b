"""The header on a phone (issue 18): the menu and the language picker open without JavaScript,
by keyboard and by touch; the closed header stays one short row in every language; wide screens
show the menu inline."""

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import DESKTOP
from tests.browser.conftest import PHONE
from tests.factories import PASSWORD
from tests.factories import NotificationFactory
from tests.factories import UserFactory

#: The tallest the closed header may be on a phone, so the page's own title shows at once.
HEADER_LIMIT = 100
LANGS = ["ky", "ru", "uz", "uz-Latn", "en"]


def header_height(person) -> float:
    return person.page.locator("header.site-header").bounding_box()["height"]


@pytest.mark.parametrize(
    "way", [{"javascript": False}, {"keyboard": True}, {"touch": True}], ids=str
)
def test_the_menu_and_the_language_picker_open_on_a_phone(journey, text, way):
    person = journey.visitor("anyone", locale="ru-RU", **way)
    camps = "nav.main-nav a[href='/camps']"
    with journey.step("the menu is folded behind its button"):
        person.open("/?lang=ru")
        expect(person.page.locator(camps)).to_be_hidden()
        expect(person.page.locator("details.menu > summary")).to_contain_text(text("Menu", "ru"))
    with journey.step("opens the menu and goes to the camps"):
        person.open_menu()
        expect(person.page.locator(camps)).to_be_visible()
        person.follow(camps)
        expect(person.page.locator("h1")).to_have_text(text("Camps", "ru"))
        expect(person.page.locator("details.menu")).not_to_have_attribute("open", "")
    with journey.step("picks Uzbek in the language picker"):
        expect(person.page.locator("details.languages > summary")).to_contain_text("Русский")
        person.open_languages()
        current = person.page.locator("header .languages [aria-current=true]")
        expect(current).to_have_text("Русский")
        person.follow("header .languages a[hreflang=uz-Cyrl]")
        expect(person.page.locator("html")).to_have_attribute("lang", "uz-Cyrl")
        expect(person.page.locator("h1")).to_have_text(text("Camps", "uz_Cyrl"))


def test_signed_in_the_menu_shows_the_unread_count_and_signs_out(journey, live_data):
    with live_data():  # not a demo login: the language chosen below is saved on the account
        user = UserFactory(locale="ky")
        NotificationFactory.create_batch(2, user_id=user.id)
        email = user.email
    person = journey.visitor("youth", touch=True)
    with journey.step("signs in; the closed menu carries the unread count"):
        person.sign_in(email, PASSWORD)
        badge = person.page.locator("details.menu > summary .badge")
        expect(badge).to_contain_text("2")
        assert header_height(person) <= HEADER_LIMIT
    with journey.step("picks Russian: a saved choice, sent as a form"):
        person.open_languages()
        person.follow("header .languages button[lang=ru]")
        expect(person.page.locator("html")).to_have_attribute("lang", "ru")
    with journey.step("signs out from the menu"):
        person.sign_out()
        expect(person.page.locator("header a[href='/auth/login']")).to_be_attached()


@pytest.mark.parametrize("lang", LANGS)
def test_the_closed_header_is_one_short_row_in_every_language(journey, lang):
    anyone = journey.visitor("anyone", viewport=PHONE)
    member = journey.visitor("organiser", viewport=PHONE)
    member.sign_in("organiser@demo.example.org", DEMO_PASSWORD)
    for person in (anyone, member):
        for path in ("/", "/camps", "/auth/login"):
            with journey.step(f"{person.label} opens {path} in {lang}"):
                person.open(f"{path}?lang={lang}")
                assert header_height(person) <= HEADER_LIMIT, header_height(person)
                assert person.title_problem() is None, person.title_problem()
                brand = person.page.locator("header .brand-name")
                fits = brand.evaluate("el => el.scrollWidth <= el.clientWidth")
                assert fits, "the brand's name is cut short"


def test_wide_screens_show_the_menu_inline(journey):
    person = journey.visitor("organiser", viewport=DESKTOP)
    with journey.step("signs in on a desktop"):
        person.sign_in("organiser@demo.example.org", DEMO_PASSWORD)
        expect(person.page.locator("details.menu > summary")).to_be_hidden()
        expect(person.page.locator("nav.main-nav a[href='/camps']")).to_be_visible()
        tools = person.page.locator("nav.main-nav a[href='/manage/camps']")
        expect(tools).to_be_hidden()  # in the "Manage" list, so the menu keeps one row
        person.open_list_of("a[href='/manage/camps']")
        expect(tools).to_be_visible()
    with journey.step("the notifications are a bell beside the language picker"):
        expect(person.page.locator("nav.main-nav a[href='/notifications']")).to_be_hidden()
        person.follow_menu("/notifications")
        expect(person.page.locator("header a.bell")).to_have_attribute("aria-current", "page")
    with journey.step("follows a menu link without opening anything"):
        person.follow_menu("/manage/camps")
        current = person.page.locator("nav.main-nav a[aria-current=page]")
        expect(current).to_have_attribute("href", "/manage/camps")


def test_escape_or_a_tap_elsewhere_closes_an_open_menu(journey):
    """As in any app: Escape closes the open menu and the focus goes back to its button; a tap
    outside it closes it too (without JavaScript it stays open until its button is pressed)."""
    person = journey.visitor("anyone", keyboard=True)
    menu = person.page.locator("header details.menu")
    with journey.step("opens the menu by keyboard and presses Escape"):
        person.open("/?lang=en")
        person.open_menu()
        person.page.keyboard.press("Escape")
        expect(menu).not_to_have_attribute("open", "")
        assert menu.locator("> summary").evaluate("el => el === document.activeElement")
    phone = journey.visitor("anyone", touch=True)
    with journey.step("opens the language picker and taps the page beside it"):
        phone.open("/?lang=en")
        phone.open_languages()
        phone.page.touchscreen.tap(10, 600)
        expect(phone.page.locator("header details.languages")).not_to_have_attribute("open", "")


@pytest.mark.parametrize("lang", LANGS)
def test_on_a_desktop_every_roles_header_is_two_rows_at_most(journey, lang):
    """The brand's row and one row of links, whatever the role (the admin's fifteen links
    took four rows): the staff's tools fold into "Manage", which opens by click and keyboard."""
    for email in ("admin@demo.example.org", "organiser@demo.example.org",
                  "mentor@demo.example.org", "youth@demo.example.org"):  # fmt: skip
        person = journey.visitor(email.split("@")[0], viewport=DESKTOP)
        with journey.step(f"{email} opens the home page in {lang}"):
            person.sign_in(email, DEMO_PASSWORD)
            person.open(f"/?lang={lang}")
            rows = person.page.evaluate(NAV_ROWS)
            assert rows == 1, f"{rows} rows of links"
            assert header_height(person) <= 120, header_height(person)


#: How many rows the wide screen's links take (their distinct tops).
NAV_ROWS = """() => new Set([...document.querySelectorAll('nav.main-nav > ul > li')]
  .map(li => li.getBoundingClientRect()).filter(box => box.height > 0)
  .map(box => Math.round(box.top))).size"""
