"""The reach dashboard: safe aggregates, the Batken question, exports, mentors, the public page."""

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.audit import AuditEvent
from portal.camps.models import ApplicationEthnicity
from portal.extensions import utcnow
from portal.reports import routes as report_routes
from portal.reports.safe import protect
from portal.training.models import EnrolmentStatus
from tests.factories import ActionPlanFactory
from tests.factories import ApplicationFactory
from tests.factories import EnrolmentFactory
from tests.factories import ProgrammeFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.helpers import translated


def shown(breakdown):
    return [cell.shown() for _label, cell in breakdown.rows], breakdown.total.shown()


def test_cells_under_five_are_hidden():
    assert shown(protect([("a", 12), ("b", 7), ("c", 0)], 19)) == (["12", "7", "0"], "19")
    assert shown(protect([("a", 3), ("b", 2)], 5)) == (["<5", "<5"], "5")


def test_a_single_hidden_cell_takes_the_next_smallest_with_it():
    # 20 - 12 - 6 would give away the 2 if only it were hidden.
    assert shown(protect([("a", 12), ("b", 6), ("c", 2)], 20)) == (["12", "<5", "<5"], "20")


def test_without_another_cell_to_hide_the_total_is_hidden():
    assert shown(protect([("a", 3), ("b", 0)], 3)) == (["<5", "0"], "<5")
    assert shown(protect([("a", 8), ("b", 0), ("c", 4)], 12)) == (["<5", "0", "<5"], "12")


@pytest.mark.parametrize("total", [1, 4])
def test_small_totals_are_hidden(total):
    assert protect([], total).total.shown() == "<5"


def girl_from_batken(**extra):
    return UserFactory(gender="female", region_code="KG-B", district_code="KG-B-LEILEK", **extra)


def test_how_many_girls_from_batken_were_reached_and_became_ambassadors(client, login_as, db):
    login_as("organiser")
    programme = ProgrammeFactory(makes_ambassadors=True)
    girls = [girl_from_batken() for _ in range(7)]
    for girl in girls:
        ApplicationFactory(applicant=girl)
    for girl in girls[:5]:
        EnrolmentFactory(programme=programme, person=girl, status=EnrolmentStatus.COMPLETED,
                         completed_at=utcnow() - timedelta(days=1))  # fmt: skip
    for _ in range(6):
        ApplicationFactory(
            applicant=UserFactory(gender="male", region_code="KG-B", district_code=None)
        )
    ApplicationFactory(applicant=UserFactory(gender="female", region_code="KG-O"))
    page = client.get("/reports?region=KG-B&lang=en").text
    gender_table = page.split('id="table-gender"')[1].split("</table>")[0]
    female_row = gender_table.split("Female</th>")[1].split("</tr>")[0]
    assert female_row.count('<td class="num">7</td>') == 1  # reached
    assert '<td class="num">5</td>' in female_row  # ambassadors trained


def test_mentors_see_only_their_own_groups(client, login_as, db):
    mentor = login_as("mentor")
    mine = YouthGroupFactory(mentors=[mentor], members=[UserFactory() for _ in range(6)])
    YouthGroupFactory(members=[UserFactory() for _ in range(9)])
    ActionPlanFactory(group=mine)
    page = client.get("/reports?lang=en").text
    assert "Your groups only" in page
    figures = page.split('class="cards figures"')[1].split("</ul>")[0]
    assert '<p class="figure">7</p>' in figures  # six members and the lead, not the other group
    assert client.get("/reports/export.csv").status_code == 403


def test_ethnicity_only_for_regions_where_every_cell_is_ten_or_more(client, login_as, db):
    login_as("organiser")
    for region, counts in (
        ("KG-O", {"kyrgyz": 12, "uzbek": 11}),
        ("KG-B", {"kyrgyz": 15, "uzbek": 3}),
    ):
        for group, number in counts.items():
            for _ in range(number):
                person = UserFactory(region_code=region, district_code=None)
                application = ApplicationFactory(applicant=person)
                db.session.add(ApplicationEthnicity(application_id=application.id, group=group))
    db.session.commit()
    page = client.get("/reports?lang=en").text
    table = page.split('id="table-ethnicity"')[1].split("</section>")[0]
    assert "Osh region" in table and "Batken region" not in table
    assert "<tfoot>" not in table


def test_export_has_a_sheet_per_table_in_the_readers_language_and_is_audited(client, login_as, db):
    organiser = login_as("organiser")
    for _ in range(6):
        ApplicationFactory()
    response = client.get("/reports/export.xlsx?lang=ru")
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) >= 8
    assert translated("By region", "ru")[:28] in book.sheetnames
    rows = list(
        csv.reader(io.StringIO(client.get("/reports/export.csv?lang=en").data.decode("utf-8-sig")))
    )
    assert ["By region"] in rows
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "report.exported")
    ).all()
    assert [e.actor_id for e in events] == [organiser.id, organiser.id]


def test_exports_keep_small_cells_hidden(client, login_as, db):
    login_as("organiser")
    for _ in range(3):
        ApplicationFactory(applicant=UserFactory(region_code="KG-J", district_code="KG-J-AKSY"))
    text = client.get("/reports/export.csv?lang=en").data.decode("utf-8-sig")
    assert ",3," not in text and ",<5," in text


def test_dashboard_query_count_does_not_grow_with_data(login_as, assert_constant_queries, db):
    login_as("organiser")
    ApplicationFactory()

    def add_rows():
        programme = ProgrammeFactory()
        for number in range(15):
            person = UserFactory(
                region_code=("KG-O", "KG-B", "KG-J")[number % 3], district_code=None
            )
            ApplicationFactory(applicant=person)
            EnrolmentFactory(programme=programme, person=person, status=EnrolmentStatus.COMPLETED,
                             completed_at=utcnow())  # fmt: skip
        ActionPlanFactory(group=YouthGroupFactory(members=[UserFactory()]))

    assert_constant_queries("/reports", add_rows)


def test_public_page_shows_aggregates_only_and_is_cached(client, db, count_queries):
    report_routes.GLANCE_CACHE.clear()
    report_routes.GLANCE_PAGES.clear()
    for _ in range(6):
        ApplicationFactory(applicant=UserFactory(full_name="Жашыруун Адам", gender="female"))
    first = client.get("/at-a-glance?lang=en")
    assert first.status_code == 200 and "public" in first.headers["Cache-Control"]
    assert "Жашыруун" not in first.text
    assert '<p class="figure">6</p>' in first.text
    with count_queries() as counted:
        assert client.get("/at-a-glance?lang=en").status_code == 200
    assert counted.total == 0
    report_routes.GLANCE_CACHE.clear()


def test_a_visitors_rendered_page_is_reused_but_never_shown_to_someone_signed_in(
    client, login_as, db
):
    report_routes.GLANCE_CACHE.clear()
    report_routes.GLANCE_PAGES.clear()
    visitor = client.get("/at-a-glance?lang=en")
    assert "Sign out" not in visitor.text and len(report_routes.GLANCE_PAGES) == 1
    assert client.get("/at-a-glance?lang=en").text == visitor.text
    client.get("/at-a-glance?lang=en&utm=x")  # other addresses are rendered, not kept
    assert len(report_routes.GLANCE_PAGES) == 1
    login_as("youth")
    signed_in = client.get("/at-a-glance?lang=en")
    assert "Sign out" in signed_in.text
    report_routes.GLANCE_CACHE.clear()
    report_routes.GLANCE_PAGES.clear()


def test_dashboard_figures_are_kept_a_few_minutes_and_say_when_they_were_computed(
    app, client, login_as, db, count_queries, monkeypatch
):
    monkeypatch.setitem(app.config, "REPORT_CACHE_SECONDS", 300)
    report_routes.REPORT_CACHE.clear()
    login_as("organiser")
    for _ in range(6):
        ApplicationFactory(applicant=UserFactory(gender="female"))
    first = client.get("/reports?lang=en")
    assert '<p class="figure">6</p>' in first.text and "Figures as of" in first.text
    ApplicationFactory(applicant=UserFactory(gender="female"))
    with count_queries() as counted:
        again = client.get("/reports?lang=en")
    assert '<p class="figure">6</p>' in again.text  # the kept figures, without aggregating again
    assert counted.total <= 2
    report_routes.REPORT_CACHE.clear()
    assert '<p class="figure">7</p>' in client.get("/reports?lang=en").text


def test_bad_dates_get_a_message(client, login_as, db):
    login_as("organiser")
    response = client.get("/reports?date_from=2026-05-01&date_to=2026-01-01&lang=en")
    assert response.status_code == 400
    assert "The end date cannot be before the start date." in response.text
