"""A camp's dates keep their order (applications open ≤ close ≤ confirmation deadline ≤ first
day ≤ last day), in the form and in the service; dates at the calendar's edge get a message."""

from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from portal.camps import services
from portal.camps.models import Camp
from portal.camps.schedule import DATE_FIELDS
from portal.camps.schedule import date_problems
from portal.i18n import local_today
from portal.security import Role
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.helpers import error_summary
from tests.test_camps_review import camp_data


def camps() -> int:
    from portal.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(Camp))


def test_a_confirmation_deadline_before_applications_close_is_refused(client, login_as, db):
    login_as("organiser")
    start = local_today() + timedelta(days=40)
    data = camp_data(
        applications_close=(start - timedelta(days=5)).isoformat(),
        confirmation_deadline=(start - timedelta(days=8)).isoformat(),
    )
    response = client.post("/manage/camps/new?lang=en", data=data)
    assert response.status_code == 400
    assert error_summary(response.text) == [
        "The confirmation deadline cannot be before applications close."
    ]
    assert f'value="{data["confirmation_deadline"]}"' in response.text  # the input is kept
    assert camps() == 0


def test_editing_a_camp_keeps_the_deadline_after_applications_close(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    data = camp_data(
        applications_close=camp.applications_close.isoformat(),
        confirmation_deadline=(camp.applications_close - timedelta(days=1)).isoformat(),
        start_date=camp.start_date.isoformat(),
        end_date=camp.end_date.isoformat(),
    )
    response = client.post(f"/manage/camps/{camp.id}/edit?lang=en", data=data)
    assert response.status_code == 400
    db.session.refresh(camp)
    assert camp.confirmation_deadline >= camp.applications_close


def test_the_service_keeps_the_order_whoever_calls_it(db):
    organiser = UserFactory(roles={Role.ORGANISER})
    camp = CampFactory()
    with pytest.raises(services.CampError):
        services.save_camp(
            camp, by=organiser, confirmation_deadline=camp.applications_close - timedelta(days=1)
        )
    with pytest.raises(services.CampError):
        services.save_camp(camp, by=organiser, end_date=camp.start_date - timedelta(days=1))
    with pytest.raises(services.CampError):
        services.save_camp(camp, by=organiser, end_date=date(9999, 12, 31))
    db.session.refresh(camp)
    assert camp.confirmation_deadline >= camp.applications_close
    assert camp.start_date <= camp.end_date


@pytest.mark.parametrize("field", DATE_FIELDS)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_one_date_at_the_calendar_edge_gets_a_message(client, login_as, db, field, day):
    login_as("organiser")
    response = client.post("/manage/camps/new?lang=en", data=camp_data(**{field: day}))
    assert response.status_code == 400
    assert "Choose a date between the years 1900 and 2100." in error_summary(response.text)
    assert camps() == 0


def in_order(dates: dict[str, date]) -> bool:
    values = [dates[name] for name in DATE_FIELDS]
    return values == sorted(values)


any_day = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
near_day = st.integers(min_value=-60, max_value=60).map(
    lambda days: date(2026, 6, 1) + timedelta(days=days)
)
schedules = st.fixed_dictionaries(
    {name: st.one_of(near_day, near_day, near_day, any_day) for name in DATE_FIELDS}
)


@given(dates=schedules)
def test_dates_are_accepted_exactly_when_they_are_in_order_and_in_the_calendar(dates):
    in_calendar = all(1900 <= value.year <= 2100 for value in dates.values())
    assert (date_problems(dates) == {}) == (in_calendar and in_order(dates))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dates=schedules)
def test_the_camp_form_never_fails_on_any_dates(client, login_as, dates):
    login_as("organiser")
    before = camps()
    data = camp_data(**{name: value.isoformat() for name, value in dates.items()})
    response = client.post("/manage/camps/new?lang=en", data=data)
    in_calendar = all(1900 <= value.year <= 2100 for value in dates.values())
    expected = 302 if in_calendar and in_order(dates) else 400
    assert response.status_code == expected
    assert camps() == before + (expected == 302)
