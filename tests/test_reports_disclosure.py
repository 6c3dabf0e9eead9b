"""Small cells stay hidden across views (DESIGN §6): no hidden count can be worked out by
adding or subtracting figures from the dashboard, its filters, its exports, the public page
and the home page.

A figure is read the way a careful reader of the page reads it: "[c]" (or the old "<5") means
0 to 4 people, a number v means v to v + ROUND_TO - 1 people (exactly v before rounding).
"""

import html
import re
from datetime import date
from datetime import datetime
from datetime import time

import sqlalchemy as sa
from flask_login import login_user
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from portal.accounts.models import User
from portal.accounts.models import UserRole
from portal.camps.models import Application
from portal.camps.models import Camp
from portal.extensions import db as db_
from portal.i18n import BISHKEK
from portal.i18n import local_today
from portal.main.dashboard import youth_counts
from portal.places import place_names
from portal.places import top_level_units
from portal.places import units_by_parent
from portal.reports import aggregates
from portal.reports import figures as report_figures
from portal.reports import routes as report_routes
from portal.reports import safe
from portal.reports.report import build
from portal.reports.safe import MIN_CELL
from portal.reports.safe import ROUND_TO
from portal.security import Role
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.helpers import years_ago


def interval(text: str, threshold: int = safe.MIN_CELL) -> tuple[int, int]:
    """The true counts a published figure allows."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
    if text in ("<5", "<10", "[c]"):
        return 0, threshold - 1
    value = int(text)
    return value, value + getattr(safe, "ROUND_TO", 1) - 1


def headline(page: str, label: str) -> tuple[int, int]:
    cards = re.findall(r'<p class="figure">(.*?)</p>\s*<p>(.*?)</p>', page, re.S)
    return interval(next(figure for figure, text in cards if text == label))


def row(page: str, label: str) -> tuple[int, int]:
    found = re.search(
        rf'<th scope="row">{re.escape(label)}</th>\s*<td class="num">(.*?)</td>', page
    )
    return interval(found.group(1)) if found else (0, safe.MIN_CELL - 1)


def possible(low: int, high: int, threshold: int = safe.MIN_CELL) -> list[int]:
    """Counts below the threshold a reader cannot rule out, given bounds from other figures."""
    return list(range(max(low, 0), min(high, threshold - 1) + 1))


def people(number, region, **extra):
    for _ in range(number):
        ApplicationFactory(applicant=UserFactory(region_code=region, district_code=None, **extra))


def section(page: str, key: str) -> str:
    return page.split(f'id="table-{key}"')[1].split("</section>")[0]


def test_a_region_filter_subtracted_from_the_dashboard_does_not_give_a_hidden_region(
    client, login_as, db
):
    login_as("organiser")
    people(20, "KG-O")
    people(3, "KG-B")
    people(6, "KG-J")
    whole = client.get("/reports?lang=en").text
    total, osh = headline(whole, "Young people reached"), row(whole, "Osh region")
    jalal_abad = headline(client.get("/reports?region=KG-J&lang=en").text, "Young people reached")
    # Batken = everyone - Osh - Jalal-Abad (as if nobody had left their region out).
    batken = possible(total[0] - osh[1] - jalal_abad[1], total[1] - osh[0] - jalal_abad[0])
    assert len(batken) > 1, batken


def test_the_public_page_subtracted_from_a_region_filter_does_not_give_a_hidden_region(
    client, login_as, db
):
    report_routes.GLANCE_PAGES.clear()
    people(20, "KG-O")
    people(3, "KG-B")
    people(6, "KG-J")
    public = client.get("/at-a-glance?lang=en").text
    total, osh = headline(public, "Young people reached"), row(public, "Osh region")
    login_as("organiser")
    jalal_abad = headline(client.get("/reports?region=KG-J&lang=en").text, "Young people reached")
    batken = possible(total[0] - osh[1] - jalal_abad[1], total[1] - osh[0] - jalal_abad[0])
    assert len(batken) > 1, batken
    report_routes.GLANCE_PAGES.clear()


def test_a_filter_that_isolates_one_person_shows_neither_their_gender_nor_their_age(
    client, login_as, db
):
    login_as("organiser")
    people(12, "KG-O", gender="male")
    people(1, "KG-B", gender="female", date_of_birth=years_ago(16))
    page = client.get("/reports?region=KG-B&lang=en").text
    for key in ("gender", "age_band"):
        # A row is listed only when one of its figures is shown; a row of "[c]" alone would
        # say she is there.
        assert 'scope="row"' not in section(page, key), key


def test_two_nested_date_windows_cannot_be_compared(client, login_as, db):
    login_as("organiser")
    year = local_today().year

    def submitted(day):
        return datetime.combine(date(year, 1, day), time(12), BISHKEK)

    for _ in range(10):
        person = UserFactory(gender="male", region_code="KG-O", district_code=None)
        ApplicationFactory(applicant=person, submitted_at=submitted(2))
    her = UserFactory(gender="female", region_code="KG-O", district_code=None)
    ApplicationFactory(applicant=her, submitted_at=submitted(3))
    shorter = client.get(f"/reports?date_from={year}-01-01&date_to={year}-01-02&lang=en").text
    longer = client.get(f"/reports?date_from={year}-01-01&date_to={year}-01-03&lang=en").text
    # The day between the two windows had one applicant: nothing may tell her gender.
    assert section(shorter, "gender") == section(longer, "gender")
    assert headline(shorter, "Young people reached") == headline(longer, "Young people reached")


def test_the_home_page_total_does_not_give_away_a_small_region(client, login_as, db):
    login_as("organiser", region_code=None, district_code=None)
    for region, number in (("KG-O", 10), ("KG-B", 3)):
        for _ in range(number):
            UserFactory(region_code=region, district_code=None)
    page = client.get("/?lang=en").text
    panel = page.split('id="youth-title"')[1].split("</section>")[0]
    total = interval(re.search(r'<p class="figure">(.*?)</p>', panel).group(1))
    osh = row(panel, "Osh region")
    batken = possible(total[0] - osh[1], total[1] - osh[0])
    assert len(batken) > 1, batken


# --- every view a user can request, on generated small populations ----------------------------
#
# The check. A reader knows which people each published figure counts (its filter and row: a
# set of "atoms", the combinations of region, district, gender and age band), and from the
# figure only that the true count lies in [start, end] of its block. Adding and subtracting
# figures gives more bounds: for nested sets A ⊃ B, |A \ B| lies in
# [start_A - end_B, end_A - start_B]; for disjoint sets, |A ∪ B| lies in the sum of the
# bounds; a subset is never larger than its set. The test applies these steps to every pair of
# known sets, three rounds over, and fails if any set with fewer than 5 people ends up with a
# single possible count (or if a bound ever excludes the true count, which would mean the
# check itself is wrong). Every view is collected: the dashboard and its export (one
# `build` per region filter; the form only offers whole years), the public page and the
# organisers' home page.

REGIONS = ("KG-O", "KG-B", "KG-J")
GENDERS = ("female", "male", "other")
BANDS = [(label, low) for label, low, _high in aggregates.AGE_BANDS]


def district_codes():
    return {code: [unit.code for unit in units_by_parent()[code][:2]] for code in REGIONS}


def atom_universe(districts):
    places = [(region, district) for region in REGIONS for district in (*districts[region], None)]
    places.append((None, None))
    return [
        (region, district, gender, band)
        for region, district in places
        for gender in (*GENDERS, None)
        for band in (*(label for label, _low in BANDS), None)
    ]


PERSON = st.tuples(
    st.sampled_from((*REGIONS, None)),
    st.sampled_from((0, 1, None)),
    st.sampled_from((*GENDERS, None)),
    st.sampled_from((*range(len(BANDS)), None)),
)


def add_people(population, districts, year):
    camp = CampFactory()
    people = []
    for region, district, gender, band in population:
        district_code = districts[region][district] if region and district is not None else None
        born = date(year - BANDS[band][1], 6, 1) if band is not None else date(year - 40, 6, 1)
        person = UserFactory(
            region_code=region, district_code=district_code, gender=gender, date_of_birth=born
        )
        ApplicationFactory(camp=camp, applicant=person)
        label = BANDS[band][0] if band is not None else None
        people.append((region, district_code, gender, label))
    return camp, people


def published_figures(year):
    """(predicate, figure) for every people count of every view, reached metric."""
    names = place_names()
    figures = []
    for region in (None, *REGIONS):
        in_view = {"region": region} if region else {}
        report = build(aggregates.Scope(date(year, 1, 1), date(year, 12, 31), region=region), names)
        figures.append((in_view, report.headlines["reached"]))
        for table in report.tables:
            if table.key not in aggregates.DIMENSIONS:
                continue
            for key, (_label, cells) in zip(table.row_keys, table.rows, strict=True):
                figures.append(({**in_view, table.key: key}, cells[0]))
            figures.append((in_view, table.totals[0]))
    public = report_figures.public_figures(year)
    figures += [({}, public["reached"]), ({"gender": "female"}, public["girls"])]
    figures += [({"region": code}, cell) for code, cell in public["regions"]]
    home = youth_counts()
    figures.append(({}, home["total"]))
    figures += [({"region": unit.code}, cell) for unit, cell in home["by_region"]]
    return figures


def mask_of(predicate, atoms):
    index = {"region": 0, "district": 1, "gender": 2, "age_band": 3}
    bits = 0
    for position, atom in enumerate(atoms):
        if all(atom[index[key]] == value for key, value in predicate.items()):
            bits |= 1 << position
    return bits


def derive(known: dict[int, tuple[int, int]], rounds: int = 3) -> dict[int, tuple[int, int]]:
    published = list(known)
    for _round in range(rounds):
        found = {}
        items = list(known.items())
        for a, (low_a, high_a) in items:
            for b, (low_b, high_b) in items:
                if a == b:
                    continue
                if b & ~a == 0:  # b inside a
                    found.setdefault(a & ~b, []).append((low_a - high_b, high_a - low_b))
                    found.setdefault(b, []).append((0, high_a))
                elif a & b == 0 and a < b:
                    union = a | b
                    if any(union & ~p == 0 for p in published):
                        found.setdefault(union, []).append((low_a + low_b, high_a + high_b))
        changed = False
        for bits, bounds in found.items():
            low, high = known.get(bits, (0, 10**6))
            new = (max(low, 0, *(b[0] for b in bounds)), min(high, *(b[1] for b in bounds)))
            if new != (low, high):
                known[bits] = new
                changed = True
        if not changed or len(known) > 4000:
            break
    return known


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(population=st.lists(PERSON, max_size=30))
def test_no_hidden_count_can_be_worked_out_from_every_view(db, population):
    year = local_today().year
    districts = district_codes()
    atoms = atom_universe(districts)
    camp, people = add_people(population, districts, year)
    try:
        true = {}
        known = {}
        for predicate, cell in published_figures(year):
            bits = mask_of(predicate, atoms)
            block = (0, MIN_CELL - 1) if cell.hidden else (cell.value, cell.value + ROUND_TO - 1)
            # The same people always get the same figure, whichever view shows them.
            assert known.setdefault(bits, block) == block, predicate
        derived = derive(dict(known))
        for bits, (low, high) in derived.items():
            count = sum(1 for person in people if bits >> atoms.index(person) & 1)
            true[bits] = count
            assert low <= count <= high, "the check itself is unsound"
            if count < MIN_CELL:
                assert high > low, f"a count of {count} is pinned by the published figures"
    finally:
        remove(camp)


def remove(camp):
    user_ids = db_.session.scalars(
        sa.select(Application.user_id).where(Application.camp_id == camp.id)
    ).all()
    db_.session.execute(sa.delete(Application).where(Application.camp_id == camp.id))
    db_.session.execute(sa.delete(UserRole).where(UserRole.user_id.in_(user_ids)))
    db_.session.execute(sa.delete(User).where(User.id.in_(user_ids)))
    db_.session.execute(sa.delete(Camp).where(Camp.id == camp.id))
    db_.session.commit()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    args=st.dictionaries(
        st.sampled_from(["year", "region", "date_from", "date_to", "start", "end"]),
        st.one_of(st.dates().map(str), st.integers(1990, 2100).map(str), st.text(max_size=8)),
    )
)
def test_every_filter_a_user_can_send_is_a_whole_year(app, db, args):
    """Whatever is sent, the figures are for a whole calendar year and one region or all."""
    organiser = db_.session.scalar(sa.select(User).where(User.email == "filters@example.org"))
    organiser = organiser or UserFactory(email="filters@example.org", roles={Role.ORGANISER})
    with app.test_request_context("/reports", query_string=args):
        login_user(organiser)
        _form, _valid, scope = report_routes._filters()
    assert (scope.start.month, scope.start.day, scope.end.month, scope.end.day) == (1, 1, 12, 31)
    assert scope.start.year == scope.end.year
    assert scope.region in (None, *(unit.code for unit in top_level_units()))
