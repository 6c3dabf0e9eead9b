"""Journey 2: an organiser, in Russian at a desk, reviews the applications to a camp, records a
guardian's consent with a scanned form, accepts, takes the balanced-cohort suggestion and checks
participants in on the camp's first day."""

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampAttendance
from portal.i18n import local_today
from portal.security import Role
from tests.browser.conftest import DESKTOP
from tests.factories import PASSWORD
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.helpers import years_ago

#: A scanned consent form as a phone would send it: a tiny but real PDF.
SCAN = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"  # noqa: E501

TITLE = "Узген: лагерь «Мост»"


def applicant(name, gender, **extra):
    return UserFactory(full_name=name, gender=gender, locale="ru", **extra)


def test_organiser_reviews_records_consent_accepts_balances_and_checks_in(journey, live_data, text):
    today = local_today()
    with live_data():
        organiser = UserFactory(full_name="Гульнара Ташиева", roles={Role.ORGANISER}, locale="ru")
        camp = CampFactory(
            title={"ky": "Өзгөн: көпүрө лагери", "ru": TITLE},
            start_date=today,
            end_date=today + timedelta(days=2),
            capacity=5,
            targets={"gender": {"female": [40, 60], "male": [40, 60]}},
        )
        minor = applicant("Мадина Юлдашева", "female", date_of_birth=years_ago(15))
        ApplicationFactory(
            camp=camp, applicant=minor, guardian_name="Гулноза Юлдашева",
            guardian_relation="мама", guardian_phone="+996555223344",
        )  # fmt: skip
        for name, gender, score in [
            ("Тилек Садыков", "male", 5),
            ("Асель Каримова", "female", 5),
            ("Эмир Алиев", "male", 3),
            ("Улан Исаков", "male", None),
        ]:
            ApplicationFactory(camp=camp, applicant=applicant(name, gender), score=score)
        for name, gender in [("Айпери Абдиева", "female"), ("Жасур Маматов", "male")]:
            ApplicationFactory(camp=camp, applicant=applicant(name, gender), status=S.CONFIRMED)
        email, camp_id = organiser.email, camp.id
    staff = journey.visitor("organiser", viewport=DESKTOP, locale="ru-RU")

    with journey.step("signs in and opens the camp"):
        staff.sign_in(email, PASSWORD)
        staff.follow_menu("/manage/camps")
        staff.follow(staff.main.get_by_role("link", name=TITLE, exact=True))
        expect(staff.page.locator("h1")).to_have_text(TITLE)

    with journey.step("lists the minors without consent"):
        staff.follow(f"nav.tools a[href='/manage/camps/{camp_id}/applications']")
        staff.main.locator("details.more-filters > summary").click()  # folded while none is on
        staff.choose("#consent", "missing")
        staff.follow("form[role=search] button[type=submit]")
        rows = staff.main.locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text("Мадина Юлдашева")
        expect(staff.main.locator("details.more-filters")).to_have_attribute("open", "")
        expect(staff.main.locator(".chips .chip").first).to_contain_text(
            text("Minors without consent", "ru")
        )

    with journey.step("reviews Madina's application"):
        staff.follow(staff.main.get_by_role("link", name="Мадина Юлдашева"))
        staff.choose("#score", "4")
        staff.fill("#notes", "Хорошая мотивация, из Ноокатского района.")
        staff.follow("form[action*='/review?consent=missing'] button[type=submit]")
        expect(staff.page.locator(".flash")).to_have_text(text("Review saved.", "ru"))
        expect(staff.page.locator("#score")).to_have_value("4")

    with journey.step("records the guardian's consent with the scanned form"):
        staff.tick("#method-0")
        staff.attach("#scan", {"name": "soglasie.pdf", "mimeType": "application/pdf",
                               "buffer": SCAN})  # fmt: skip
        staff.fill("#note", "Мама подписала форму в школе.")
        staff.follow("form[action*='/consent?consent=missing'] button[type=submit]")
        expect(staff.page.locator(".flash")).to_have_text(
            text("The guardian's consent is recorded.", "ru")
        )
        assert staff.download("a[href^='/manage/consents/']").body() == SCAN

    with journey.step("accepts Madina"):
        staff.tick("#decision-0")
        staff.follow("form[action*='/decide?consent=missing'] button[type=submit]")
        expect(staff.page.locator(".flash")).to_have_text(text("Decision saved.", "ru"))
        expect(staff.main.locator("p .badge").first).to_have_text(
            text("Accepted, waiting for confirmation", "ru")
        )

    with journey.step("asks for a balanced cohort"):
        # Back to the list as it was filtered: Madina no longer lacks consent.
        staff.follow(f"main a[href='/manage/camps/{camp_id}/applications?consent=missing']")
        expect(staff.main.locator("tbody tr")).to_have_count(0)
        staff.follow(staff.main.get_by_role("link", name=TITLE, exact=True))
        staff.follow(f"nav.tools a[href='/manage/camps/{camp_id}/balance']")
        staff.follow("form:has(#seed) button[type=submit]")
        proposal = staff.main.locator("section[aria-labelledby=suggest-title] ol")
        expect(proposal.locator("li")).to_have_count(2)
        expect(proposal).to_contain_text("Тилек Садыков")
        expect(proposal).to_contain_text("Асель Каримова")
        expect(staff.main).to_contain_text(
            text(
                "%(num)d applicant has no score yet and is not included.",
                "ru",
                plural="%(num)d applicants have no score yet and are not included.",
                num=1,
            )
        )

    with journey.step("accepts the proposal"):
        staff.follow(staff.main.locator("form:has(ol) button[type=submit]"))
        expect(staff.page.locator(".flash")).to_have_text(
            text(
                "Decision saved for %(num)d application.",
                "ru",
                plural="Decision saved for %(num)d applications.",
                num=2,
            )
        )

    with journey.step("checks participants in on the first day"):
        staff.follow(staff.main.get_by_role("link", name=TITLE, exact=True))
        staff.follow(f"nav.tools a[href='/manage/camps/{camp_id}/checkin']")
        expect(staff.main.locator("nav.tools a[aria-current=page]")).to_contain_text(
            today.strftime("%d.%m.%Y")
        )
        people = staff.main.locator(".checkin li")
        expect(people).to_have_count(2)  # only confirmed places are checked in
        staff.follow(people.filter(has_text="Айпери Абдиева").locator("button[value=yes]"))
        staff.follow(people.filter(has_text="Жасур Маматов").locator("button[value=no]"))
        expect(people.filter(has_text="Айпери Абдиева").locator(".badge.attendance")).to_have_text(
            text("Here", "ru")
        )
        expect(people.filter(has_text="Жасур Маматов").locator(".badge.attendance")).to_have_text(
            text("Not here", "ru")
        )

    with live_data() as session:
        status = dict(
            session.execute(
                sa.select(Application.id, Application.status).where(Application.camp_id == camp_id)
            ).all()
        )
        names = {
            application.id: application.applicant.full_name
            for application in session.scalars(
                sa.select(Application).where(Application.camp_id == camp_id)
            )
        }
        by_name = {names[key]: value for key, value in status.items()}
        assert by_name == {
            "Мадина Юлдашева": S.ACCEPTED,
            "Тилек Садыков": S.ACCEPTED,
            "Асель Каримова": S.ACCEPTED,
            "Эмир Алиев": S.SUBMITTED,
            "Улан Исаков": S.SUBMITTED,
            "Айпери Абдиева": S.ATTENDED,
            "Жасур Маматов": S.NO_SHOW,
        }
        marks = session.scalars(
            sa.select(CampAttendance.present)
            .join(Application, CampAttendance.application_id == Application.id)
            .where(Application.camp_id == camp_id, CampAttendance.day == today)
            .order_by(CampAttendance.present)
        ).all()
        assert marks == [False, True]
