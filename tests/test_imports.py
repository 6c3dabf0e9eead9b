"""Importing people and past graduates from XLSX or CSV (issue 20): columns guessed and mapped,
every row's problems previewed, valid rows imported once with invitations, the refused rows
given back as a report, graduates' certificates verifiable."""

import io
import re
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl import load_workbook

from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.i18n import local_today
from portal.imports import services
from portal.imports.columns import PlaceIndex
from portal.imports.columns import guess_mapping
from portal.imports.models import ImportBatch
from portal.imports.models import ImportKind
from portal.notify import OutboundEmail
from portal.security import Role
from portal.sms import OutboundSms
from portal.storage import storage
from portal.training import services as training_services
from portal.training.models import Certificate
from portal.training.models import Enrolment
from portal.training.models import EnrolmentStatus
from tests.factories import ProgrammeFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.helpers import translated

HEADER = ["ФИО", "Телефон", "E-mail", "Дата рождения", "Пол", "Область", "Район", "Айыл", "Тил"]
FIRST = ["Айгерим", "Бакыт", "Нургуль", "Азамат", "Гулнара", "Тимур", "Дилноза", "Жоомарт"]
LAST = ["Токтогулова", "Асанов", "Маматова", "Сыдыков", "Юсупова", "Рахимов"]
DISTRICTS = [("Ошская область", "Кара-Суйский район"), ("Osh region", "Aravan"),
             ("Ош облусу", "Ноокат району"), ("", "Ўзган тумани")]  # fmt: skip
GENDERS = ["ж", "м", "эркек", "аял", ""]
LANGUAGES = ["кыргызча", "ru", "ўзбекча", ""]


def count(model, *where) -> int:
    from portal.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def person_row(i: int) -> list:
    """A valid row: every other person has an e-mail address, the others a phone only."""
    region, district = DISTRICTS[i % len(DISTRICTS)]
    born = datetime(2000 + i % 10, 1 + i % 12, 1 + i % 28) if i % 3 else f"{1 + i % 28:02d}.05.2006"
    return [
        f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}",
        f"0555 {100000 + i:06d}" if i % 2 else "",
        f"import{i}@example.net" if not i % 2 else "",
        born, GENDERS[i % len(GENDERS)], region, district, "Мангыт", LANGUAGES[i % len(LANGUAGES)],
    ]  # fmt: skip


#: Row index (0-based, among the 200) → a change that makes the row bad, and the reason's start.
BAD = {
    3: (1, "12345", "The phone number is not"),
    10: (2, "not-an-email", "The e-mail address is not valid"),
    21: (1, "0555 100001", "The same phone number or e-mail address as row 3"),
    30: (6, "Атлантида району", "No district or town"),
    41: (3, None, "The date of birth is missing"),
    52: (3, "01.01.2099", "The date of birth is in the future"),
    63: (3, "01.01.0001", "The date of birth is in the future or too far"),
    74: (3, "31.12.9999", "The date of birth is in the future or too far"),
    85: (0, "", "The name is missing"),
    96: (2, "import0@example.net", "The same phone number or e-mail address as row 2"),
}


def people_rows() -> list[list]:
    rows = [person_row(i) for i in range(200)]
    for index, (column, value, _reason) in BAD.items():
        rows[index][column] = value
    return rows


def xlsx(header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def upload(client, data: bytes, name: str, kind="people", **fields):
    response = client.post(
        "/manage/imports?lang=en",
        data={"kind": kind, "file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )
    return response


def batch_of(response) -> ImportBatch:
    from portal.extensions import db

    assert response.status_code == 302, response.text[:2000]
    batch_id = int(re.search(r"/manage/imports/(\d+)$", response.headers["Location"])[1])
    return db.session.get(ImportBatch, batch_id)


def run(client, batch):
    return client.post(f"/manage/imports/{batch.id}/run?lang=en", data={"agreed": "y"})


def test_200_people_from_xlsx_with_10_bad_rows(client, login_as, db):
    organiser = login_as("organiser")
    people_before = count(User)
    data = xlsx(HEADER, people_rows())
    batch = batch_of(upload(client, data, "people.xlsx"))
    assert batch.row_count == 200
    assert batch.mapping == {"full_name": 0, "phone": 1, "email": 2, "date_of_birth": 3,
                             "gender": 4, "region": 5, "district": 6, "community": 7,
                             "locale": 8}  # fmt: skip
    stored = batch.file_name
    assert storage().get(stored) == data

    preview = client.get(f"/manage/imports/{batch.id}?lang=en").text
    assert "The phone number is not a Kyrgyz mobile number." in preview  # row 5 of the file
    assert "Rejected: 10" in preview and "New: 190" in preview
    assert count(User) == people_before  # the preview creates nobody

    response = run(client, batch)
    assert response.status_code == 302
    assert count(User) == people_before + 190
    done = client.get(f"/manage/imports/{batch.id}?lang=en").text
    assert "Import done" in done and "Invitations by SMS: 95" in done
    assert run(client, batch).status_code == 302  # a second click imports nothing more
    db.session.refresh(batch)
    assert batch.counts["new"] == 190 and batch.counts["rejected"] == 10
    assert batch.file_name is None and storage().get(stored) is None  # the file is gone

    # New people are young people with no usable password, their details as registration keeps them.
    aigerim = db.session.scalar(sa.select(User).where(User.email == "import0@example.net"))
    assert aigerim.roles == {Role.YOUTH} and aigerim.password_hash.startswith("!")
    assert aigerim.district_code == "KG-O-KARASUU" and aigerim.region_code == "KG-O"
    assert aigerim.date_of_birth == date(2006, 5, 1) and aigerim.locale == "ky"
    phone_only = db.session.scalar(sa.select(User).where(User.phone == "+996555100001"))
    assert phone_only.email is None and phone_only.district_code == "KG-O-ARAVAN"
    assert phone_only.gender.value == "male" and phone_only.locale == "ru"

    # Invitations: e-mail to those with an address (95 valid), SMS to the phone-only ones (95).
    invitations = OutboundEmail.body.contains("/auth/reset/")
    assert count(OutboundEmail, invitations) == 95
    # … each in the person's language (every fourth row is in Uzbek).
    uzbek = translated("Your Jashtar account is ready", "uz_Cyrl")
    assert count(OutboundEmail, OutboundEmail.subject == uzbek) == 47
    sms = db.session.scalars(
        sa.select(OutboundSms).where(OutboundSms.user_id == phone_only.id)
    ).all()
    assert len(sms) == 1 and "/auth/reset/" in sms[0].body
    assert sms[0].body.startswith(
        "Jashtar: " + translated("Your account is ready. Choose a password:", "ru")
    )
    assert count(OutboundSms) == 95
    token_link = sms[0].body.split()[-1]
    assert client.get(token_link[token_link.index("/auth/reset/") :]).status_code == 200

    # One audit event with the counts.
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "people.imported")
    ).all()
    assert len(events) == 1 and events[0].actor_id == organiser.id
    assert events[0].details["created"] == 190 and events[0].details["rejected"] == 10

    # The rejected rows as XLSX and CSV, with their reasons.
    report = client.get(f"/manage/imports/{batch.id}/rejected.xlsx?lang=en")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.data)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][0] == "Row" and lines[0][-1] == "Why it was not imported"
    assert len(lines) == 11
    reasons = {line[0]: line[-1] for line in lines[1:]}
    assert sorted(reasons) == sorted(index + 2 for index in BAD)
    for index, (_column, _value, reason) in BAD.items():
        assert reasons[index + 2].startswith(reason), (index, reasons[index + 2])
    csv_report = client.get(f"/manage/imports/{batch.id}/rejected.csv?lang=ru")
    assert csv_report.data.decode("utf-8-sig").count("\n") == 11
    assert translated("The name is missing.", "ru") in csv_report.data.decode("utf-8-sig")

    # The same file again creates nobody and invites nobody.
    again = batch_of(upload(client, data, "people.xlsx"))
    run(client, again)
    db.session.refresh(again)
    assert count(User) == people_before + 190
    assert again.counts["new"] == 0 and again.counts["matched"] == 190
    assert count(OutboundSms) == 95


def test_an_xlsx_files_blank_columns_on_the_right_are_neither_offered_nor_reported(
    client, login_as, db
):
    # A read-only XLSX sheet gives every row as wide as MAX_COLUMNS: the blank cells on the
    # right are no columns of the file (no "Column 10" to choose, the reasons right after it).
    login_as("organiser")
    rows = people_rows()[:5]  # the fourth is refused (its phone)
    rows[1].append("a note with no header")
    batch = batch_of(upload(client, xlsx(HEADER, rows), "people.xlsx"))
    assert batch.header == [*HEADER, ""]
    page = client.get(f"/manage/imports/{batch.id}?lang=en").text
    assert "Column 10" in page and "Column 11" not in page
    report = client.get(f"/manage/imports/{batch.id}/rejected.xlsx?lang=en")
    lines = list(load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert [len(line) for line in lines] == [len(HEADER) + 3] * 2
    assert lines[1][-1].startswith("The phone number is not")


def test_a_matched_account_is_left_as_it_is(client, login_as, db):
    login_as("organiser")
    existing = UserFactory(full_name="Эски Аты", phone="+996555100001", district_code="KG-O-NOOKAT")
    password_hash = existing.password_hash
    data = xlsx(HEADER, [person_row(1), person_row(2)])
    batch = batch_of(upload(client, data, "two.xlsx"))
    assert "Matched: 1" in client.get(f"/manage/imports/{batch.id}?lang=en").text
    run(client, batch)
    db.session.refresh(existing)
    assert existing.full_name == "Эски Аты" and existing.district_code == "KG-O-NOOKAT"
    assert existing.password_hash == password_hash
    assert count(OutboundSms, OutboundSms.user_id == existing.id) == 0
    db.session.refresh(batch)
    assert (batch.counts["new"], batch.counts["matched"]) == (1, 1)


def test_csv_with_a_bom_and_semicolons_and_kyrgyz_headers(client, login_as, db):
    login_as("organiser")
    text = (
        "Аты-жөнү;Телефон номери;Туулган күнү;Жынысы;Району\n"
        "Нурбек Осмонов;0700 123 456;12.03.2005;эркек;Кара-Суу району\n"
        "Жибек Алиева;+996 770 654 321;2007-08-09;кыз;Араванский район\n"
    )
    batch = batch_of(upload(client, ("\ufeff" + text).encode(), "list.csv"))
    assert batch.header[0] == "Аты-жөнү"  # no BOM left in the first header
    assert batch.mapping == {"full_name": 0, "phone": 1, "date_of_birth": 2, "gender": 3,
                             "district": 4}  # fmt: skip
    page = client.get(f"/manage/imports/{batch.id}?lang=en").text
    assert "New: 2" in page
    run(client, batch)
    jibek = db.session.scalar(sa.select(User).where(User.phone == "+996770654321"))
    assert jibek.full_name == "Жибек Алиева" and jibek.gender.value == "female"
    assert jibek.date_of_birth == date(2007, 8, 9) and jibek.region_code == "KG-O"


def test_the_organiser_chooses_the_columns_when_the_guess_is_wrong(client, login_as, db):
    login_as("organiser")
    data = xlsx(["A", "B", "C"], [["Нурбек Осмонов", "0700123456", "12.03.2005"]])
    batch = batch_of(upload(client, data, "odd.xlsx"))
    assert batch.mapping == {}
    assert (
        "Choose the column with: Full name."
        in client.get(f"/manage/imports/{batch.id}?lang=en").text
    )
    assert run(client, batch).status_code == 400  # nothing to import with
    twice = client.post(f"/manage/imports/{batch.id}/mapping?lang=en",
                        data={"full_name": "0", "phone": "0"})  # fmt: skip
    assert twice.status_code == 400 and "chosen for another field" in twice.text
    saved = client.post(f"/manage/imports/{batch.id}/mapping?lang=en",
                        data={"full_name": "0", "phone": "1", "date_of_birth": "2"})  # fmt: skip
    assert saved.status_code == 302
    db.session.refresh(batch)
    assert batch.mapping == {"full_name": 0, "phone": 1, "date_of_birth": 2}
    assert run(client, batch).status_code == 302
    assert count(User, User.phone == "+996700123456") == 1


def test_the_import_needs_the_organisers_confirmation(client, login_as, db):
    login_as("organiser")
    batch = batch_of(upload(client, xlsx(HEADER, [person_row(2)]), "one.xlsx"))
    response = client.post(f"/manage/imports/{batch.id}/run?lang=en", data={})
    assert response.status_code == 400 and count(User, User.email == "import2@example.net") == 0


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "The file cannot be read."),
        ("people.csv", xlsx(HEADER, [person_row(2)]), "The file cannot be read."),
        ("people.xls", b"\xd0\xcf\x11\xe0", "Send an Excel file (.xlsx) or a CSV file."),
        ("empty.csv", "ФИО;Телефон\n".encode(), "The file has no rows under its header row."),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_message_not_a_500(client, login_as, db, name, data,
                                                              message):  # fmt: skip
    login_as("organiser")
    response = upload(client, data, name)
    assert response.status_code == 400 and message in response.text
    assert count(ImportBatch) == 0


def test_an_unreadable_file_is_explained_in_the_readers_language(client, login_as, db):
    login_as("organiser")
    response = client.post(
        "/manage/imports?lang=ru",
        data={"kind": "people", "file": (io.BytesIO(b"PK\x03\x04 broken"), "broken.xlsx")},
        content_type="multipart/form-data",
    )
    message = (
        "The file cannot be read. Save it again from your spreadsheet program as Excel (.xlsx) "
        "or CSV and send it again."
    )
    assert response.status_code == 400
    assert translated(message, "ru") != message and translated(message, "ru") in response.text


def test_too_many_rows_and_too_large_files_are_refused_with_a_message(
    client, login_as, db, monkeypatch
):
    from portal.imports import forms

    login_as("organiser")
    monkeypatch.setattr(forms, "MAX_ROWS", 3)
    response = upload(client, xlsx(HEADER, [person_row(i) for i in range(4)]), "many.xlsx")
    assert response.status_code == 400 and "more than 3 rows" in response.text
    monkeypatch.setattr(forms, "MAX_FILE_BYTES", 100)
    response = upload(client, xlsx(HEADER, [person_row(1)]), "big.xlsx")
    assert response.status_code == 400 and "The file is larger than" in response.text


def test_a_body_over_the_servers_limit_gets_the_form_back(client, app, login_as, db, monkeypatch):
    login_as("organiser")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = upload(client, b"x" * 5000, "big.csv")
    assert response.status_code == 413 and "The file is larger than 5 MB" in response.text


def test_a_young_person_cannot_import(client, login_as, db):
    login_as("youth")
    assert client.get("/manage/imports").status_code == 403
    assert upload(client, xlsx(HEADER, [person_row(2)]), "p.xlsx").status_code == 403
    assert count(ImportBatch) == 0


def test_another_organisers_upload_is_not_found(client, login_as, db):
    login_as("organiser")
    batch = batch_of(upload(client, xlsx(HEADER, [person_row(2)]), "p.xlsx"))
    login_as("organiser")
    assert client.get(f"/manage/imports/{batch.id}").status_code == 404
    assert client.get(f"/manage/imports/{batch.id}/rejected.csv").status_code == 404
    assert run(client, batch).status_code == 404


def test_uploads_are_deleted_after_a_day(client, login_as, db):
    login_as("organiser")
    batch = batch_of(upload(client, xlsx(HEADER, [person_row(2)]), "p.xlsx"))
    name = batch.file_name
    db.session.commit()
    assert services.sweep_expired() == 0
    assert services.sweep_expired(now=batch.created_at + timedelta(days=1, minutes=1)) == 1
    db.session.commit()
    assert count(ImportBatch) == 0 and storage().get(name) is None


def test_the_sweep_command_deletes_uploads_older_than_a_day(app, client, login_as, db):
    login_as("organiser")
    batch = batch_of(upload(client, xlsx(HEADER, [person_row(2)]), "p.xlsx"))
    batch.created_at -= timedelta(days=2)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["imports", "sweep"])
    assert result.exit_code == 0 and "Removed 1 uploads" in result.output
    assert count(ImportBatch) == 0


def test_district_names_match_in_any_language_and_case():
    from portal.places import Place

    places = PlaceIndex([
        Place("KG-O", None, "Osh region", "Ош облусу", "Ошская область", "Ўш вилояти"),
        Place("KG-GO", None, "Osh city", "Ош шаары", "город Ош", "Ўш шаҳри"),
        Place("KG-O-KARASUU", "KG-O", "Kara-Suu district", "Кара-Суу району",
              "Кара-Суйский район", "Қорасув тумани"),
    ])  # fmt: skip
    for text in ("КАРА-СУУ", "kara-suu district", "Кара-Суйский район", "қорасув", "KG-O-KARASUU"):
        assert places.find(text)[0].code == "KG-O-KARASUU", text
    assert places.find("ош облусу", top_level=True)[0].code == "KG-O"
    assert places.find("Ош", top_level=True) == (None, True)  # the region or the city?
    assert places.find("г. Ош")[0].code == "KG-GO"
    assert places.find("Ош обл.")[0].code == "KG-O"
    assert places.find("Атлантида") == (None, False)


def test_mapping_is_guessed_from_common_headers_in_four_languages():
    assert guess_mapping(ImportKind.PEOPLE, ["Full name", "Phone", "Email", "Date of birth",
                                             "Gender", "Region", "District", "Village",
                                             "Language"]) == {
        "full_name": 0, "phone": 1, "email": 2, "date_of_birth": 3, "gender": 4, "region": 5,
        "district": 6, "community": 7, "locale": 8,
    }  # fmt: skip
    assert guess_mapping(ImportKind.PEOPLE, ["Исм шарифи", "Телефон рақами", "Туғилган сана",
                                             "Жинси", "Туман"]) == {
        "full_name": 0, "phone": 1, "date_of_birth": 2, "gender": 3, "district": 4,
    }  # fmt: skip
    assert guess_mapping(ImportKind.GRADUATES, ["Ф.И.О.", "Тел.", "Дата окончания",
                                                "Номер сертификата"]) == {
        "full_name": 0, "phone": 1, "completed_on": 2, "code": 3,
    }  # fmt: skip


def test_graduates_are_imported_with_certificates_that_verify(client, login_as, db):
    login_as("organiser")
    programme = ProgrammeFactory()
    TrainingSessionFactory(programme=programme)  # a session nobody imported attended
    known = UserFactory(phone="+996555200002", full_name="Гулмира Бекова")
    text = (
        "ФИО,Телефон,E-mail,Дата окончания,Номер сертификата\n"
        "Азамат Сыдыков,0555 200001,,15.06.2024,JASH-2024-001\n"
        "Гулмира Бекова,0555 200002,,15.06.2024,\n"
        "Дилноза Юсупова,,dilnoza@example.net,2030-01-01,\n"
    )
    response = upload(client, text.encode(), "graduates.csv", kind="graduates",
                      programme=str(programme.id))  # fmt: skip
    batch = batch_of(response)
    assert batch.mapping == {"full_name": 0, "phone": 1, "email": 2, "completed_on": 3, "code": 4}
    run(client, batch)
    db.session.refresh(batch)
    assert batch.counts["new"] == 1 and batch.counts["matched"] == 1
    assert batch.counts["certificates"] == 2 and batch.counts["rejected"] == 1

    certificate = db.session.scalar(
        sa.select(Certificate).where(Certificate.code == "JASH-2024-001")
    )
    assert certificate.issued_on == date(2024, 6, 15)
    assert certificate.enrolment.status is EnrolmentStatus.COMPLETED
    page = client.get("/certificates/verify/JASH-2024-001?lang=en")
    assert page.status_code == 200 and "Азамат Сыдыков" in page.text
    assert "This certificate is valid." in page.text
    generated = db.session.scalar(
        sa.select(Certificate).join(Enrolment).where(Enrolment.user_id == known.id)
    )
    assert client.get(f"/certificates/verify/{generated.code}").status_code == 200

    # The completion rule (which reads attendance) leaves imported graduates completed.
    training_services.recompute_programme(programme)
    db.session.refresh(certificate)
    assert certificate.enrolment.status is EnrolmentStatus.COMPLETED
    assert certificate.flagged_at is None

    # The same list again duplicates nothing.
    again = batch_of(upload(client, text.encode(), "graduates.csv", kind="graduates",
                            programme=str(programme.id)))  # fmt: skip
    run(client, again)
    db.session.refresh(again)
    assert count(Certificate) == 2 and count(Enrolment, Enrolment.programme_id == programme.id) == 2
    assert again.counts["recorded"] == 2 and again.counts["certificates"] == 0


def test_a_graduates_upload_needs_its_programme(client, login_as, db):
    login_as("organiser")
    response = upload(client, b"Name,Phone,Completed\nA B,0555200001,01.01.2024\n", "g.csv",
                      kind="graduates")  # fmt: skip
    assert response.status_code == 400
    assert "Choose the programme the graduates completed." in response.text


def test_a_certificate_code_already_used_is_refused():
    from portal.imports.checks import Existing
    from portal.imports.checks import check_rows
    from portal.spreadsheets import ReadTable

    table = ReadTable(["n", "p", "d", "c"], [
        (2, ["Азамат Сыдыков", "0555200001", "01.01.2024", "TAKEN"]),
        (3, ["Бакыт Асанов", "0555200003", "01.01.2024", "bad code!"]),
        (4, ["Нургуль Маматова", "0555200004", "01.01.2024", "FREE"]),
        (5, ["Тимур Рахимов", "0555200005", "01.01.2024", "FREE"]),
    ])  # fmt: skip
    mapping = {"full_name": 0, "phone": 1, "completed_on": 2, "code": 3}
    rows = check_rows(ImportKind.GRADUATES, table, mapping, Existing(codes={"TAKEN": 0}),
                      local_today(), places=PlaceIndex([]))  # fmt: skip
    assert [[code for code, _params in row.problems] for row in rows] == [
        ["code_taken"],
        ["code_invalid"],
        [],
        ["code_duplicate"],
    ]


def test_an_invitation_works_for_two_weeks_and_once(client, db, monkeypatch):
    import time

    import itsdangerous

    from portal.accounts.services import invite_to_set_password
    from portal.accounts.services import new_imported_youth

    person = new_imported_youth(full_name="Нурбек Осмонов", phone="+996700123456", locale="ky")
    other = new_imported_youth(full_name="Жибек Алиева", email="jibek@example.net", locale="ru")
    db.session.flush()
    assert (invite_to_set_password(person), invite_to_set_password(other)) == ("sms", "email")
    db.session.commit()
    now = time.time()

    body = db.session.scalar(sa.select(OutboundSms.body).where(OutboundSms.user_id == person.id))
    link = body[body.index("/auth/reset/") :]
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now + 13 * 86400)
    assert client.get(link).status_code == 200
    password = "жайлоодо-жашыл-чөп-2026"
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 302
    login = {"email": "0700 123 456", "password": password}
    assert client.post("/auth/login", data=login).status_code == 302
    assert client.get(link).status_code == 400  # used once

    email = db.session.scalar(sa.select(OutboundEmail).where(OutboundEmail.user_id == other.id))
    assert "14" in email.body and email.subject == translated("Your Jashtar account is ready", "ru")
    link = re.search(r"http\S+?(/auth/reset/\S+)", email.body)[1]
    assert client.get(link).status_code == 200
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now + 15 * 86400)
    assert client.get(link).status_code == 400


def test_an_imported_person_has_no_password_that_signs_in(client, db):
    from portal.accounts.services import authenticate
    from portal.accounts.services import new_imported_youth

    person = new_imported_youth(full_name="Нурбек Осмонов", phone="+996700123456", locale="ky")
    db.session.commit()
    for guess in ("", person.password_hash, person.password_hash[1:], "!"):
        assert authenticate("0700123456", guess) is None


def test_a_programmes_page_leads_to_its_graduates_import(client, login_as, db):
    login_as("organiser")
    programme = ProgrammeFactory()
    page = client.get(f"/manage/programmes/{programme.id}?lang=en").text
    assert f"/manage/imports?kind=graduates&amp;programme={programme.id}" in page
    upload_page = client.get(f"/manage/imports?kind=graduates&programme={programme.id}").text
    assert f'<option selected value="{programme.id}">' in upload_page
    assert '<input checked id="kind-1" name="kind" required type="radio" value="graduates">' in (
        upload_page
    )


def test_a_contact_taken_while_importing_refuses_the_import_with_a_message(
    client, login_as, db, monkeypatch
):
    from portal.imports import queries
    from portal.imports.checks import Existing

    login_as("organiser")
    batch = batch_of(upload(client, xlsx(HEADER, [person_row(1), person_row(2)]), "two.xlsx"))
    UserFactory(phone="+996555100001")  # registered between the preview and the import
    monkeypatch.setattr(queries, "existing_for", lambda *args, **kwargs: Existing())
    response = client.post(
        f"/manage/imports/{batch.id}/run?lang=en", data={"agreed": "y"},
        headers={"Referer": f"http://localhost/manage/imports/{batch.id}"},
    )  # fmt: skip
    assert response.status_code == 303
    assert count(User, User.email == "import2@example.net") == 0
    db.session.refresh(batch)
    assert batch.imported_at is None
    assert "a moment ago" in client.get(f"/manage/imports/{batch.id}?lang=en").text
