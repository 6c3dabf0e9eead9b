"""The organiser's list of applications as a working tool: select all (on the page, and every
application the filter finds), a failed bulk decision that keeps the ticks, filters that show
what is active, and next/previous applicant from one application in the list's order."""

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.camps.manage import applications as views
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.extensions import utcnow
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.factories import minor
from tests.helpers import error_summary
from tests.helpers import translated
from tests.test_camps_review import ticked


def statuses(db, camp) -> dict[int, S]:
    rows = db.session.execute(
        sa.select(Application.id, Application.status).where(Application.camp_id == camp.id)
    )
    return dict(rows.all())


@pytest.fixture
def mixed_camp(app, db, monkeypatch):
    """A camp whose list spans pages: 6 women and 3 men sent, a woman's draft; another camp."""
    monkeypatch.setitem(app.config, "PER_PAGE", 4)
    camp = CampFactory(capacity=30)
    women = [
        ApplicationFactory(camp=camp, applicant=UserFactory(gender="female")) for _ in range(6)
    ]
    men = [ApplicationFactory(camp=camp, applicant=UserFactory(gender="male")) for _ in range(3)]
    draft = ApplicationFactory(
        camp=camp, applicant=UserFactory(gender="female"), status=S.DRAFT, submitted_at=None
    )
    elsewhere = ApplicationFactory(applicant=UserFactory(gender="female"))
    return camp, women, men, draft, elsewhere


REJECT = {"scope": "matching", "decision": "rejected", "reason": "Мест нет."}


def test_apply_to_all_matching_asks_with_the_count_then_changes_only_what_the_filter_finds(
    client, login_as, db, mixed_camp
):
    login_as("organiser")
    camp, women, men, draft, elsewhere = mixed_camp
    listing = client.get(f"/manage/camps/{camp.id}/applications?gender=female&lang=en").text
    assert "Apply to all 6 matching applications" in listing
    action = f"/manage/camps/{camp.id}/applications/decide?gender=female&lang=en"

    asked = client.post(action, data=REJECT)
    assert asked.status_code == 200
    assert "Apply to all 6 matching applications?" in asked.text
    assert "Filter: Gender: Female." in html.unescape(asked.text)
    # The confirmation posts back to the same filter, with the count it showed.
    assert f'action="{action}"' in html.unescape(asked.text)
    assert 'name="expected" value="6"' in asked.text
    assert set(statuses(db, camp).values()) == {S.SUBMITTED, S.DRAFT}

    done = client.post(action, data={**REJECT, "expected": "6", "confirm": "yes"})
    assert done.status_code == 302
    assert "gender=female" in done.headers["Location"]
    now = statuses(db, camp)
    assert {now[a.id] for a in women} == {S.REJECTED}
    assert {now[a.id] for a in men} == {S.SUBMITTED}
    assert now[draft.id] is S.DRAFT
    db.session.refresh(elsewhere)
    assert elsewhere.status is S.SUBMITTED
    assert "Decision saved for 6 applications." in client.get(done.headers["Location"]).text


def test_a_count_that_changed_before_the_confirmation_asks_again(client, login_as, db, mixed_camp):
    login_as("organiser")
    camp, women, *_ = mixed_camp
    ApplicationFactory(camp=camp, applicant=UserFactory(gender="female"))  # arrived meanwhile
    response = client.post(
        f"/manage/camps/{camp.id}/applications/decide?gender=female&lang=en",
        data={**REJECT, "expected": "6", "confirm": "yes"},
    )
    assert response.status_code == 200
    assert "The list has changed since you looked" in response.text
    assert 'name="expected" value="7"' in response.text
    assert {statuses(db, camp)[a.id] for a in women} == {S.SUBMITTED}


def test_apply_to_all_matching_checks_capacity_and_consent_one_by_one(client, login_as, db):
    login_as("organiser")
    camp = CampFactory(capacity=2)
    adults = [ApplicationFactory(camp=camp) for _ in range(3)]
    young = ApplicationFactory(camp=camp, applicant=minor())
    response = client.post(
        f"/manage/camps/{camp.id}/applications/decide?sort=name&lang=en",
        data={"scope": "matching", "decision": "accepted", "expected": "4", "confirm": "yes"},
    )
    assert response.status_code == 302
    assert list(statuses(db, camp).values()).count(S.ACCEPTED) == 2
    assert statuses(db, camp)[young.id] is S.SUBMITTED
    page = client.get(response.headers["Location"]).text
    assert "The camp is full." in page and "Record the guardian" in page
    assert young.id in ticked(page) and adults


def test_apply_to_all_matching_refuses_more_than_it_may_change_at_once(
    client, login_as, db, mixed_camp, monkeypatch
):
    login_as("organiser")
    camp, *_ = mixed_camp
    monkeypatch.setattr(views, "MAX_MATCHING", 5)
    response = client.post(
        f"/manage/camps/{camp.id}/applications/decide?gender=female&lang=en",
        data={**REJECT, "expected": "6", "confirm": "yes"},
    )
    assert response.status_code == 400
    assert error_summary(response.text) == [
        "6 applications match: at most 5 can be changed at once. Narrow the filter."
    ]
    assert S.REJECTED not in statuses(db, camp).values()


def test_a_failed_bulk_decision_keeps_the_ticks_and_the_filter(client, login_as, db, mixed_camp):
    login_as("organiser")
    camp, women, *_ = mixed_camp
    picked = [women[-1].id, women[-2].id]  # newest first: both on the first page
    response = client.post(
        f"/manage/camps/{camp.id}/applications/decide?gender=female&lang=en",
        data={"applications": picked, "decision": "rejected", "reason": ""},
    )
    assert response.status_code == 400
    assert error_summary(response.text) == ["Write a short reason for the applicant."]
    assert ticked(response.text) == set(picked)
    assert '<option selected value="female">' in response.text  # the filter is still there
    assert '<input checked id="decision-2" name="decision"' in response.text
    assert S.REJECTED not in statuses(db, camp).values()


def test_select_all_on_the_page_without_javascript(client, login_as, db, mixed_camp):
    login_as("organiser")
    camp, *_ = mixed_camp
    page = client.get(f"/manage/camps/{camp.id}/applications?lang=en").text
    assert ticked(page) == set()
    link = re.search(r'<a class="pick-link" href="([^"]+)">All', page).group(1)
    ticked_page = client.get(html.unescape(link) + "&lang=en").text
    assert len(ticked(ticked_page)) == 4  # every row of the page, not the whole list
    assert re.search(r'<a class="pick-link" href="[^"]+">None', ticked_page)


def chips(page: str) -> dict[str, str]:
    """Each active filter chip's text and where its link leads."""
    found = re.findall(r'<a class="chip" href="([^"]+)">(.*?)</a>', page, re.S)
    return {
        re.sub(r"<[^>]+>|\s+", " ", html.unescape(text))
        .replace("Remove the filter", "")
        .strip(" ×"): html.unescape(href)
        for href, text in found
    }


def test_filters_fold_away_and_active_ones_show_as_chips_that_remove_themselves(
    client, login_as, db, mixed_camp
):
    login_as("organiser")
    camp, *_ = mixed_camp
    path = f"/manage/camps/{camp.id}/applications"
    plain = client.get(f"{path}?lang=en").text
    assert '<details class="more-filters">' in plain
    assert chips(plain) == {} and "Clear all filters" not in plain

    # The form sends its default order along: that is no choice, so nothing opens.
    searched = client.get(f"{path}?q=zz&sort=submitted&lang=en").text
    assert '<details class="more-filters">' in searched  # the search box is outside
    assert list(chips(searched)) == ["Name or e-mail: zz"]

    page = client.get(f"{path}?status=submitted&gender=female&sort=score&lang=en").text
    assert '<details class="more-filters" open>' in page
    assert "(2 active)" in page
    active = chips(page)
    assert list(active) == ["Status: Sent", "Gender: Female"]
    assert "status=" not in active["Status: Sent"]
    assert "gender=female" in active["Status: Sent"] and "sort=score" in active["Status: Sent"]
    assert "gender=" not in active["Gender: Female"]
    clear = re.search(r'<a class="chip chip-clear" href="([^"]+)">Clear all filters', page)
    assert html.unescape(clear.group(1)) == f"{path}?sort=score"


def neighbours(client, application, query="") -> tuple[str | None, str | None]:
    page = html.unescape(client.get(f"/manage/applications/{application.id}?{query}").text)
    before = re.search(r'<a rel="prev" href="/manage/applications/([0-9]+)\??([^"]*)"', page)
    after = re.search(r'<a rel="next" href="/manage/applications/([0-9]+)\??([^"]*)"', page)
    for found in (before, after):
        if found:
            assert found.group(2) == query  # the filter and order travel with the links
    return (before and before.group(1)), (after and after.group(1))


def test_next_and_previous_follow_the_lists_filter_and_order_and_skip_hidden_ones(
    client, login_as, db
):
    login_as("organiser")
    camp = CampFactory(capacity=30)
    best = ApplicationFactory(camp=camp, score=5)
    good = ApplicationFactory(camp=camp, score=4)
    also_good = ApplicationFactory(camp=camp, score=4)
    fair = ApplicationFactory(camp=camp, score=3)
    unscored = ApplicationFactory(camp=camp, score=None)
    later_unscored = ApplicationFactory(camp=camp, score=None)
    # Hidden from this list: a draft, another camp's, one the filter leaves out.
    ApplicationFactory(camp=camp, score=4, status=S.DRAFT, submitted_at=None)
    ApplicationFactory(score=4)
    ApplicationFactory(camp=camp, score=4, status=S.WAITLISTED)
    query = "status=submitted&sort=score"
    order = [best, good, also_good, fair, unscored, later_unscored]
    for index, application in enumerate(order):
        before = str(order[index - 1].id) if index else None
        after = str(order[index + 1].id) if index + 1 < len(order) else None
        assert neighbours(client, application, query) == (before, after), index

    # Deciding keeps the list's filter; the application no longer matches it yet keeps
    # its place between its neighbours.
    response = client.post(
        f"/manage/applications/{good.id}/decide?{query}",
        data={"decision": "rejected", "reason": "Мест нет."},
    )
    assert response.headers["Location"] == f"/manage/applications/{good.id}?{query}"
    assert neighbours(client, good, query) == (str(best.id), str(also_good.id))


def test_next_and_previous_in_the_default_order_newest_first(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    now = utcnow()
    old, middle, new = (
        ApplicationFactory(camp=camp, submitted_at=now - timedelta(days=days)) for days in (3, 2, 1)
    )
    assert neighbours(client, new) == (None, str(middle.id))
    assert neighbours(client, middle) == (str(new.id), str(old.id))
    assert neighbours(client, old) == (str(middle.id), None)


def test_next_and_previous_by_age_put_unknown_birth_dates_last(client, login_as, db):
    login_as("organiser")
    camp = CampFactory()
    older = ApplicationFactory(camp=camp, applicant=UserFactory())
    younger = ApplicationFactory(camp=camp, applicant=minor())
    unknown = ApplicationFactory(camp=camp, applicant=UserFactory(date_of_birth=None))
    assert neighbours(client, younger, "sort=age") == (None, str(older.id))
    assert neighbours(client, older, "sort=age") == (str(younger.id), str(unknown.id))
    assert neighbours(client, unknown, "sort=age") == (str(older.id), None)


def test_next_and_previous_by_name_read_the_applicants_name_as_saved(client, login_as, db):
    """The application's own place in the order is read off it and its applicant (loaded
    with it), by the applicant's name for this order."""
    login_as("organiser")
    camp = CampFactory()
    names = ("Бакыт Асанов", "Гүлзат Токтогулова", "Жылдыз Маматова")
    first, second, third = (
        ApplicationFactory(camp=camp, applicant=UserFactory(full_name=name)) for name in names
    )
    assert neighbours(client, second, "sort=name") == (str(first.id), str(third.id))
    assert neighbours(client, first, "sort=name") == (None, str(second.id))
    assert neighbours(client, third, "sort=name") == (str(second.id), None)


def test_the_lists_statements_are_built_once_per_camp_first_day_and_filter(client, login_as, db):
    """Statements are kept per worker (database.built) under everything they are made of: the
    same list asks the same statement again; another camp, filter or first day a new one, and
    the list follows each (an age band is counted from the camp's first day for an application
    sent before the age rule was kept with it)."""
    from portal.camps import queries

    login_as("organiser")
    camp, other = CampFactory(), CampFactory()
    young = ApplicationFactory(camp=camp, applicant=minor(), age_when_sent=None,
                               consent_required=None)  # fmt: skip
    ApplicationFactory(camp=other, applicant=minor())
    band = {"age_band": "16-17"}
    first = queries.review_query(camp, filters=band)
    assert queries.review_query(camp, filters=dict(band)) is first
    assert queries.review_query(other, filters=band) is not first
    assert queries.review_query(camp, filters={"age_band": "18-21"}) is not first
    page = f"/manage/camps/{camp.id}/applications?age_band=16-17&lang=en"
    assert f'value="{young.id}"' in client.get(page).text
    assert f'value="{young.id}"' in client.get(page).text  # the kept statements, the same rows
    camp.start_date += timedelta(days=3 * 365)  # the applicant is 19 by then
    camp.end_date += timedelta(days=3 * 365)
    db.session.commit()
    assert queries.review_query(camp, filters=band) is not first
    assert f'value="{young.id}"' not in client.get(page).text
    adults = f"/manage/camps/{camp.id}/applications?age_band=18-21&lang=en"
    assert f'value="{young.id}"' in client.get(adults).text


def test_a_statement_whose_key_cannot_be_hashed_is_built_every_time(monkeypatch):
    from portal import database

    monkeypatch.setattr(database, "BUILT", {})
    made = []
    assert database.built(("list", ["a"]), lambda: made.append(1) or "stmt") == "stmt"
    assert database.built(("list", ["a"]), lambda: made.append(1) or "stmt") == "stmt"
    assert made == [1, 1] and database.BUILT == {}


def test_a_kept_row_is_drawn_again_when_what_it_shows_changes(client, login_as, db, monkeypatch):
    """Rows are kept drawn under the values they show (fragments.drawn_row): a score, a
    decision, a new name or another language draws the row anew; nothing else does."""
    from portal import fragments

    monkeypatch.setattr(fragments, "ROWS", {})
    login_as("organiser")
    camp = CampFactory(capacity=30)
    application = ApplicationFactory(camp=camp, applicant=UserFactory(full_name="Айгүл Осмонова"))
    page = f"/manage/camps/{camp.id}/applications?lang=en"

    def row() -> str:
        text = client.get(page).text
        return re.search(rf'<tr>\s*<td class="pick">[^\n]*value="{application.id}".*?</tr>',
                         text, re.S).group(0)  # fmt: skip

    first = row()
    assert "Айгүл Осмонова" in first and ">Sent<" in first
    assert row() == first and len(fragments.ROWS) == 1  # asked again: the kept row
    application.score = 7
    application.applicant.full_name = "Айгүл Садыкова"
    db.session.commit()
    changed = row()
    assert '<td class="num">7</td>' in changed and "Айгүл Садыкова" in changed
    assert "Осмонова" not in changed and len(fragments.ROWS) == 2
    application.status = S.WAITLISTED
    db.session.commit()
    assert "On the waiting list" in row()
    russian = client.get(page.replace("lang=en", "lang=ru")).text
    assert translated("On the waiting list", "ru") in russian
    assert "On the waiting list" not in russian


def test_a_row_whose_values_cannot_be_hashed_is_drawn_every_time(app, monkeypatch):
    from portal import fragments

    monkeypatch.setattr(fragments, "ROWS", {})
    from portal.camps.queries import ReviewRow

    monkeypatch.setattr(fragments, "ROWS", {})
    # A list among the values: the row cannot be kept, and is drawn all the same.
    values = ReviewRow(1, S.SUBMITTED, None, ["7"], "Айбек", None, 17, True, False, False)
    with app.test_request_context("/?lang=en"):
        row = fragments.drawn_row("camps/manage/_application_row.html", values, False, "/x")
    assert fragments.ROWS == {} and 'href="/x"' in row and "Айбек" in row


@pytest.mark.parametrize("query", ["", "?lang=ru&page=3", "?status=submitted&sort=name", "?q=%20"])
def test_the_filter_an_application_page_carries_is_the_lists_own(app, db, query):
    """The application's page takes the blank filter worked out once when its address names
    no filter, and the list's filter form otherwise: the same filters and links either way."""
    from portal.camps.manage.applications import carried_filter
    from portal.camps.manage.applications import list_filter

    camp = CampFactory()
    with app.test_request_context(f"/manage/applications/1{query}"):
        form = list_filter(camp)
        assert carried_filter(camp) == (form.filters(), form.query_args())
