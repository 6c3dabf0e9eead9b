"""Check-in at the camp, and the participant and applicant lists."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.audit import AuditEvent
from portal.camps.exports import Table
from portal.camps.exports import send_table
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationStatus as S
from portal.extensions import utcnow
from portal.i18n import local_today
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory


def running_camp(**attributes):
    """A three-day camp whose second day is today (Bishkek time)."""
    return CampFactory(start_date=local_today() - timedelta(days=1), **attributes)


def test_check_in_marks_attended_and_no_show_per_day(client, login_as, db):
    login_as("organiser")
    camp = running_camp()
    here = ApplicationFactory(
        camp=camp, status=S.CONFIRMED, applicant=UserFactory(full_name="Келди")
    )
    away = ApplicationFactory(
        camp=camp, status=S.CONFIRMED, applicant=UserFactory(full_name="Келбеди")
    )
    first, second, _third = camp.days()
    page = client.get(f"/manage/camps/{camp.id}/checkin").text
    assert "Келди" in page and "Келбеди" in page and "<script" not in page.split("</main>")[0]

    response = client.post(
        f"/manage/applications/{here.id}/checkin", data={"day": first.isoformat(), "present": "yes"}
    )
    assert response.status_code == 302 and f"#person-{here.id}" in response.headers["Location"]
    client.post(
        f"/manage/applications/{away.id}/checkin", data={"day": first.isoformat(), "present": "no"}
    )
    db.session.expire_all()
    assert (here.status, away.status) == (S.ATTENDED, S.NO_SHOW)
    # Late on the second day: present after all.
    client.post(
        f"/manage/applications/{away.id}/checkin",
        data={"day": second.isoformat(), "present": "yes"},
    )
    db.session.expire_all()
    assert away.status is S.ATTENDED


def test_only_confirmed_participants_are_on_the_list(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    waiting = ApplicationFactory(
        camp=camp, status=S.WAITLISTED, applicant=UserFactory(full_name="Күтүүдө")
    )
    assert "Күтүүдө" not in client.get(f"/manage/camps/{camp.id}/checkin").text
    client.post(
        f"/manage/applications/{waiting.id}/checkin",
        data={"day": camp.start_date.isoformat(), "present": "yes"},
    )
    db.session.refresh(waiting)
    assert waiting.status is S.WAITLISTED


def test_checkin_day_outside_the_camp_is_refused(client, login_as, db):
    login_as("organiser")
    application = ApplicationFactory(status=S.CONFIRMED)
    client.post(
        f"/manage/applications/{application.id}/checkin",
        data={"day": "2001-01-01", "present": "yes"},
    )
    db.session.refresh(application)
    assert application.status is S.CONFIRMED


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_participants_csv_has_no_health_or_ethnicity_unless_asked_and_is_audited(
    client, login_as, db
):
    organiser = login_as("organiser")
    camp = CampFactory()
    person = UserFactory(full_name="Айпери", phone="+996555123123")
    confirmed = ApplicationFactory(camp=camp, applicant=person, status=S.CONFIRMED, needs="Астма")
    db.session.add(ApplicationEthnicity(application_id=confirmed.id, group="uzbek"))
    ApplicationFactory(camp=camp, status=S.SUBMITTED, applicant=UserFactory(full_name="Тилек"))
    db.session.commit()

    response = client.get(f"/manage/camps/{camp.id}/export.csv?lang=en")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = read_csv(response)
    assert rows[0][0] == "Name" and "Health, food or accessibility needs" not in rows[0]
    assert [row[0] for row in rows[1:]] == ["Айпери"]
    text = response.data.decode("utf-8-sig")
    assert "Астма" not in text and "uzbek" not in text.lower() and "Ўзбек" not in text
    with_health = read_csv(client.get(f"/manage/camps/{camp.id}/export.csv?health=1&lang=en"))
    assert with_health[1][-1] == "Астма"
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "camp.exported")
        .order_by(AuditEvent.id.desc())
    )
    assert event.actor_id == organiser.id and event.details["health"] is True


def test_applicants_xlsx_lists_everyone_who_sent_an_application(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    ApplicationFactory(camp=camp, status=S.SUBMITTED, applicant=UserFactory(full_name="Тилек"))
    ApplicationFactory(camp=camp, status=S.REJECTED, applicant=UserFactory(full_name="Азамат"))
    ApplicationFactory(camp=camp, status=S.DRAFT, applicant=UserFactory(full_name="Долбоор"))
    response = client.get(f"/manage/camps/{camp.id}/export.xlsx?who=applicants")
    sheet = load_workbook(io.BytesIO(response.data)).active
    names = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ["Азамат", "Тилек"]


def test_spreadsheet_formulas_in_answers_are_neutralised(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    ApplicationFactory(
        camp=camp, status=S.CONFIRMED, applicant=UserFactory(full_name="=HYPERLINK(1)")
    )
    rows = read_csv(client.get(f"/manage/camps/{camp.id}/export.csv"))
    assert rows[1][0].startswith("'=")


FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_cell_that_starts_like_a_formula_is_escaped(app, fmt):
    table = Table(title="T", header=["Name", *FORMULAS], rows=[[*FORMULAS, -5, "a-b"]])
    with app.test_request_context():
        response = send_table(table, fmt, "list")
    if fmt == "csv":
        header, row = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.data)).active
        header, row = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)
    escaped = ["'" + text for text in FORMULAS]
    if fmt == "xlsx":
        header = header[: len(escaped) + 1]
        escaped = [text.replace("\r", "\n") for text in escaped]  # XML reads CR as LF
    assert header[1:] == escaped
    assert row[: len(FORMULAS)] == escaped
    assert row[len(FORMULAS) :] == (["-5", "a-b"] if fmt == "csv" else [-5, "a-b"])


def test_a_health_note_starting_with_a_tab_is_escaped_in_the_export(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    ApplicationFactory(camp=camp, status=S.CONFIRMED, needs="\t=HYPERLINK(1)")
    rows = read_csv(client.get(f"/manage/camps/{camp.id}/export.csv?health=1"))
    assert rows[1][-1] == "'\t=HYPERLINK(1)"


# --- check-in only on the camp's days ---------------------------------------------------------


def test_check_in_before_the_camp_is_refused_and_not_offered(client, login_as, db):
    login_as("organiser")
    camp = CampFactory(start_date=local_today() + timedelta(days=30))
    application = ApplicationFactory(camp=camp, status=S.CONFIRMED)
    page = client.get(f"/manage/camps/{camp.id}/checkin?lang=en").text
    assert "opens on that day, not before" in page
    assert f"/manage/applications/{application.id}/checkin" not in page
    response = client.post(
        f"/manage/applications/{application.id}/checkin?lang=en",
        data={"day": camp.start_date.isoformat(), "present": "yes"},
        follow_redirects=True,
    )
    assert "opens on that day, not before" in response.text
    db.session.expire_all()
    assert application.status is S.CONFIRMED
    # Nor does the young person, or the participants' list, read "attended".
    rows = read_csv(client.get(f"/manage/camps/{camp.id}/export.csv?lang=en"))
    assert rows[1][rows[0].index("Status")] == "Confirmed"


def test_only_the_days_that_have_come_are_offered_on_the_sheet(client, login_as, db):
    login_as("organiser")
    camp = running_camp()
    application = ApplicationFactory(camp=camp, status=S.CONFIRMED)
    yesterday, today, tomorrow = camp.days()
    # Today is the default day while the camp runs.
    assert 'value="yes"' in client.get(f"/manage/camps/{camp.id}/checkin").text
    sheet = client.get(f"/manage/camps/{camp.id}/checkin?day={tomorrow.isoformat()}").text
    assert 'value="yes"' not in sheet
    client.post(
        f"/manage/applications/{application.id}/checkin",
        data={"day": tomorrow.isoformat(), "present": "yes"},
    )
    db.session.expire_all()
    assert application.status is S.CONFIRMED
    # A day already gone can still be put right.
    client.post(
        f"/manage/applications/{application.id}/checkin",
        data={"day": yesterday.isoformat(), "present": "yes"},
    )
    db.session.expire_all()
    assert application.status is S.ATTENDED


def test_attendance_can_be_corrected_after_the_camp(client, login_as, db):
    login_as("organiser")
    camp = CampFactory(start_date=local_today() - timedelta(days=10))
    application = ApplicationFactory(camp=camp, status=S.CONFIRMED)
    client.post(
        f"/manage/applications/{application.id}/checkin",
        data={"day": camp.end_date.isoformat(), "present": "yes"},
    )
    db.session.expire_all()
    assert application.status is S.ATTENDED


# --- photo consent flags ----------------------------------------------------------------------


def test_participants_without_photo_consent_are_flagged_on_the_sheet_and_in_the_export(
    client, login_as, db
):
    login_as("organiser")
    camp = running_camp()
    shy = ApplicationFactory(
        camp=camp, status=S.CONFIRMED, applicant=UserFactory(full_name="Айбек")
    )
    happy = ApplicationFactory(
        camp=camp, status=S.CONFIRMED, applicant=UserFactory(full_name="Бегимай"),
        photo_consent_at=utcnow(),
    )  # fmt: skip
    page = client.get(f"/manage/camps/{camp.id}/checkin?lang=en").text
    items = {
        application.id: re.search(rf'<li id="person-{application.id}".*?</li>', page, re.S)[0]
        for application in (shy, happy)
    }
    assert "No photos" in items[shy.id] and "No photos" not in items[happy.id]
    rows = read_csv(client.get(f"/manage/camps/{camp.id}/export.csv?lang=en"))
    column = rows[0].index("Photos and videos")
    assert {row[0]: row[column] for row in rows[1:]} == {"Айбек": "No photos", "Бегимай": "Allowed"}
