"""Journey 9 (issue 20's chain): an organiser prints paper forms for a village without signal and
types one in; the 15-year-old gets the decision by SMS, claims the form on her phone and
confirms; the organiser writes to the camp's confirmed participants; an Uzbek-speaking
ambassador links Telegram and gets the next session's reminder there; the organiser imports a
spreadsheet of 200 people and downloads the 10 rows it refused."""

import io
import json
import urllib.request
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.accounts.models import User
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.paper.models import PaperForm
from portal.camps.paper.models import shown_code
from portal.extensions import utcnow
from portal.i18n import local_today
from portal.i18n import short_datetime
from portal.security import Role
from portal.sms import OutboundSms
from portal.telegram import OutboundTelegram
from portal.training import services as training
from tests.browser.conftest import DESKTOP
from tests.factories import PASSWORD
from tests.factories import CampFactory
from tests.factories import EnrolmentFactory
from tests.factories import ProgrammeFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.helpers import years_ago

TITLE = "Алай: тоо лагери"
YOUNG = {"name": "Айпери Токтосунова", "phone": "0777 123 456", "e164": "+996777123456"}
NEW_PASSWORD = "Sary-Chelek-kolu-2026"
NEWS = "Лагерь 3-июлда башталат. Паспортуңузду алып келиңиз."
UZ_TITLE = "Ёшлар элчилари: Ўш"
UZ_PLACE = "Ўш ёшлар маркази"
CHAT_ID = 5550099
IMPORT_PREFIX = "+99670050"  # the file's valid numbers: +996700500000 …
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECISION = "Good news: you have a place at the camp! Please confirm it before the deadline."


def people_sheet() -> bytes:
    """200 people; 10 rows bad: a bad phone, a duplicate, an unknown district, a missing birth
    date (so nobody can tell a minor), a missing name (two of each)."""
    sheet_book = Workbook()
    sheet = sheet_book.active
    sheet.append(["ФИО", "Телефон", "Дата рождения", "Область", "Район", "Тил"])
    for i in range(200):
        sheet.append([f"Бакыт Асанов {chr(0x430 + i % 32)}{chr(0x430 + i // 32)}",
                      f"0700 {500000 + i:06d}", f"{1 + i % 28:02d}.05.{2000 + i % 8}",
                      "Ош облусу", "Ноокат району", "кыргызча"])  # fmt: skip
    bad = {5: (1, "12345"), 17: (1, "0770 000"), 30: (1, "0700 500001"), 44: (1, "0700 500002"),
           58: (4, "Атлантида району"), 71: (4, "Марс району"), 90: (2, None), 120: (2, ""),
           150: (0, ""), 175: (0, None)}  # fmt: skip
    for index, (column, value) in bad.items():
        sheet.cell(row=index + 2, column=column + 1).value = value
    stream = io.BytesIO()
    sheet_book.save(stream)
    return stream.getvalue()


def post_to_bot_webhook(base_url, secret, text):
    """What Telegram does when the person presses Start in the bot."""
    update = {"update_id": 9, "message": {
        "message_id": 3, "text": text, "chat": {"id": CHAT_ID, "type": "private"},
        "from": {"id": CHAT_ID, "language_code": "ru"},
    }}  # fmt: skip
    request = urllib.request.Request(
        f"{base_url}/telegram/webhook", data=json.dumps(update).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as answer:  # nosec B310 - the live server
        assert answer.status == 200


def test_paper_form_sms_claim_broadcast_telegram_reminder_and_import(
    journey, live_app, live_data, text
):
    with live_data():
        organiser = UserFactory(full_name="Бактыгүл Мамытова", roles={Role.ORGANISER}, locale="ky")
        camp = CampFactory(title={"ky": TITLE, "ru": "Алай: горный лагерь"}, capacity=5,
                           start_date=local_today() + timedelta(days=25))  # fmt: skip
        ambassador = UserFactory(full_name="Шахноза Каримова", locale="uz_Cyrl")
        programme = ProgrammeFactory(title={"ky": "Жаштар элчилери: Ош", "uz_Cyrl": UZ_TITLE})
        EnrolmentFactory(programme=programme, person=ambassador)
        session = TrainingSessionFactory(
            programme=programme, starts_at=utcnow() + timedelta(hours=20),
            place={"ky": "Ош жаштар борбору", "uz_Cyrl": UZ_PLACE},
        )  # fmt: skip
        email, camp_id, ambassador_email = organiser.email, camp.id, ambassador.email
        when = short_datetime(session.starts_at)
    base_url, secret = live_app.config["BASE_URL"], live_app.config["TELEGRAM_WEBHOOK_SECRET"]
    staff = journey.visitor("organiser", viewport=DESKTOP)

    with journey.step("the organiser prints two blank paper forms"):
        staff.sign_in(email, PASSWORD)
        staff.open(f"/manage/camps/{camp_id}")
        staff.follow(staff.main.get_by_role("link", name=text("Paper forms", "ky"), exact=True))
        staff.fill("#count", "2")
        staff.choose("#locale", "ky")
        with staff.page.expect_download() as download:
            staff.press("form[action$='/paper/print'] button[type=submit]")
        pdf = PdfReader(download.value.path())
        printed = "\n".join(page.extract_text() for page in pdf.pages)
        with live_data() as db:
            codes = db.scalars(sa.select(PaperForm.code).where(PaperForm.camp_id == camp_id)).all()
        assert len(codes) == 2 and all(shown_code(code) in printed for code in codes)
        code = shown_code(codes[0])

    with journey.step("finds a form by its code in small letters and types it in"):
        staff.open(f"/manage/camps/{camp_id}/paper")
        staff.fill("#code", code.lower())
        staff.follow("form[action$='/paper/find'] button[type=submit]")
        expect(staff.page.locator("h1")).to_contain_text(code)
        staff.fill("#full_name", YOUNG["name"])
        staff.fill("#phone", YOUNG["phone"])
        staff.fill("#date_of_birth", years_ago(15).isoformat())
        staff.choose("#region", "KG-O")
        staff.choose("#district", "KG-O-ARAVAN")
        staff.fill("#motivation", "Тоодо жаңы достор тапкым келет.")
        staff.fill("#guardian_name", "Гүлнара Токтосунова")
        staff.fill("#guardian_phone", "0555 441 122")
        staff.tick("#signed")
        staff.follow("main form button[type=submit]")
        expect(staff.page.locator(".flash")).to_have_text(
            text("The paper form is typed in and the application is sent.", "ky")
        )

    with journey.step("records the guardian's consent by phone and accepts"):
        staff.tick("#method-1")  # a phone call with the guardian
        staff.fill("#note", "Апасы телефон аркылуу макул болду.")
        staff.follow("form[action$='/consent'] button[type=submit]")
        expect(staff.page.locator(".flash")).to_have_text(
            text("The guardian's consent is recorded.", "ky")
        )
        staff.tick("#decision-0")
        staff.follow("form[action$='/decide'] button[type=submit]")
        expect(staff.page.locator(".flash")).to_have_text(text("Decision saved.", "ky"))
        with live_data() as db:
            sent = db.scalars(sa.select(OutboundSms).where(OutboundSms.to_number == YOUNG["e164"]))
            [sms] = [message for message in sent if text(DECISION, "ky") in message.body]
            application_id = db.scalar(sa.select(PaperForm.application_id).where(
                PaperForm.code == codes[0]))  # fmt: skip
            assert sms.locale == "ky"
            assert f"{base_url}/applications/{application_id}" in sms.body

    young = journey.visitor("young-person")
    with journey.step("the young person claims the form on her phone"):
        young.open("/auth/login")
        young.follow(young.main.get_by_role("link", name=text("Got a paper form? Claim it", "ky")))
        young.fill("#code", code)
        young.fill("#phone", YOUNG["phone"])
        young.follow("main form button[type=submit]")
        young.fill("#password", NEW_PASSWORD)
        young.fill("#confirm", NEW_PASSWORD)
        young.follow("main form button[type=submit]")
        assert young.page.url.endswith(f"/applications/{application_id}")
        expect(young.page.locator(".flash")).to_have_text(
            text("Your password is saved and you are signed in.", "ky")
        )

    with journey.step("she confirms her place"):
        young.follow("form[action$='/confirm'] button")
        expect(young.page.locator(".flash")).to_have_text(
            text("Your place is confirmed. See you at the camp!", "ky")
        )

    with journey.step("the organiser writes to the confirmed participants"):
        staff.open(f"/manage/camps/{camp_id}")
        staff.follow(f"nav.tools a[href='/manage/broadcasts/camp/{camp_id}']")
        staff.follow(staff.main.get_by_role("link", name=text("Write a message", "ky")))
        expect(staff.page.locator("input[name=statuses][value=confirmed]")).to_be_checked()
        staff.fill("#text_ky", NEWS)
        staff.follow("main form button[type=submit]")
        expect(staff.main.locator("tbody tr")).to_have_count(1)
        expect(staff.main.locator("tbody tr")).to_contain_text(YOUNG["name"])
        staff.follow(staff.main.get_by_role("button", name=text("Send now", "ky")))
        expect(staff.page.locator("h1")).to_have_text(text("Delivery", "ky"))
        expect(staff.main.locator("tbody tr")).to_contain_text(YOUNG["name"])
        with live_data() as db:
            bodies = db.scalars(
                sa.select(OutboundSms.body).where(OutboundSms.to_number == YOUNG["e164"])
            ).all()
            assert len([body for body in bodies if NEWS in body]) == 1

    envoy = journey.visitor("ambassador", locale="uz-UZ")
    with journey.step("an Uzbek-speaking ambassador links Telegram"):
        envoy.sign_in(ambassador_email, PASSWORD)
        envoy.open("/account/messages")
        envoy.follow("form[action$='/account/messages/telegram'] button")
        link = envoy.main.locator("a[href^='https://t.me/']").get_attribute("href")
        start_code = link.split("?start=", 1)[1]
        post_to_bot_webhook(journey.base_url, secret, f"/start {start_code}")

    with journey.step("the next session's reminder comes on Telegram in Uzbek"):
        with live_data():
            training.send_session_reminders()
        with live_data() as db:
            messages = db.scalars(
                sa.select(OutboundTelegram)
                .where(OutboundTelegram.chat_id == CHAT_ID)
                .order_by(OutboundTelegram.id)
            ).all()
            reminder = text(
                "Reminder: training session of %(programme)s on %(when)s, %(place)s.", "uz_Cyrl",
                programme=UZ_TITLE, when=when, place=UZ_PLACE,
            )  # fmt: skip
            assert [m.locale for m in messages] == ["uz_Cyrl", "uz_Cyrl"]  # linked, reminder
            assert reminder in messages[-1].body
        envoy.open("/account/messages")
        expect(envoy.page.locator("#telegram")).to_be_checked()
        expect(envoy.main.locator("section[aria-labelledby=telegram-title]")).to_contain_text(
            text("Unlink Telegram", "uz_Cyrl")
        )

    with journey.step("the organiser imports 200 people, 10 of them with problems"):
        staff.open("/manage/imports")
        staff.attach("#file", {"name": "odamdar.xlsx", "buffer": people_sheet(), "mimeType": XLSX})
        staff.follow("main form[enctype] button[type=submit]")
        expect(staff.page.locator("h1")).to_have_text(text("Check the import", "ky"))
        expect(staff.main.locator("#phone")).to_have_value("1")  # the guessed columns kept
        counts = staff.main.locator("section[aria-labelledby=rows-title] > ul")
        expect(counts).to_contain_text(f"{text('Rejected', 'ky')}: 10")
        expect(counts).to_contain_text(f"{text('New', 'ky')}: 190")
        staff.tick("#agreed")
        staff.follow("form[action$='/run'] button[type=submit]")
        expect(staff.page.locator("h1")).to_have_text(text("Import done", "ky"))
        report = load_workbook(io.BytesIO(staff.download("a[href$='/rejected.xlsx']").body()))
        lines = list(report.active.iter_rows(values_only=True))
        assert len(lines) == 1 + 10 and {len(line) for line in lines} == {1 + 6 + 1}
        assert lines[0][-1] == text("Why it was not imported", "ky")
        with live_data() as db:
            imported = db.scalar(sa.select(sa.func.count()).select_from(User).where(
                User.phone.like(f"{IMPORT_PREFIX}%")))  # fmt: skip
            assert imported == 190

    with live_data() as db:
        assert db.get(Application, application_id).status is S.CONFIRMED
