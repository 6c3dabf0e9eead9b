"""Journey: an organiser at a 1280 px desk works through a long list of applications: the
table fits the screen in every language, the header box ticks the page, a failed decision keeps
the ticks, and next/previous walk the filtered list; the same without JavaScript."""

import pytest
from playwright.sync_api import expect

from portal.security import Role
from tests.browser.conftest import DESKTOP
from tests.factories import PASSWORD
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.factories import minor

#: The width of the table's box against the width of the table inside it.
TABLE_FIT = """() => {
  const box = document.querySelector('.table-scroll');
  return {box: box.clientWidth, table: box.scrollWidth};
}"""


@pytest.fixture
def long_list(live_data):
    with live_data():
        organiser = UserFactory(roles={Role.ORGANISER}, locale="ky")
        camp = CampFactory(capacity=60, title={"ky": "Жалал-Абад: узун тизме"})
        for number in range(30):
            person = (minor if number % 3 else UserFactory)(
                # Long names as people write them, in full.
                full_name=f"Гүлнара Абдыкадырова Токтосунбек кызы {number:02d}",
                gender="female" if number % 2 else "male",
                region_code="KG-J",
            )
            ApplicationFactory(camp=camp, applicant=person, score=number % 5 + 1)
        return organiser.email, camp.id


@pytest.mark.parametrize("locale", ["ky", "ru", "uz"])
def test_the_applications_table_fits_a_1280_px_screen(journey, long_list, locale):
    email, camp_id = long_list
    staff = journey.visitor("organiser", viewport=DESKTOP)
    with journey.step("opens the long list"):
        staff.sign_in(email, PASSWORD)
        staff.open(f"/manage/camps/{camp_id}/applications?lang={locale}&sort=score")
        fit = staff.page.evaluate(TABLE_FIT)
        assert fit["table"] <= fit["box"], fit  # no sideways scrolling at a desk


def test_ticks_survive_a_failed_decision_and_next_walks_the_filtered_list(journey, long_list, text):
    email, camp_id = long_list
    staff = journey.visitor("organiser", viewport=DESKTOP, locale="ru-RU")
    with journey.step("filters the list and ticks the whole page with the header box"):
        staff.sign_in(email, PASSWORD)
        staff.open(f"/manage/camps/{camp_id}/applications?gender=female&sort=score&lang=ru")
        rows = staff.main.locator("tbody tr")
        expect(rows).to_have_count(15)
        staff.tick("#pick-all")
        expect(staff.main.locator("tbody input[name=applications]:checked")).to_have_count(15)

    with journey.step("a waiting-list decision without a reason keeps every tick"):
        staff.tick("input[name=decision][value=waitlisted]")
        staff.follow(".bulk-form button[type=submit]:not([name])", status=400)
        expect(staff.page.locator(".error-summary")).to_be_focused()
        expect(staff.main.locator("tbody input[name=applications]:checked")).to_have_count(15)
        expect(staff.main.locator(".chips .chip")).to_have_count(2)

    with journey.step("opens the first applicant and walks to the next"):
        first = rows.first.locator("th a")
        name = first.inner_text()
        staff.follow(first)
        expect(staff.main.locator("h1")).to_have_text(name)
        staff.follow("a[rel=next]")
        expect(staff.main.locator("h1")).to_have_text(rows_names(staff, camp_id)[1])
        staff.follow("a[rel=prev]")
        expect(staff.main.locator("h1")).to_have_text(name)


def rows_names(staff, camp_id) -> list[str]:
    page = staff.page.context.new_page()
    page.goto(f"/manage/camps/{camp_id}/applications?gender=female&sort=score")
    names = page.locator("tbody th a").all_inner_texts()
    page.close()
    return names


def test_select_all_on_the_page_without_javascript(journey, long_list):
    email, camp_id = long_list
    staff = journey.visitor("organiser", viewport=DESKTOP, javascript=False)
    with journey.step("ticks the page by the link"):
        staff.sign_in(email, PASSWORD)
        staff.open(f"/manage/camps/{camp_id}/applications")
        expect(staff.main.locator("#pick-all")).to_be_hidden()
        staff.follow(".pick-link")
        expect(staff.main.locator("tbody input[name=applications]:checked")).to_have_count(25)
        staff.follow(".pick-link")
        expect(staff.main.locator("tbody input[name=applications]:checked")).to_have_count(0)
