"""Journey 3: young people in Uzbek on their phones. One sees the organiser's decision and confirms
her place; another accepted applicant declines, and the first on the waiting list is offered it."""

from datetime import timedelta

from playwright.sync_api import expect

from portal.camps import services
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.i18n import local_today
from portal.security import Role
from tests.factories import PASSWORD
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.helpers import years_ago

TITLE = "Жалолобод: дўстлик лагери"
REASON = "Жавобларингиз бизга жуда ёқди."


def test_decision_confirmed_declined_place_goes_to_the_waiting_list(journey, live_data, text):
    with live_data():
        organiser = UserFactory(roles={Role.ORGANISER}, locale="ru")
        camp = CampFactory(
            title={"ky": "Жалал-Абад: достук лагери", "uz_Cyrl": TITLE},
            region_code="KG-J",
            start_date=local_today() + timedelta(days=20),
            capacity=2,
        )
        people = {}
        for key, name in [
            ("chosen", "Дилноза Сайдалиева"),
            ("declining", "Жасурбек Тошматов"),
            ("first_waiting", "Нигора Юсупова"),
            ("second_waiting", "Шерзод Алиев"),
        ]:
            person = UserFactory(full_name=name, locale="uz_Cyrl", date_of_birth=years_ago(19))
            application = ApplicationFactory(camp=camp, applicant=person)
            people[key] = (person.email, application)
        for key, decision in [
            ("chosen", S.ACCEPTED),
            ("declining", S.ACCEPTED),
            ("first_waiting", S.WAITLISTED),
            ("second_waiting", S.WAITLISTED),
        ]:
            services.decide(people[key][1], decision, reason=REASON, by=organiser)
        emails = {key: email for key, (email, _application) in people.items()}
        ids = {key: application.id for key, (_email, application) in people.items()}

    chosen = journey.visitor("chosen", locale="uz-UZ")
    with journey.step("the chosen applicant reads the news"):
        chosen.sign_in(emails["chosen"], PASSWORD)
        expect(chosen.page.locator("html")).to_have_attribute("lang", "uz-Cyrl")
        chosen.follow_menu("/notifications")
        news = text(
            "Good news: you have a place at the camp! Please confirm it before the deadline.",
            "uz_Cyrl",
        )
        chosen.follow(chosen.main.get_by_role("link", name=news))
        expect(chosen.main.locator(".panel h2")).to_contain_text(
            text("Accepted, waiting for confirmation", "uz_Cyrl")
        )
        expect(chosen.main.locator(".panel")).to_contain_text(REASON)

    with journey.step("she confirms her place"):
        chosen.follow("form[action$='/confirm'] button")
        expect(chosen.page.locator(".flash")).to_have_text(
            text("Your place is confirmed. See you at the camp!", "uz_Cyrl")
        )
        expect(chosen.main.locator(".panel h2")).to_contain_text(text("Confirmed", "uz_Cyrl"))

    declining = journey.visitor("declining", locale="uz-UZ")
    with journey.step("another accepted applicant declines"):
        declining.sign_in(emails["declining"], PASSWORD)
        declining.follow_menu("/applications")
        declining.follow(declining.main.get_by_role("link", name=TITLE))
        declining.follow("form[action$='/decline'] button")
        expect(declining.page.locator(".flash")).to_have_text(
            text("You declined the place. Thank you for telling us.", "uz_Cyrl")
        )
        expect(declining.main.locator(".panel h2")).to_contain_text(text("Declined", "uz_Cyrl"))

    waiting = journey.visitor("first-waiting", locale="uz-UZ")
    with journey.step("the first on the waiting list is offered the place"):
        waiting.sign_in(emails["first_waiting"], PASSWORD)
        waiting.follow_menu("/notifications")
        offer = text("A place opened up and it is yours! Please confirm it soon.", "uz_Cyrl")
        waiting.follow(waiting.main.get_by_role("link", name=offer))
        expect(waiting.main.locator(".panel h2")).to_contain_text(
            text("Accepted, waiting for confirmation", "uz_Cyrl")
        )
        expect(waiting.main.locator("form[action$='/confirm'] button")).to_be_visible()

    with live_data() as session:
        stored = {
            key: session.get(Application, application_id) for key, application_id in ids.items()
        }
        assert {key: a.status for key, a in stored.items()} == {
            "chosen": S.CONFIRMED,
            "declining": S.DECLINED,
            "first_waiting": S.ACCEPTED,
            "second_waiting": S.WAITLISTED,
        }
        assert stored["first_waiting"].offer_expires_on is not None
        print("second waiting position", stored["second_waiting"].waitlist_position)
