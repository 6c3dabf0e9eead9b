"""Journey 5: the trainer fills in the last session's attendance sheet on a phone with JavaScript
off; the young ambassador (in Russian) follows her training record, downloads her certificate and
the public verification page confirms it."""

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import utcnow
from portal.security import Role
from portal.training import services
from portal.training.models import AttendanceStatus
from portal.training.models import Certificate
from portal.training.models import CompletionRule
from portal.training.models import Enrolment
from tests.factories import PASSWORD
from tests.factories import EnrolmentFactory
from tests.factories import ProgrammeFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory

PROGRAMME = "Послы мира: Ош, весна"


def test_attendance_without_javascript_then_training_record_certificate_and_verification(
    journey, live_data, text
):
    with live_data():
        trainer = UserFactory(full_name="Азиз Каримов", roles={Role.MENTOR}, locale="ru")
        programme = ProgrammeFactory(
            title={"ru": PROGRAMME, "ky": "Тынчтык элчилери: Ош, жаз"},
            completion_rule=CompletionRule.SESSION_SHARE,
            completion_percent=100,
        )
        first, last = (
            TrainingSessionFactory(
                programme=programme, trainer=trainer, starts_at=utcnow() - timedelta(days=days)
            )
            for days in (9, 2)
        )
        ambassador = EnrolmentFactory(
            programme=programme,
            person=UserFactory(full_name="Фарида Ахмедова", locale="ru"),
        )
        other = EnrolmentFactory(
            programme=programme, person=UserFactory(full_name="Нурбек Садыков", locale="ky")
        )
        for enrolment, mark in [(ambassador, "present"), (other, "absent")]:
            services.record_attendance(first, enrolment, AttendanceStatus(mark), by=trainer)
        accounts = {"trainer": trainer.email, "ambassador": ambassador.person.email}
        last_id, ambassador_id, other_id = last.id, ambassador.id, other.id

    sheet = journey.visitor("trainer", locale="ru-RU", javascript=False)
    with journey.step("the trainer opens the last session's sheet without JavaScript"):
        sheet.sign_in(accounts["trainer"], PASSWORD)
        sheet.follow_menu("/training/sessions")
        sheet.follow(f"main a[href='/sessions/{last_id}/attendance']")
        expect(sheet.main.locator("fieldset.marks")).to_have_count(2)

    with journey.step("the trainer marks who came and saves"):
        sheet.tick(f"input[name=mark-{ambassador_id}][value=present]")
        sheet.tick(f"input[name=mark-{other_id}][value=absent]")
        sheet.follow("form[action$='/attendance'] button[type=submit]")
        expect(sheet.page.locator(".flash")).to_have_text(
            text(
                "Attendance saved (%(num)d change).",
                "ru",
                plural="Attendance saved (%(num)d changes).",
                num=2,
            )
        )
        expect(
            sheet.page.locator(f"input[name=mark-{ambassador_id}][value=present]")
        ).to_be_checked()
        expect(sheet.page.locator(f"input[name=mark-{other_id}][value=absent]")).to_be_checked()

    youth = journey.visitor("ambassador", locale="ru-RU")
    with journey.step("the ambassador follows her training record"):
        youth.sign_in(accounts["ambassador"], PASSWORD)
        youth.follow_menu("/training")
        record = youth.main.locator("section.panel", has_text=PROGRAMME)
        expect(record).to_contain_text(text("Completed", "ru"))
        expect(record).to_contain_text(text("%(done)d of %(needed)d done", "ru", done=2, needed=2))
        expect(record.locator("progress")).to_have_attribute("value", "100")
        record.locator("summary").click()  # the attendance history opens in place
        expect(record.locator("details li")).to_have_count(2)
        expect(record.locator("details li").last).to_contain_text(text("Present", "ru"))

    with journey.step("she downloads her certificate"):
        pdf = youth.download(record.locator("a[href$='.pdf']"))
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")

    with live_data() as session:
        code = session.scalar(
            sa.select(Certificate.code)
            .join(Enrolment, Certificate.enrolment_id == Enrolment.id)
            .where(Enrolment.id == ambassador_id)
        )
        assert session.get(Enrolment, other_id).certificate is None

    anyone = journey.visitor("anyone", locale="ru-RU")
    with journey.step("the verification page confirms the certificate"):
        anyone.open(f"/certificates/verify/{code}?lang=ru")
        result = anyone.main.locator(".panel")
        expect(result).to_contain_text(text("This certificate is valid.", "ru"))
        expect(result).to_contain_text("Фарида Ахмедова")
        expect(result).to_contain_text(PROGRAMME)

    with journey.step("a mistyped code is not confirmed"):
        anyone.open("/certificates/verify/NO-SUCH-CODE?lang=ru", status=404)
        expect(anyone.main).to_contain_text(text("We know no certificate with this code.", "ru"))
