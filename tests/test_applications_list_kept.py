"""A camp's applications list, kept rendered per worker under the camp's version
(camps/manage/applications.py, camps/versions.py): served again without its statements, never
stale after any change to what it shows, holding no CSRF token, and never kept when the filter
has errors or the transaction has changed the camp."""

import pytest

from portal import fragments
from portal.accounts import privacy
from portal.camps import services
from portal.camps import versions
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import GuardianConsent
from portal.extensions import utcnow
from portal.security import Role
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.factories import minor
from tests.helpers import without_tokens


@pytest.fixture
def camp_list(db, login_as):
    """A camp with an adult's application and a minor's with a guardian's consent, and an
    organiser signed in."""
    camp = CampFactory(capacity=3)
    adult = ApplicationFactory(camp=camp, applicant=UserFactory(full_name="Азамат Адилов"))
    young = ApplicationFactory(camp=camp, applicant=minor(full_name="Бегимай Бекова"))
    consent = GuardianConsentFactory(application=young)
    organiser = login_as(Role.ORGANISER)
    db.session.commit()
    return camp, adult, young, consent, organiser


def listed(client, camp, query="") -> str:
    response = client.get(f"/manage/camps/{camp.id}/applications?lang=en{query}")
    assert response.status_code == 200
    return response.text


def drawn_afresh(client, camp, query="") -> str:
    """The list as a worker that kept nothing draws it (what was kept is put back after)."""
    pages = dict(fragments.PAGES)
    fragments.PAGES.clear()
    try:
        return listed(client, camp, query)
    finally:
        fragments.PAGES.update(pages)


def test_the_list_is_kept_and_served_again_with_fewer_statements(client, camp_list, count_queries):
    camp, *_rest = camp_list
    with count_queries() as first:
        drawn = listed(client, camp)
    with count_queries() as again:
        served = listed(client, camp)
    assert without_tokens(served) == without_tokens(drawn)
    assert "Азамат Адилов" in served and "Бегимай Бекова" in served
    assert len(fragments.PAGES) == 1
    # The user, the camp, its places taken (the decisions offered) and the camp's version.
    assert again.total < first.total
    assert again.total <= 5


def test_the_kept_list_holds_no_token_and_each_reader_gets_their_own(client, camp_list):
    camp, *_rest = camp_list
    first = bulk_token(listed(client, camp))
    [html] = fragments.PAGES.values()
    assert 'name="csrf_token"' not in html and fragments.CSRF in html
    with client.session_transaction() as session:
        session.pop("csrf_token", None)  # another browser's session: another token
    assert bulk_token(listed(client, camp)) != first


def bulk_token(page: str) -> str:
    """The CSRF token of the list's bulk decision form."""
    form = page.split('class="bulk-form">', 1)[1]
    return form.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]


def _decided(camp, adult, young, consent, organiser):
    services.decide(adult, S.WAITLISTED, reason="Balance", by=organiser)


def _consent_withdrawn(camp, adult, young, consent, organiser):
    consent.withdrawn_at = utcnow()


def _consent_removed(camp, adult, young, consent, organiser):
    from portal.extensions import db

    db.session.delete(consent)


def _consent_recorded(camp, adult, young, consent, organiser):
    other = ApplicationFactory(camp=camp, applicant=minor(full_name="Динара Даирова"))
    GuardianConsentFactory(application=other)


def _renamed(camp, adult, young, consent, organiser):
    adult.applicant.full_name = "Азамат Жаңы"


def _erased(camp, adult, young, consent, organiser):
    privacy.erase(adult.applicant, by=organiser)


def _moved(camp, adult, young, consent, organiser):
    adult.applicant.region_code = "KG-B"


def _scored(camp, adult, young, consent, organiser):
    adult.score = 4


def _retitled(camp, adult, young, consent, organiser):
    camp.title = {"en": "Camp of friends", "ky": "Достор лагери", "ru": "Лагерь друзей"}


def _fewer_places(camp, adult, young, consent, organiser):
    services.decide(adult, S.ACCEPTED, reason="", by=organiser)
    camp.capacity = 1  # full: "accept" is no longer offered


def _new_application(camp, adult, young, consent, organiser):
    ApplicationFactory(camp=camp, applicant=UserFactory(full_name="Эрмек Эсенов"))


@pytest.mark.parametrize(
    "change",
    [_decided, _consent_withdrawn, _consent_removed, _consent_recorded, _renamed, _erased,
     _moved, _scored, _retitled, _fewer_places, _new_application],
)  # fmt: skip
@pytest.mark.parametrize("query", ["", "&sort=name", "&consent=missing", "&q=%D0%B0%D0%B7"])
def test_no_change_to_what_the_list_shows_leaves_it_stale(client, db, camp_list, change, query):
    camp, *_rest = camp_list
    before = listed(client, camp, query)
    change(*camp_list)
    db.session.commit()
    served = listed(client, camp, query)
    assert without_tokens(served) == without_tokens(drawn_afresh(client, camp, query))
    if query in ("", "&sort=name"):  # the whole list: every change shows
        assert without_tokens(served) != without_tokens(before)


def test_a_consent_moves_its_camps_version_alone(db, camp_list):
    camp, _adult, young, consent, _organiser = camp_list
    other = CampFactory()
    db.session.commit()
    mine, theirs = versions.version_of(camp.id), versions.version_of(other.id)
    db.session.commit()
    consent.note = "Called the father too."
    db.session.commit()
    assert (versions.version_of(camp.id), versions.version_of(other.id)) == (mine + 1, theirs)
    db.session.delete(db.session.get(GuardianConsent, consent.id))
    db.session.commit()
    assert versions.version_of(camp.id) == mine + 2


def test_a_filter_with_errors_is_drawn_and_not_kept(client, camp_list):
    camp, *_rest = camp_list
    response = client.get(f"/manage/camps/{camp.id}/applications?status=nonsense&lang=en")
    assert response.status_code == 400
    assert not fragments.PAGES


def test_a_refused_bulk_decision_draws_the_list_afresh(client, camp_list):
    camp, adult, *_rest = camp_list
    listed(client, camp)
    token = bulk_token(listed(client, camp))
    response = client.post(
        f"/manage/camps/{camp.id}/applications/decide?lang=en",
        data={"csrf_token": token, "decision": "waitlisted", "applications": []},
    )
    assert response.status_code == 400
    assert "Tick at least one application." in response.text
    assert len(fragments.PAGES) == 1  # the GET's page alone


def test_a_page_is_kept_per_language_and_arguments(client, camp_list):
    camp, *_rest = camp_list
    listed(client, camp)
    listed(client, camp, "&sort=name")
    client.get(f"/manage/camps/{camp.id}/applications?lang=ru")
    assert len(fragments.PAGES) == 3
    assert db_free_keys(fragments.PAGES) == {"applications"}


def db_free_keys(pages) -> set[str]:
    return {key[0] for key in pages}
