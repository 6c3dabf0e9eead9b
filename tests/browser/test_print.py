"""Paper (issue 18): a camp's participant list and its check-in sheet print as plain lists, with
no header, menu, footer, button or form field; the list's table takes the page's width and no
row is split between pages."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.camps.models import SEAT_STATUSES
from portal.camps.models import Application
from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import DESKTOP

#: What never reaches paper; each selector must match nothing visible in print.
NOT_ON_PAPER = [
    "header",
    "footer",
    "nav.main-nav",
    ".skip-link",
    "button",
    ".button",
    "select",
    "input[type=checkbox]",
    "form.filters",
    ".print-hint",
]


@pytest.fixture
def camp_with_participants(live_data):
    """The demo camp with the most people holding a place, and their commonest status."""
    with live_data() as session:
        return session.execute(
            sa.select(Application.camp_id, Application.status)
            .where(Application.status.in_(SEAT_STATUSES))
            .group_by(Application.camp_id, Application.status)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).one()


def visible_in_print(person, selector) -> int:
    return person.page.eval_on_selector_all(
        selector, "els => els.filter(el => el.checkVisibility()).length"
    )


@pytest.mark.parametrize("page", ["applications", "checkin"])
def test_the_participant_list_and_the_check_in_sheet_print_cleanly(
    journey, camp_with_participants, page
):
    staff = journey.visitor("organiser", viewport=DESKTOP, locale="ru-RU")
    with journey.step("the organiser opens the list and sees how to print it"):
        staff.sign_in("organiser@demo.example.org", DEMO_PASSWORD)
        camp_id, status = camp_with_participants
        query = f"?status={status.value}" if page == "applications" else ""
        staff.open(f"/manage/camps/{camp_id}/{page}{query}")
        expect(staff.page.locator(".print-hint")).to_be_visible()
        expect(staff.page.locator("[data-print]")).to_be_visible()  # JavaScript shows it
    with journey.step("prints it"):
        staff.page.emulate_media(media="print")
        shown = {selector: visible_in_print(staff, selector) for selector in NOT_ON_PAPER}
        assert not any(shown.values()), shown
        expect(staff.page.locator("main h1")).to_be_visible()
        rows = staff.page.locator("main tbody tr, main .checkin li")
        assert rows.count() > 0
        assert rows.first.evaluate("el => getComputedStyle(el).breakInside") == "avoid"
        if page == "applications":
            widths = staff.page.evaluate(
                "() => [document.querySelector('main table').getBoundingClientRect().width,"
                " document.querySelector('main').getBoundingClientRect().width]"
            )
            assert widths[0] >= widths[1] - 1, widths
        staff.page.emulate_media(media="screen")
        expect(staff.page.locator("header")).to_be_visible()
