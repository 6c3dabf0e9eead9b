"""The camp on paper: the participant list, the check-in sheet of a day and name badges."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.audit import AuditEvent
from portal.camps import pdfs
from portal.camps.models import ApplicationStatus as S
from portal.i18n import local_today
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.factories import minor
from tests.helpers import years_ago

#: Kyrgyz ң ө ү and Uzbek ў қ ғ ҳ, in the names people write.
KYRGYZ_NAME = "Өмүрбек Жоңкулов Үсөн"
UZBEK_NAME = "Ўғилой Қаҳҳорова"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def page_count(response) -> int:
    return len(PdfReader(io.BytesIO(response.data)).pages)


def test_participant_list_names_who_holds_a_place_with_phones_and_consent(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    adult = ApplicationFactory(
        camp=camp, status=S.CONFIRMED,
        applicant=UserFactory(full_name=KYRGYZ_NAME, phone="+996555123123",
                              district_code="KG-O-NOOKAT"),
    )  # fmt: skip
    young = ApplicationFactory(
        camp=camp, status=S.ACCEPTED, guardian_phone="+996777000222",
        applicant=minor(full_name=UZBEK_NAME),
    )  # fmt: skip
    ApplicationFactory(camp=camp, status=S.WITHDRAWN, applicant=UserFactory(full_name="Кеткен"))
    ApplicationFactory(camp=camp, status=S.REJECTED, applicant=UserFactory(full_name="Алынбаган"))
    ApplicationFactory(camp=camp, status=S.WAITLISTED, applicant=UserFactory(full_name="Күткөн"))

    response = client.get(f"/manage/camps/{camp.id}/participants.pdf?lang=en")
    text = pdf_text(response)
    assert KYRGYZ_NAME in text and UZBEK_NAME in text
    assert "Кеткен" not in text and "Алынбаган" not in text and "Күткөн" not in text
    assert "+996555123123" in text and "+996777000222" in text
    assert "Nookat district" in text and "KG-O-NOOKAT" not in text
    assert "Missing" in text and "Not needed" in text  # the minor's consent, the adult's
    assert str(adult.applicant_age) in text and str(young.applicant_age) in text
    assert camp.start_date.strftime("%d.%m.%Y") in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="camp-{camp.id}-participants.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "camp.exported"))
    assert event.details["format"] == "pdf"


def test_an_adults_guardian_phone_is_left_off(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    ApplicationFactory(camp=camp, status=S.CONFIRMED, guardian_phone="+996777999888")
    assert "+996777999888" not in pdf_text(client.get(f"/manage/camps/{camp.id}/participants.pdf"))


@pytest.mark.parametrize(
    ("locale", "heading", "absent"),
    [("ru", "Участники", "Катышуучулар"), ("ky", "Катышуучулар", "Участники"),
     ("uz_Cyrl", "Иштирокчилар", "Участники")],
)  # fmt: skip
def test_the_sheets_speak_the_organisers_language(client, login_as, db, locale, heading, absent):
    login_as("organiser", locale=locale)
    camp = CampFactory()
    ApplicationFactory(camp=camp, status=S.CONFIRMED, applicant=UserFactory(locale="ky"))
    text = pdf_text(client.get(f"/manage/camps/{camp.id}/participants.pdf"))
    assert heading in text and absent not in text


def test_check_in_sheet_of_a_day_has_a_box_and_a_signature_for_each_participant(
    client, login_as, db
):
    login_as("organiser", locale="ru")
    camp = CampFactory()
    ApplicationFactory(camp=camp, status=S.CONFIRMED, applicant=UserFactory(full_name=UZBEK_NAME))
    ApplicationFactory(camp=camp, status=S.ACCEPTED, applicant=UserFactory(full_name="Ойлонуп"))
    ApplicationFactory(camp=camp, status=S.WITHDRAWN, applicant=UserFactory(full_name="Кеткен"))
    second = camp.days()[1]

    response = client.get(f"/manage/camps/{camp.id}/checkin.pdf?day={second.isoformat()}")
    text = pdf_text(response)
    assert UZBEK_NAME in text and "Ойлонуп" not in text and "Кеткен" not in text
    assert f"день 2 из 3 ({second.strftime('%d.%m.%Y')})" in text
    assert "Подпись" in text and "На месте" in text and "\u2610" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="camp-{camp.id}-checkin-day-2.pdf"'
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("day", ["", "garbage", "2001-01-01", "+1", "day-4"])
def test_a_day_outside_the_camp_has_no_check_in_sheet(client, login_as, db, day):
    login_as("organiser")
    camp = CampFactory()
    after = (camp.end_date + timedelta(days=1)).isoformat()
    for value in (day, after):
        assert client.get(f"/manage/camps/{camp.id}/checkin.pdf?day={value}").status_code == 404


def test_badges_show_the_name_the_camp_and_the_region(client, login_as, db):
    login_as("organiser", locale="ru")
    camp = CampFactory()
    ApplicationFactory(
        camp=camp, status=S.CONFIRMED,
        applicant=UserFactory(full_name=KYRGYZ_NAME, region_code="KG-O"),
    )  # fmt: skip
    response = client.get(f"/manage/camps/{camp.id}/badges.pdf")
    text = pdf_text(response)
    assert KYRGYZ_NAME in text and "Лагерь мира" in text and "Ошская область" in text
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="camp-{camp.id}-badges.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"


def test_minors_surnames_are_left_off_the_badges_when_the_organiser_asks(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    ApplicationFactory(camp=camp, status=S.CONFIRMED, applicant=minor(full_name="Ғайрат Қодиров"))
    ApplicationFactory(camp=camp, status=S.CONFIRMED, applicant=minor(full_name="Садыкова Айгерим"))
    ApplicationFactory(
        camp=camp, status=S.CONFIRMED,
        applicant=UserFactory(full_name="Нурлан Бакыт уулу", date_of_birth=years_ago(20)),
    )  # fmt: skip

    kept = pdf_text(client.get(f"/manage/camps/{camp.id}/badges.pdf"))
    assert "Ғайрат Қодиров" in kept and "Садыкова Айгерим" in kept
    first_names = pdf_text(client.get(f"/manage/camps/{camp.id}/badges.pdf?minors=first-name"))
    assert "Ғайрат" in first_names and "Қодиров" not in first_names
    assert "Айгерим" in first_names and "Садыкова" not in first_names
    assert "Нурлан Бакыт уулу" in first_names  # an adult keeps the whole name


def test_someone_who_turns_18_after_the_camp_starts_counts_as_a_minor(db):
    camp = CampFactory(start_date=local_today() + timedelta(days=30))
    born = camp.start_date.replace(year=camp.start_date.year - 18) + timedelta(days=1)
    application = ApplicationFactory(camp=camp, applicant=UserFactory(date_of_birth=born))
    assert pdfs.is_minor_at_start(application)
    adult = ApplicationFactory(camp=camp, applicant=UserFactory(date_of_birth=years_ago(18, 40)))
    assert not pdfs.is_minor_at_start(adult)


@pytest.mark.parametrize(
    ("full_name", "first"),
    [("Айгерим Садыкова", "Айгерим"), ("Садыкова Айгерим", "Айгерим"),
     ("Бакыт уулу Азамат", "Азамат"), ("Азамат Бакыт уулу", "Азамат"),
     ("Иванов Пётр Сергеевич", "Пётр"), ("Тилек", "Тилек"), ("Oybek Karimov", "Oybek")],
)  # fmt: skip
def test_the_first_name_is_found_in_either_order(full_name, first):
    assert pdfs.first_name(full_name) == first


def test_a_camp_of_300_fills_more_pages(client, login_as, db):
    login_as("organiser")
    small = CampFactory()
    ApplicationFactory.create_batch(5, camp=small, status=S.CONFIRMED)
    large = CampFactory(capacity=300)
    ApplicationFactory.create_batch(300, camp=large, status=S.CONFIRMED)
    day = large.start_date.isoformat()
    first = large.start_date.strftime("%d.%m.%Y")
    small_day = small.start_date.isoformat()
    for path, least, heading in (
        ("participants.pdf?lang=en", 8, "Guardian consent"),
        (f"checkin.pdf?lang=en&day={day}", 8, f"Check-in, day 1 of 3 ({first})"),
        ("badges.pdf?lang=en", 300 // 8, None),
    ):
        few = client.get(f"/manage/camps/{small.id}/{path.replace(day, small_day)}")
        many = client.get(f"/manage/camps/{large.id}/{path}")
        assert page_count(few) == 1 and page_count(many) >= least, path
        pages = PdfReader(io.BytesIO(many.data)).pages
        if heading:  # the headings repeat on every page
            assert all(heading in page.extract_text() for page in pages), path
    assert "\n300 " in pdf_text(client.get(f"/manage/camps/{large.id}/participants.pdf"))


def test_a_young_person_may_not_print_the_sheets(client, login_as, db):
    login_as("youth")
    camp = CampFactory()
    day = camp.start_date.isoformat()
    for path in ("participants.pdf", f"checkin.pdf?day={day}", "badges.pdf"):
        assert client.get(f"/manage/camps/{camp.id}/{path}").status_code == 403


def test_an_unknown_camp_has_no_sheets(client, login_as, db):
    login_as("organiser")
    day = local_today().isoformat()
    for path in ("participants.pdf", f"checkin.pdf?day={day}", "badges.pdf"):
        assert client.get(f"/manage/camps/999999/{path}").status_code == 404


def test_the_camp_and_check_in_pages_link_the_sheets(client, login_as, db):
    login_as("organiser", locale="ru")
    camp = CampFactory()
    for page in (f"/manage/camps/{camp.id}", f"/manage/camps/{camp.id}/checkin"):
        html = client.get(page).text
        assert f"/manage/camps/{camp.id}/participants.pdf" in html
        assert f"/manage/camps/{camp.id}/checkin.pdf?day={camp.end_date.isoformat()}" in html
        assert f"/manage/camps/{camp.id}/badges.pdf" in html and 'value="first-name"' in html
        assert "Листы для печати" in html


def test_a_recorded_consent_shows_on_the_check_in_sheet(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    application = ApplicationFactory(camp=camp, status=S.CONFIRMED, applicant=minor())
    GuardianConsentFactory(application=application)
    day = camp.start_date.isoformat()
    assert "Recorded" in pdf_text(
        client.get(f"/manage/camps/{camp.id}/checkin.pdf?day={day}&lang=en")
    )


def test_an_empty_camp_prints_a_sentence_not_an_empty_table(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    ApplicationFactory(camp=camp, status=S.SUBMITTED, applicant=UserFactory(full_name="Жөнөткөн"))
    day = camp.start_date.isoformat()
    for path, sentence in (
        ("participants.pdf?lang=en", "Nobody holds a place at this camp yet."),
        (f"checkin.pdf?lang=en&day={day}", "Nobody has confirmed a place yet."),
        ("badges.pdf?lang=en", "Nobody holds a place at this camp yet."),
    ):
        text = pdf_text(client.get(f"/manage/camps/{camp.id}/{path}"))
        assert sentence in text and "Жөнөткөн" not in text, path
