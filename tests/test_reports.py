"""The reach dashboard: safe aggregates, the Batken question, exports, mentors, the public page."""

import csv
import html
import io
import re
from collections import Counter
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask import template_rendered
from flask_babel import force_locale
from openpyxl import load_workbook

from portal.audit import AuditEvent
from portal.camps.models import ApplicationEthnicity
from portal.extensions import utcnow
from portal.groups.labels import CATEGORY_LABELS
from portal.groups.labels import STATUS_LABELS
from portal.groups.models import ActionPlan
from portal.groups.models import PlanStatus
from portal.groups.models import ProblemCategory
from portal.i18n import local_today
from portal.reports import routes as report_routes
from portal.reports.safe import MIN_CELL
from portal.reports.safe import MIN_ETHNICITY_CELL
from portal.reports.safe import ROUND_TO
from portal.reports.safe import protect
from portal.reports.safe import publish
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


@pytest.mark.parametrize(
    "count, figure",
    [(0, "[c]"), (1, "[c]"), (4, "[c]"), (5, "5"), (9, "5"), (12, "10"), (19, "15")],
)
def test_people_counts_under_five_are_hidden_and_others_rounded_down_to_five(count, figure):
    assert publish(count).shown() == figure


def test_ethnicity_counts_under_ten_are_hidden():
    assert [publish(n, MIN_ETHNICITY_CELL).shown() for n in (9, 10, 14)] == ["[c]", "10", "10"]


def test_totals_are_rounded_on_their_own_and_hidden_rows_are_left_out():
    assert shown(protect([("a", 12), ("b", 7), ("c", 0)], 19)) == (["10", "5"], "15")
    assert shown(protect([("a", 3), ("b", 2)], 5)) == ([], "5")
    assert shown(protect([("a", 12), ("b", 6), ("c", 2)], 20)) == (["10", "5"], "20")


@pytest.mark.parametrize("total", [0, 1, 4])
def test_small_totals_are_hidden(total):
    assert protect([], total).total.shown() == "[c]"


def test_two_hidden_counts_and_their_shown_sum_never_pin_either():
    """Rounding to the nearest 5 would fail here: 4 + 4 = 8 shows as "10" (8 to 12), which
    forces both hidden counts to be 4. Rounding down keeps at least two values possible."""

    def block(count):
        cell = publish(count)
        return (0, MIN_CELL - 1) if cell.hidden else (cell.value, cell.value + ROUND_TO - 1)

    for a in range(MIN_CELL):
        for b in range(MIN_CELL):
            low, high = block(a + b)
            other = block(b)
            candidates = [x for x in range(MIN_CELL) if low - other[1] <= x <= high - other[0]]
            assert len(candidates) > 1, (a, b)


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
    # 7 reached and 5 ambassadors, both shown rounded down to 5; camps and groups: nobody.
    assert female_row.count('<td class="num">5</td>') == 2
    assert female_row.count('<td class="num">[c]</td>') == 2


def test_mentors_see_only_their_own_groups(client, login_as, db):
    mentor = login_as("mentor")
    mine = YouthGroupFactory(mentors=[mentor], members=[UserFactory() for _ in range(6)])
    YouthGroupFactory(members=[UserFactory() for _ in range(9)])
    ActionPlanFactory(group=mine)
    page = client.get("/reports?lang=en").text
    assert "Your groups only" in page
    figures = page.split('class="cards figures"')[1].split("</ul>")[0]
    # Six members and the lead (7, shown as 5), not the other group (16 in all, shown as 15).
    assert '<p class="figure">5</p>' in figures and '<p class="figure">15</p>' not in figures
    assert client.get("/reports/export.csv").status_code == 403


def test_ethnicity_only_for_years_that_have_ended_with_small_groups_hidden(client, login_as, db):
    login_as("organiser")
    last_year = local_today().year - 1
    for region, counts in (
        ("KG-O", {"kyrgyz": 12, "uzbek": 11}),
        ("KG-B", {"kyrgyz": 15, "uzbek": 3}),
    ):
        for group, number in counts.items():
            for _ in range(number):
                person = UserFactory(region_code=region, district_code=None)
                application = ApplicationFactory(
                    applicant=person, submitted_at=datetime(last_year, 6, 1, tzinfo=UTC)
                )
                db.session.add(ApplicationEthnicity(application_id=application.id, group=group))
    db.session.commit()
    page = client.get(f"/reports?year={last_year}&lang=en").text
    table = page.split('id="table-ethnicity"')[1].split("</section>")[0]
    osh = table.split("Osh region</th>")[1].split("</tr>")[0]
    batken = table.split("Batken region</th>")[1].split("</tr>")[0]
    assert osh.count('<td class="num">10</td>') == 2
    assert '<td class="num">15</td>' in batken and '<td class="num">[c]</td>' in batken
    assert "<tfoot>" not in table
    # The running year's applicants still change: no ethnicity table at all.
    assert 'id="table-ethnicity"' not in client.get("/reports?lang=en").text


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
    assert ",3," not in text and "Jalal-Abad" not in text and ",[c]" in text


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


def test_public_page_shows_aggregates_only_and_is_cached(client, db, count_queries, kept_cache):
    report_routes.GLANCE_PAGES.clear()
    for _ in range(6):
        ApplicationFactory(applicant=UserFactory(full_name="Жашыруун Адам", gender="female"))
    first = client.get("/at-a-glance?lang=en")
    assert first.status_code == 200 and "public" in first.headers["Cache-Control"]
    assert "Жашыруун" not in first.text
    assert '<p class="figure">5</p>' in first.text  # 6, rounded down
    with count_queries() as counted:
        assert client.get("/at-a-glance?lang=en").status_code == 200
    assert counted.total == 0


def test_a_visitors_rendered_page_is_reused_but_never_shown_to_someone_signed_in(
    client, login_as, db, kept_cache
):
    report_routes.GLANCE_PAGES.clear()
    visitor = client.get("/at-a-glance?lang=en")
    assert "Sign out" not in visitor.text and len(report_routes.GLANCE_PAGES) == 1
    assert client.get("/at-a-glance?lang=en").text == visitor.text
    client.get("/at-a-glance?lang=en&utm=x")  # other addresses are rendered, not kept
    assert len(report_routes.GLANCE_PAGES) == 1
    login_as("youth")
    signed_in = client.get("/at-a-glance?lang=en")
    assert "Sign out" in signed_in.text
    report_routes.GLANCE_PAGES.clear()


def test_dashboard_figures_are_kept_a_few_minutes_and_say_when_they_were_computed(
    app, client, login_as, db, count_queries, monkeypatch, kept_cache
):
    monkeypatch.setitem(app.config, "REPORT_CACHE_SECONDS", 300)
    login_as("organiser")
    for _ in range(6):
        ApplicationFactory(applicant=UserFactory(gender="female"))
    first = client.get("/reports?lang=en")
    assert '<p class="figure">5</p>' in first.text and "Figures as of" in first.text
    for _ in range(4):
        ApplicationFactory(applicant=UserFactory(gender="female"))
    with count_queries() as counted:
        again = client.get("/reports?lang=en")
    assert '<p class="figure">5</p>' in again.text  # the kept figures, without aggregating again
    assert counted.total <= 2
    kept_cache.clear()
    assert '<p class="figure">10</p>' in client.get("/reports?lang=en").text


@contextmanager
def fragments_rendered(app):
    """The names of the dashboard fragments rendered while the block runs."""
    rendered: list[str] = []

    def record(_sender, template, context, **_extra):
        if template.name == "reports/_figures.html":
            rendered.append(str(context["report"].headlines["reached"].formatted()))

    template_rendered.connect(record, app)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(record, app)


def test_the_dashboards_tables_are_kept_rendered_with_the_figures_per_language(
    app, client, login_as, db, monkeypatch, kept_cache
):
    monkeypatch.setitem(app.config, "REPORT_CACHE_SECONDS", 300)
    organiser = login_as("organiser", full_name="Gulnara Reader")
    for _ in range(6):
        ApplicationFactory(applicant=UserFactory(gender="female"))
    with fragments_rendered(app) as rendered:
        first = client.get("/reports?lang=en").text
        again = client.get("/reports?lang=en").text
        assert rendered == ["5"]  # rendered once, then the kept fragment
        russian = client.get("/reports?lang=ru").text
        assert rendered == ["5", "5"]  # each language its own
    figures = first.split('<ul class="cards figures">')[1]
    assert figures == again.split('<ul class="cards figures">')[1]
    assert "Villages and communities" in figures
    assert translated("Villages and communities", "ru") in russian.split("cards figures")[1]
    # Nothing of the reader is kept in the fragment: it is shared by everyone with this scope.
    kept = [kept_cache.get(key) for key in list(kept_cache._cache) if key.startswith("reach:")]
    assert len(kept) == 2  # English and Russian
    for _computed_at, fragment in kept:
        assert '<p class="figure">5</p>' in fragment
        assert "csrf_token" not in fragment and organiser.full_name not in fragment
    assert 'name="csrf_token"' in first  # the sign-out form around it has its token
    # New figures (the kept ones expired or cleared) are rendered again, with the new figure.
    for _ in range(4):
        ApplicationFactory(applicant=UserFactory(gender="female"))
    kept_cache.clear()
    with fragments_rendered(app) as rendered:
        assert '<p class="figure">10</p>' in client.get("/reports?lang=en").text
        assert rendered == ["10"]


def test_a_year_that_is_not_offered_gets_a_message(client, login_as, db):
    login_as("organiser")
    response = client.get("/reports?year=1990&lang=en")
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text


def chart_segments(page: str, key: str) -> dict[tuple[str, str], str]:
    """(row, column) → the figure each segment of a table's stacked chart draws."""
    chart = page.split(f'id="table-{key}"')[1].split("</svg>")[0]
    return {
        (html.unescape(row), html.unescape(column)): value
        for value, row, column, shown in re.findall(
            r'<rect [^>]*data-value="(\d+)"><title>(.*?) · (.*?): (.*?)</title>', chart
        )
        if shown == value
    }


def test_the_plans_chart_draws_every_status_from_the_raw_rows(client, login_as, db):
    login_as("organiser")
    spread = {
        (PlanStatus.DRAFT, ProblemCategory.EARLY_MARRIAGE): 2,
        (PlanStatus.SUBMITTED, ProblemCategory.EARLY_MARRIAGE): 1,
        (PlanStatus.APPROVED, ProblemCategory.POLICE_TRUST): 3,
        (PlanStatus.COMPLETED, ProblemCategory.POLICE_TRUST): 1,
        (PlanStatus.ARCHIVED, ProblemCategory.INTERGROUP_TENSION): 1,
        (PlanStatus.IN_PROGRESS, ProblemCategory.INTERGROUP_TENSION): 2,
    }
    for (status, category), number in spread.items():
        for _ in range(number):
            ActionPlanFactory(status=status, category=category)
    raw = Counter(db.session.execute(sa.select(ActionPlan.status, ActionPlan.category)).all())
    with force_locale("en"):
        expected = {
            (str(CATEGORY_LABELS[category]), str(STATUS_LABELS[status])): str(count)
            for (status, category), count in raw.items()
        }
        statuses = [str(label) for label in STATUS_LABELS.values()]
    page = client.get("/reports?lang=en").text
    assert chart_segments(page, "plans") == expected
    chart = html.unescape(page.split('id="table-plans"')[1].split("</svg>")[0])
    assert (
        re.findall(r'font-size="11">([^<]*)</text>\s*$', chart, re.M)[-len(statuses) :] == statuses
    )


def test_a_stacked_chart_never_draws_a_hidden_figure(app):
    rows = [("Ош", [publish(3), publish(12), publish(0)]), ("Баткен", [publish(7), publish(1)])]
    with app.test_request_context():
        chart = render_template_string(
            '{% from "_macros/charts.html" import stacked_bar_chart %}'
            '{{ stacked_bar_chart("c", "T", ["A", "B", "C"], rows) }}',
            rows=rows,
        )
    assert chart_segments('id="table-x"' + chart, "x") == {("Ош", "B"): "10", ("Баткен", "A"): "5"}
    assert chart.count("<rect") == 2 + 3  # two segments and the legend's three keys
    assert chart.count(">[c]</text>") == 2 and ">0<" not in chart


def test_pages_group_the_digits_of_large_figures_in_the_readers_locale_and_exports_do_not(app):
    from flask_babel import force_locale

    from portal.reports.safe import Cell
    from portal.reports.safe import publish

    with app.test_request_context():
        for locale, expected in [("ru", "15\xa0000"), ("en", "15,000"), ("ky", "15\xa0000")]:
            with force_locale(locale):
                assert publish(15_003).formatted() == expected
        assert publish(15_003).shown() == "15000"
        assert Cell(None, hidden=True).formatted() == Cell(None, hidden=True).shown() == "[c]"
