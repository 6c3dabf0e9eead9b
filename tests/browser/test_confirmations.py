"""Steps that cannot be undone ask first, on a page of their own: a young person in Kyrgyz
withdraws her place with JavaScript off (and first goes back), and the next on the waiting list
gets it; an organiser in Russian cancels a camp after reading who will be told."""

from datetime import timedelta

from playwright.sync_api import expect

from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.camps.models import CampStatus
from portal.i18n import local_today
from portal.security import Role
from tests.factories import PASSWORD
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.helpers import years_ago

TITLE = "Баткен: ынтымак лагери"
DESKTOP = {"width": 1280, "height": 800}


def test_withdrawing_a_place_and_cancelling_a_camp_ask_first(journey, live_data, text):
    with live_data():
        camp = CampFactory(title={"ky": TITLE, "ru": TITLE}, region_code="KG-B", capacity=1,
                           start_date=local_today() + timedelta(days=20))  # fmt: skip
        person = UserFactory(full_name="Айзада Маматова", locale="ky", date_of_birth=years_ago(19))
        mine = ApplicationFactory(camp=camp, applicant=person, status=S.ACCEPTED,
                                  offer_expires_on=local_today() + timedelta(days=5))  # fmt: skip
        waiting = ApplicationFactory(camp=camp, status=S.WAITLISTED, waitlist_position=1)
        organiser = UserFactory(roles={Role.ORGANISER}, locale="ru")
        ids = {"camp": camp.id, "mine": mine.id, "waiting": waiting.id}
        emails = {"young": person.email, "organiser": organiser.email}

    young = journey.visitor("young", locale="ky-KG", javascript=False)
    with journey.step("she opens her application and asks to withdraw"):
        young.sign_in(emails["young"], PASSWORD)
        young.open(f"/applications/{ids['mine']}")
        young.follow("form[action$='/withdraw'] button")
        expect(young.page.locator("h1")).to_have_text(text("Withdraw your application?", "ky"))
        expect(young.main.locator(".consequences")).to_contain_text(
            text("You will give up your place: it goes to the next person on the waiting list, "
                 "and you cannot get it back.", "ky")
        )  # fmt: skip

    with journey.step("she goes back, and nothing has changed"):
        young.follow(young.main.get_by_role("link", name=text("No, go back", "ky")))
        expect(young.main.locator("form[action$='/confirm'] button")).to_be_visible()

    with journey.step("she withdraws after all"):
        young.follow("form[action$='/withdraw'] button")
        young.follow("form:has(input[name=confirm]) button[type=submit]")
        expect(young.page.locator(".flash")).to_have_text(
            text("Your application is withdrawn.", "ky")
        )

    staff = journey.visitor("organiser", viewport=DESKTOP, locale="ru-RU")
    with journey.step("the organiser asks to cancel the camp and reads who is told"):
        staff.sign_in(emails["organiser"], PASSWORD)
        staff.open(f"/manage/camps/{ids['camp']}")
        staff.follow("form:has(input[value=cancelled]) button")
        expect(staff.main.locator(".consequences")).to_contain_text(
            text("The camp will be cancelled for good: it cannot be published or opened again.",
                 "ru")
        )  # fmt: skip
        staff.follow("form:has(input[name=confirm]) button[type=submit]")
        expect(staff.page.locator(".flash")).to_have_text(
            text("The camp's status is changed.", "ru")
        )

    with live_data() as session:
        assert session.get(Application, ids["mine"]).status is S.WITHDRAWN
        assert session.get(Application, ids["waiting"]).status is S.ACCEPTED
        assert session.get(Camp, ids["camp"]).status is CampStatus.CANCELLED
