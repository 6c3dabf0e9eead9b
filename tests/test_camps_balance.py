"""Cohort balance: the cohort against the pool and targets, and a seeded, explained suggestion."""

import re
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from portal.camps import balance
from portal.camps import selection
from portal.camps.models import Application
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationStatus as S
from portal.i18n import local_today
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.factories import minor


def applicant(camp, *, region="KG-O", gender="female", score=3, status=S.SUBMITTED, **extra):
    person = UserFactory(region_code=region, district_code=None, gender=gender)
    return ApplicationFactory(camp=camp, applicant=person, score=score, status=status, **extra)


def rows(result, dimension):
    return {row.value: (row.cohort, row.pool) for row in result.tables[dimension]}


def test_cohort_and_pool_side_by_side(db):
    camp = CampFactory(capacity=10, targets={"gender": {"female": [40, 60]}})
    applicant(camp, status=S.ACCEPTED)
    applicant(camp, gender="male", status=S.CONFIRMED)
    applicant(camp, region="KG-B")
    ApplicationFactory(camp=camp, status=S.DRAFT)
    result = balance.balance_of(camp)
    assert (result.cohort_size, result.pool_size) == (2, 3)
    assert rows(result, "region") == {"KG-O": (2, 2), "KG-B": (0, 1)}
    female = next(r for r in result.tables["gender"] if r.value == "female")
    assert (female.cohort_share, female.target, female.on_target) == (50, (40, 60), True)


def closed_camp(**extra):
    return CampFactory(applications_close=local_today() - timedelta(days=1), **extra)


def test_ethnicity_counts_everyone_who_applied_and_hides_groups_under_ten(db):
    camp = closed_camp(capacity=50)
    for number, status in enumerate([S.ACCEPTED] * 3 + [S.REJECTED] * 2 + [S.SUBMITTED] * 7):
        application = applicant(camp, status=status if number else S.WITHDRAWN)
        db.session.add(ApplicationEthnicity(application_id=application.id, group="uzbek"))
    for _ in range(4):
        application = applicant(camp)
        db.session.add(ApplicationEthnicity(application_id=application.id, group="kyrgyz"))
    ApplicationFactory(camp=camp, status=S.DRAFT, submitted_at=None)
    db.session.commit()
    # 12 Uzbek applicants (whatever the decision) shown as 10; the 4 Kyrgyz not listed.
    with force_locale("en"):
        shown = [(label, cell.shown()) for label, cell, _target in balance.ethnicity_table(camp)]
    assert shown == [("Uzbek", "10")]


def test_no_ethnicity_while_applications_are_open(db):
    camp = CampFactory()
    for _ in range(12):
        application = applicant(camp)
        db.session.add(ApplicationEthnicity(application_id=application.id, group="uzbek"))
    db.session.commit()
    assert balance.ethnicity_table(camp) == []


def test_balance_page_hides_small_ethnicity_groups(client, login_as, db):
    login_as("organiser")
    camp = closed_camp()
    for group, number in (("tatar", 3), ("uzbek", 11)):
        for _ in range(number):
            application = applicant(camp)
            db.session.add(ApplicationEthnicity(application_id=application.id, group=group))
    db.session.commit()
    page = client.get(f"/manage/camps/{camp.id}/balance?lang=en").text
    figures = page.split("<caption>Self-described ethnicity")[1].split("</table>")[0]
    assert "Uzbek" in figures and ">10<" in figures
    assert "Tatar" not in figures and ">3<" not in figures


def test_suggestion_meets_the_minimum_then_takes_the_best_scores(db):
    camp = CampFactory(capacity=4, targets={"region": {"KG-B": [50, 100]}})
    osh = [applicant(camp, score=5) for _ in range(4)]
    batken = [applicant(camp, region="KG-B", score=s) for s in (2, 3, 1)]
    with force_locale("en"):
        suggestion = selection.suggest(camp, seed=7)
    chosen = [choice.application for choice in suggestion.chosen]
    assert len(chosen) == 4
    assert sum(a.applicant.region_code == "KG-B" for a in chosen) == 2
    assert batken[1] in chosen and batken[0] in chosen and batken[2] not in chosen
    assert "helps reach the minimum" in suggestion.chosen[0].reason
    assert "best score" in suggestion.chosen[-1].reason
    assert sum(a in chosen for a in osh) == 2


def test_suggestion_respects_maximums(db):
    camp = CampFactory(capacity=4, targets={"gender": {"male": [0, 50]}})
    for _ in range(4):
        applicant(camp, gender="male", score=5)
    applicant(camp, gender="female", score=1)
    with force_locale("en"):
        suggestion = selection.suggest(camp, seed=1)
    genders = sorted(c.application.applicant.gender.value for c in suggestion.chosen)
    # Two men of three would be 67%: the proposal used to take them, above its own maximum.
    assert genders == ["female", "male"]
    assert suggestion.empty_reasons == [
        "2 places are left empty: taking more applicants would put Male above 50%."
    ]


def test_suggestion_is_reproducible_and_changes_nothing(db):
    camp = CampFactory(capacity=3)
    for _ in range(8):
        applicant(camp, score=4)
    first = [c.application.id for c in selection.suggest(camp, seed=42).chosen]
    again = [c.application.id for c in selection.suggest(camp, seed=42).chosen]
    other = [c.application.id for c in selection.suggest(camp, seed=43).chosen]
    assert first == again
    assert first != other
    accepted = db.session.scalar(
        sa.select(sa.func.count()).select_from(Application).where(Application.status == S.ACCEPTED)
    )
    assert accepted == 0


def test_suggestion_skips_unscored_and_minors_without_consent_and_says_so(db):
    camp = CampFactory(capacity=5)
    applicant(camp, score=None)
    ApplicationFactory(camp=camp, applicant=minor(full_name="Жаш"), score=5)
    keeper = applicant(camp, score=2)
    with force_locale("en"):
        suggestion = selection.suggest(camp, seed=1)
    assert [c.application for c in suggestion.chosen] == [keeper]
    assert any("no score yet" in note for note in suggestion.notes)
    assert any("Жаш" in note for note in suggestion.notes)


def test_organiser_accepts_the_suggestion_in_one_click(client, login_as, db):
    login_as("organiser")
    camp = CampFactory(capacity=2)
    for score in (5, 4, 1):
        applicant(camp, score=score)
    page = client.get(f"/manage/camps/{camp.id}/balance?suggest=1&seed=1&lang=en").text
    ids = [int(v) for v in re.findall(r'name="applications" value="(\d+)"', page)]
    assert len(ids) == 2
    client.post(
        f"/manage/camps/{camp.id}/applications/decide",
        data={"applications": ids, "decision": "accepted"},
    )
    statuses = db.session.scalars(
        sa.select(Application.status).where(Application.id.in_(ids))
    ).all()
    assert statuses == [S.ACCEPTED, S.ACCEPTED]


def test_targets_are_saved_and_checked(client, login_as, db):
    login_as("organiser")
    camp = CampFactory(eligible_regions=["KG-O", "KG-B"])
    data = {"t_region_KG_O_min": "25", "t_region_KG_O_max": "40", "t_gender_female_min": "40"}
    assert client.post(f"/manage/camps/{camp.id}/targets", data=data).status_code == 302
    db.session.refresh(camp)
    assert camp.targets == {"region": {"KG-O": [25, 40]}, "gender": {"female": [40, 100]}}
    bad = client.post(
        f"/manage/camps/{camp.id}/targets?lang=en",
        data={"t_gender_male_min": "70", "t_gender_male_max": "20"},
    )
    assert bad.status_code == 400
    assert "The maximum cannot be below the minimum." in bad.text


def test_the_blank_targets_form_is_kept_and_follows_saved_targets_and_the_pool(
    client, login_as, db, monkeypatch
):
    from portal import fragments

    monkeypatch.setattr(fragments, "KEPT", {})
    login_as("organiser")
    camp = CampFactory(eligible_regions=["KG-O", "KG-B"])
    applicant(camp, region="KG-O")
    db.session.commit()
    page = f"/manage/camps/{camp.id}/balance?lang=en"

    def field(html: str, name: str) -> str:
        return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)

    def kept_forms() -> int:
        return sum(1 for key in fragments.KEPT if key[0] == "targets")

    first, second = client.get(page).text, client.get(page).text
    assert kept_forms() == 1  # the second view took the kept form
    tokens = [re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
              for html in (first, second)]  # fmt: skip
    assert all(tokens) and "fragment:csrf" not in first + second
    assert 'value=""' in field(first, "t_region_KG_O_min")
    data = {"t_region_KG_O_min": "25", "t_region_KG_O_max": "40"}
    assert client.post(f"/manage/camps/{camp.id}/targets", data=data).status_code == 302
    saved = client.get(page).text
    assert 'value="25"' in field(saved, "t_region_KG_O_min") and kept_forms() == 2
    person = UserFactory(region_code="KG-B", district_code="KG-B-LEILEK")
    ApplicationFactory(camp=camp, applicant=person, status=S.SUBMITTED)  # a district joins
    db.session.commit()
    assert "t_district_KG_B_LEILEK_min" in client.get(page).text
    bad = client.post(f"/manage/camps/{camp.id}/targets?lang=en", data={"t_region_KG_O_min": "x"})
    assert bad.status_code == 400 and 'value="x"' in field(bad.text, "t_region_KG_O_min")


def test_counts_by_the_database_equal_counts_of_loaded_applications(db):
    """The page counts in SQL (a camp may have 20,000 applicants); the suggestion counts loaded
    rows. Both must agree on every dimension, including unknown values and age edges."""
    from tests.helpers import years_ago

    camp = CampFactory()
    start = camp.start_date
    people = [
        UserFactory(region_code="KG-B", district_code="KG-B-LEILEK", gender="female",
                    date_of_birth=start.replace(year=start.year - 16)),  # 16 on the first day
        UserFactory(region_code="KG-J", district_code=None, gender=None,
                    date_of_birth=start.replace(year=start.year - 18)),  # turns 18 that day
        UserFactory(gender="male", date_of_birth=years_ago(30)),
        UserFactory(region_code=None, district_code=None, date_of_birth=None),
        minor(gender="female"),
    ]  # fmt: skip
    statuses = [S.ACCEPTED, S.SUBMITTED, S.CONFIRMED, S.WAITLISTED, S.ATTENDED]
    languages = [["ky", "ru"], ["uz_Cyrl"], [], ["ru"], ["ky"]]
    for person, status, spoken in zip(people, statuses, languages, strict=True):
        ApplicationFactory(camp=camp, applicant=person, status=status, spoken_languages=spoken)
    ApplicationFactory(camp=camp, status=S.REJECTED)  # outside the pool
    in_sql = balance.balance_of(camp)
    loaded = balance.balance_of(camp, balance.pool_of(camp))
    assert (
        (in_sql.cohort_size, in_sql.pool_size) == (loaded.cohort_size, loaded.pool_size) == (3, 5)
    )
    assert in_sql.tables == loaded.tables
    ages = {row.value: row.pool for row in in_sql.tables["age_band"]}
    assert ages == {"16-17": 2, "18-21": 1, "26+": 1, "?": 1}


def ethnicity_figures(page: str) -> str:
    return page.split("<caption>Self-described ethnicity")[1].split("</table>")[0]


def test_one_decision_never_changes_the_ethnicity_figures(client, login_as, db):
    """The organiser decides named applicants one by one: if a figure moved with one decision,
    it would tell that applicant's answer."""
    login_as("organiser")
    camp = closed_camp(capacity=50)
    uzbek = []
    for number in range(14):
        application = applicant(camp, status=S.ACCEPTED if number < 9 else S.SUBMITTED)
        db.session.add(ApplicationEthnicity(application_id=application.id, group="uzbek"))
        uzbek.append(application)
    for _ in range(11):
        application = applicant(camp)
        db.session.add(ApplicationEthnicity(application_id=application.id, group="kyrgyz"))
    db.session.commit()
    before = ethnicity_figures(client.get(f"/manage/camps/{camp.id}/balance?lang=en").text)
    for decision in ("accepted", "rejected"):
        target = uzbek[-1] if decision == "accepted" else uzbek[-2]
        client.post(
            f"/manage/applications/{target.id}/decide",
            data={"decision": decision, "reason": "Места закончились."},
        )
        db.session.refresh(target)
        assert target.status.value == decision
        after = ethnicity_figures(client.get(f"/manage/camps/{camp.id}/balance?lang=en").text)
        assert after == before, decision


def test_the_cohort_now_is_kept_and_follows_decisions_targets_language_and_the_closing_day(
    client, login_as, db, monkeypatch
):
    """The tables of the cohort now are rendered once per camp, language, counts, targets and
    closing state (portal/fragments.py): each of those changes shows at once."""
    from portal import fragments

    monkeypatch.setattr(fragments, "KEPT", {})
    login_as("organiser")
    camp = CampFactory(capacity=50, eligible_regions=["KG-O", "KG-B"])
    waiting = [applicant(camp, region="KG-O") for _ in range(12)]
    for application in waiting:
        db.session.add(ApplicationEthnicity(application_id=application.id, group="uzbek"))
    db.session.commit()
    page = f"/manage/camps/{camp.id}/balance"

    def now(query: str = "lang=en") -> str:
        html = client.get(f"{page}?{query}").text
        return html.split('id="now-title"')[1].split('id="targets-title"')[0]

    def kept_tables() -> int:
        return sum(1 for key in fragments.KEPT if key[0] == "balance")

    def osh_row(html: str) -> str:
        return re.search(r'<tr><th scope="row">[^<]*Osh[^<]*</th>.*?</tr>', html, re.S).group(0)

    first = now()
    assert now() == first and kept_tables() == 1  # the second view took the kept tables
    assert "<td>0</td><td>0</td><td>12</td>" in osh_row(first)
    assert "Self-described ethnicity" not in first  # applications are still open
    client.post(
        f"/manage/applications/{waiting[0].id}/decide",
        data={"decision": "accepted", "reason": ""},
    )
    accepted = now()
    assert "<td>1</td><td>100</td><td>12</td>" in osh_row(accepted) and kept_tables() == 2
    data = {"t_region_KG_O_min": "25", "t_region_KG_O_max": "40"}
    assert client.post(f"/manage/camps/{camp.id}/targets", data=data).status_code == 302
    assert "off target" in osh_row(now()) and kept_tables() == 3
    assert '<th scope="col">Принято</th>' in now("lang=ru")
    assert kept_tables() == 4
    camp.applications_open = local_today() - timedelta(days=30)
    camp.applications_close = local_today() - timedelta(days=1)  # by hand: no version bump
    db.session.commit()
    assert "Self-described ethnicity" in now()
