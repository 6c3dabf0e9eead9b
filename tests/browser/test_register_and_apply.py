"""Journey 1: a 15-year-old registers in Kyrgyz on a phone, applies to a camp, saves a draft,
comes back later and sends it — by touch, with the keyboard alone, and without JavaScript."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from tests.factories import CampFactory
from tests.helpers import years_ago

#: How the young person uses the portal → the visitor's settings, her name, her phone's ending.
WAYS = {
    "touch": ({"touch": True}, "Нургүл Бакирова", "31"),
    "keyboard": ({"keyboard": True}, "Айпери Жолдошева", "32"),
    "no-javascript": ({"javascript": False}, "Бегайым Турдуева", "33"),
}
PASSWORD = "toolor-bulak-2026"  # no "Jashtar": a password must not name the portal


@pytest.mark.parametrize("way", WAYS)
def test_a_15_year_old_registers_applies_saves_a_draft_and_sends_it_later(
    journey, live_data, text, way
):
    settings, name, ending = WAYS[way]
    email = f"nurgul{ending}@example.org"
    title = f"Баткен: достук лагери {ending}"
    with live_data():
        camp_id = CampFactory(
            title={"ky": title, "ru": f"Баткен: лагерь дружбы {ending}"},
            region_code="KG-B",
            eligible_regions=["KG-B"],
            languages=["ky"],
        ).id
    youth = journey.visitor("youth", **settings)

    with journey.step("opens the registration form in Kyrgyz"):
        youth.open("/auth/register?lang=ky")
        expect(youth.page.locator("html")).to_have_attribute("lang", "ky")

    with journey.step("registers"):
        youth.fill("#full_name", name)
        youth.fill("#email", email)
        youth.fill("#phone", f"0770 55 44 {ending}")
        youth.fill("#password", PASSWORD)
        youth.fill("#date_of_birth", years_ago(15).isoformat())
        youth.tick("#gender-1")
        youth.choose("#region", "KG-B")
        if youth.javascript:  # only Batken's districts and towns stay on offer
            expect(youth.page.locator('#district optgroup[data-region="KG-O"]')).to_be_hidden()
        youth.choose("#district", "KG-B-KADAMJAI")
        youth.fill("#community", "Пулгон")
        youth.tick("#consent")
        youth.follow("main button[type=submit]")
        expect(youth.page.locator("h1")).to_have_text(text("Hello, %(name)s!", "ky", name=name))

    with journey.step("finds the camp in Batken"):
        youth.follow_menu("/camps")
        youth.choose("#region", "KG-B")
        youth.follow("form[role=search] button[type=submit]")
        youth.follow(youth.main.get_by_role("link", name=title))

    with journey.step("starts an application and saves a draft"):
        youth.follow(f"form[action='/camps/{camp_id}/apply'] button")
        motivation = "Башка айылдардагы жаштар менен таанышкым келет."
        youth.fill("#motivation", motivation)
        count = youth.page.locator("#motivation-count")
        if youth.javascript:  # the limit the page states becomes a live count
            left = 3000 - len(motivation)
            expect(count).to_have_text(text(
                "You have %(left)s character left.", "ky",
                plural="You have %(left)s characters left.", num=left, left=str(left),
            ))  # fmt: skip
        else:
            expect(count).to_have_text(
                text("Up to %(num)d character.", "ky", plural="Up to %(num)d characters.", num=3000)
            )
        youth.fill("#safety_problem", "Кыздар мектепти эрте таштап кетишет.")
        youth.tick("#spoken_languages-0")
        youth.fill("#emergency_name", "Апам")
        youth.fill("#emergency_phone", "0555 22 33 44")
        youth.follow("button[value=save]")
        expect(youth.page.locator(".flash")).to_have_text(
            text("Your draft is saved. You can come back and finish it later.", "ky")
        )

    with journey.step("signs out"):
        youth.sign_out()
        expect(youth.page.locator(".flash")).to_have_text(text("You are signed out.", "ky"))

    with journey.step("comes back with her phone number"):
        youth.sign_in(f"0770 55 44 {ending}", PASSWORD)
        expect(youth.page.locator(".flash")).to_have_text(text("You are signed in.", "ky"))

    with journey.step("opens her draft"):
        youth.follow_menu("/applications")
        expect(youth.main.locator(".inbox li", has_text=title)).to_contain_text(text("Draft", "ky"))
        youth.follow(youth.main.get_by_role("link", name=title))
        expect(youth.page.locator("#motivation")).to_have_value(
            "Башка айылдардагы жаштар менен таанышкым келет."
        )

    with journey.step("names her guardian and sends the application"):
        youth.fill("#guardian_name", "Гүлнара Бакирова")
        youth.fill("#guardian_relation", "апам")
        youth.fill("#guardian_phone", "0555 22 33 45")
        youth.follow("button[value=submit]")
        expect(youth.page.locator(".flash")).to_have_text(
            text("Your application is sent. Good luck!", "ky")
        )
        # The page after sending says what happens next, and that her guardian must agree.
        expect(youth.page.locator("h1")).to_have_text(text("Your application is sent", "ky"))
        expect(youth.main).to_contain_text(
            text("You are under 18 on the camp's first day, so your parent or guardian must "
                 "agree.", "ky")
        )  # fmt: skip

    with journey.step("opens the application she sent"):
        youth.follow(youth.main.get_by_role("link", name=text("See your application", "ky")))
        expect(youth.page.locator(".panel h2")).to_contain_text(text("Sent", "ky"))

    with live_data() as session:
        application = session.scalar(
            sa.select(Application)
            .join(User, Application.user_id == User.id)
            .where(User.email == email)
        )
        assert application.camp_id == camp_id
        assert application.status is ApplicationStatus.SUBMITTED
        assert application.spoken_languages == ["ky"]
        assert application.guardian_phone == "+996555223345"
        assert application.applicant.locale == "ky"
        assert application.applicant.district_code == "KG-B-KADAMJAI"
