"""Odd but well-formed input (the calendar's edges, huge page numbers and ids, lists longer
than the form shows) gives a page or a 4xx with a translated message, never a 500."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import ngettext

from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.training.models import TrainingSession
from tests.factories import ActionPlanFactory
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import ProgrammeFactory
from tests.factories import YouthGroupFactory
from tests.helpers import error_summary
from tests.helpers import translated
from tests.test_camps_review import camp_data
from tests.test_groups import as_user

OUTSIDE = "Choose a date between the years %(first)d and %(last)d."
YEARS = {"first": 1900, "last": 2100}


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1899-12"])
def test_public_camp_list_ignores_a_month_outside_the_calendar(client, db, month):
    camp = CampFactory()
    db.session.commit()
    page = client.get(f"/camps?month={month}")
    assert page.status_code == 200
    assert f"/camps/{camp.id}" in page.text


def test_public_camp_list_still_filters_by_a_real_month(client, db):
    june, july = CampFactory(), CampFactory()
    june.start_date = june.start_date.replace(year=2031, month=6, day=10)
    july.start_date = july.start_date.replace(year=2031, month=7, day=10)
    db.session.commit()
    page = client.get("/camps?month=2031-06").text
    assert f"/camps/{june.id}" in page and f"/camps/{july.id}" not in page


@pytest.mark.parametrize(
    "window",
    [
        "year=9999",
        "year=1",
        "year=0001&region=KG-O",
        "year=99999999999999999999",
        "date_from=0001-01-01&date_to=9999-12-31",  # windows are gone: whole years only
    ],
)
@pytest.mark.parametrize("path", ["/reports", "/reports/export.csv"])
def test_report_years_outside_the_calendar_give_a_page_or_a_4xx(client, login_as, db, window, path):
    """Reports cover whole years (see reports/safe.py); a year at the calendar's edge is
    refused, and a date window, no longer offered, is ignored."""
    login_as("organiser")
    response = client.get(f"{path}?{window}&lang=ky")
    assert response.status_code in (200, 400)
    if window.startswith("date_from"):
        assert response.status_code == 200


def test_report_window_inside_the_calendar_still_works(client, login_as, db):
    login_as("organiser")
    assert client.get("/reports?date_from=1900-01-01&date_to=2100-12-31").status_code == 200


@pytest.mark.parametrize(
    "window",
    ["date_from=0001-01-01", "date_to=9999-12-31", "date_from=0001-01-01&date_to=9999-12-31"],
)
def test_audit_log_dates_outside_the_calendar_are_refused_with_a_message(
    client, login_as, db, window
):
    login_as("admin")
    response = client.get(f"/admin/audit?{window}&lang=ru")
    assert response.status_code == 400
    assert translated(OUTSIDE, "ru", **YEARS) in error_summary(response.text)[0]


@pytest.mark.parametrize(
    "page", ["99999999999999999999", "9223372036854775808", "1" + "0" * 5000, "-1", "0"]
)
@pytest.mark.parametrize(
    "path", ["/camps", "/admin/audit", "/admin/users", "/manage/camps", "/notifications"]
)
def test_page_numbers_beyond_any_list_answer_404(client, login_as, db, page, path):
    login_as("admin")
    assert client.get(f"{path}?page={page}").status_code == 404


def test_a_page_number_that_is_not_a_number_shows_the_first_page(client, db):
    assert client.get("/camps?page=abc").status_code == 200


def plan_rows(count: int) -> dict:
    data = {"title": "Т", "category": "other"}
    for index in range(count):
        data[f"activities-{index}-what"] = f"Иш {index + 1}"
    return data


def test_adding_a_row_past_the_limit_keeps_the_rows_and_says_why(client, db):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    response = client.post(f"/plans/{plan.id}?lang=uz", data={**plan_rows(40), "action": "add_row"})
    assert response.status_code == 400
    with force_locale("uz_Cyrl"):
        message = ngettext("There can be at most %(num)d row here.",
                           "There can be at most %(num)d rows here.", 40)  # fmt: skip
    assert error_summary(response.text) == [message]
    assert 'value="Иш 40"' in response.text and 'name="activities-40-what"' not in response.text


def test_a_plan_sent_with_ten_times_the_rows_is_refused_and_nothing_is_saved(client, db):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    response = client.post(f"/plans/{plan.id}?lang=en", data=plan_rows(400))
    assert response.status_code == 400
    assert "There can be at most 40 rows here." in response.text
    assert 'value="Иш 1"' in response.text
    db.session.refresh(plan)
    assert [a.what for a in plan.activities] == ["Жолугушуу"]


def test_a_plan_within_the_limit_is_saved(client, db):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    assert client.post(f"/plans/{plan.id}", data=plan_rows(40)).status_code == 302
    db.session.refresh(plan)
    assert len(plan.activities) == 40


@pytest.mark.parametrize("index", ["²", "9" * 5000])
def test_row_numbers_int_cannot_read_are_ignored(client, db, index):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    response = client.post(
        f"/plans/{plan.id}", data={**plan_rows(1), f"activities-{index}-what": "x"}
    )
    assert response.status_code == 302
    db.session.refresh(plan)
    assert [a.what for a in plan.activities] == ["Иш 1"]


def test_activity_dates_outside_the_calendar_are_refused(client, db):
    group = YouthGroupFactory()
    plan = ActionPlanFactory(group=group)
    as_user(client, group.lead)
    data = {**plan_rows(1), "activities-0-starts_on": "0001-01-01"}
    response = client.post(f"/plans/{plan.id}?lang=en", data=data)
    assert response.status_code == 400
    assert "Choose a date between the years 1900 and 2100." in response.text
    assert 'value="0001-01-01"' in response.text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_camp_at_the_calendar_edge_is_refused_and_nothing_is_stored(client, login_as, db, day):
    login_as("organiser")
    data = camp_data(start_date=day, end_date=day, applications_open=day,
                     applications_close=day, confirmation_deadline=day)  # fmt: skip
    response = client.post("/manage/camps/new?lang=en", data=data)
    assert response.status_code == 400
    assert "Choose a date between the years 1900 and 2100." in error_summary(response.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Camp)) == 0


def test_a_session_at_the_calendar_edge_is_refused(client, login_as, db):
    login_as("organiser")
    programme = ProgrammeFactory()
    response = client.post(
        f"/manage/programmes/{programme.id}/sessions?lang=en",
        data={"starts_at": "0001-01-01T00:00", "place_ky": "Room"},
    )
    assert response.status_code == 400
    assert "Choose a date between the years 1900 and 2100." in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingSession)) == 0


@pytest.mark.parametrize(
    "ids", [["99999999999999999999"], ["2147483648"], ["1e3"], [str(n) for n in range(1, 500)]]
)
def test_bulk_decisions_refuse_ids_no_key_can_hold_or_more_than_a_page(client, login_as, db, ids):
    login_as("organiser")
    camp = CampFactory()
    application = ApplicationFactory(camp=camp)
    db.session.commit()
    response = client.post(
        f"/manage/camps/{camp.id}/applications/decide",
        data={"applications": [str(application.id), *ids], "decision": "rejected", "reason": "x"},
    )
    assert response.status_code == 400  # the list again, with the message and the ticks
    db.session.refresh(application)
    assert application.status is ApplicationStatus.SUBMITTED


def test_a_ticked_box_sent_twice_counts_once(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    application = ApplicationFactory(camp=camp)
    db.session.commit()
    response = client.post(
        f"/manage/camps/{camp.id}/applications/decide",
        data={"applications": [str(application.id)] * 10, "decision": "rejected", "reason": "x"},
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.REJECTED


@pytest.mark.parametrize("number", ["1" + "0" * 400, "1e2", "١٢"])
def test_a_number_with_hundreds_of_digits_is_refused_not_converted(client, login_as, db, number):
    login_as("organiser")
    camp = CampFactory(eligible_regions=["KG-O"])
    data = {"t_gender_male_min": number, "t_gender_male_max": "20"}
    response = client.post(f"/manage/camps/{camp.id}/targets?lang=ru", data=data)
    assert response.status_code == 400
    assert translated("Not a valid integer value.", "ru") in response.text


@pytest.mark.parametrize("hours", ["1e-999999999", "NaN", "Infinity", "9" * 400])
def test_module_hours_must_be_a_plain_number(client, login_as, db, hours):
    login_as("organiser")
    programme = ProgrammeFactory()
    response = client.post(
        f"/manage/programmes/{programme.id}/modules?lang=ky",
        data={"module_ky": "Демократия", "topic": "democracy", "hours": hours},
    )
    assert response.status_code == 400
    assert translated("Not a valid decimal value.", "ky") in response.text
    db.session.refresh(programme)
    assert programme.modules == []


@pytest.mark.parametrize("blank", [" ", "\t", "  \u00a0"])
@pytest.mark.parametrize(
    "path, key",
    [
        ("/manage/plans", "category"),
        ("/manage/plans", "status"),
        ("/manage/plans", "mentor"),
        ("/manage/camps", "status"),
    ],
)
def test_a_filter_of_blanks_counts_as_no_filter(client, login_as, db, path, key, blank):
    """`Optional()` lets a blank value past the choice check; it used to reach the query as a
    ProblemCategory(' ') and give a 500 (found by the form fuzzer on PostgreSQL)."""
    login_as("organiser")
    response = client.get(path, query_string={key: blank})
    assert response.status_code == 200
