"""Shared caches (issue "Architecture", move 8): several app servers, one database, and a cache
that is Redis, one per server, or gone; figures are never older than the database says."""

import re
import time
from contextlib import contextmanager
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

import portal.extensions
from portal import caching
from portal.camps.models import ApplicationEthnicity
from portal.camps.models import ApplicationStatus as S
from portal.camps.versions import version_name
from portal.extensions import cache
from portal.i18n import local_today
from portal.security import Role
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.helpers import REDIS_URL
from tests.helpers import closed_port
from tests.helpers import redis_keys
from tests.helpers import signed_in

ACCEPTED = re.compile(r"Accepted: (\d+) of (\d+) places\. Applicants in the pool: (\d+)\.")


def accepted_on(client, camp) -> tuple[int, int]:
    """(accepted, pool) as the balance page shows them."""
    page = client.get(f"/manage/camps/{camp.id}/balance?lang=en")
    assert page.status_code == 200
    found = ACCEPTED.search(page.text)
    return int(found.group(1)), int(found.group(3))


def cohort_now(client, camp) -> str:
    """The "cohort now" tables of the balance page (not the targets form below them)."""
    page = client.get(f"/manage/camps/{camp.id}/balance?lang=en").text
    return page.split('id="now-title"')[1].split('id="targets-title"')[0]


def accept(client, application):
    response = client.post(
        f"/manage/applications/{application.id}/decide", data={"decision": "accepted"}
    )
    assert response.status_code == 302, response.text


def camp_with_applicants(count=6, accepted=5):
    """A camp whose first applications wait for a decision (and were not the last to change)."""
    camp = CampFactory(capacity=20)
    applications = [
        ApplicationFactory(
            camp=camp, status=S.ACCEPTED if number >= count - accepted else S.SUBMITTED
        )
        for number in range(count)
    ]
    return camp, applications


@contextmanager
def clock_behind(monkeypatch, minutes):
    """This server's clock, which stamps the rows it writes, `minutes` behind.

    (time.time stays: signed cookies from a server ahead of this one would be refused, which
    is a matter for the servers' NTP, not for caches.)
    """

    class Skewed(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) - timedelta(minutes=minutes)

    with monkeypatch.context() as patch:
        patch.setattr(portal.extensions, "datetime", Skewed)
        yield


def test_two_servers_sharing_redis_see_an_acceptance_at_once(start_server, redis_prefix, db):
    settings = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL,
                "CACHE_KEY_PREFIX": redis_prefix}  # fmt: skip
    server_a, server_b = start_server(**settings), start_server(**settings)
    organiser = UserFactory(roles={Role.ORGANISER})
    on_a, on_b = signed_in(server_a, organiser), signed_in(server_b, organiser)
    camp, applications = camp_with_applicants()
    assert accepted_on(on_b, camp) == (5, 6)
    assert [key for key in redis_keys(redis_prefix) if f"camp:{camp.id}@" in key]  # kept there
    accept(on_a, applications[0])
    assert accepted_on(on_b, camp) == (6, 6)
    assert accepted_on(on_a, camp) == (6, 6)


def test_the_figures_of_a_version_that_changed_are_deleted_from_redis(
    start_server, redis_prefix, db
):
    server = start_server(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_URL,
                          CACHE_KEY_PREFIX=redis_prefix)  # fmt: skip
    client = signed_in(server, UserFactory(roles={Role.ORGANISER}))
    camp, applications = camp_with_applicants()
    accepted_on(client, camp)
    kept = [key for key in redis_keys(redis_prefix) if f"camp:{camp.id}@" in key]
    assert len(kept) == 1
    accept(client, applications[0])
    assert kept[0] not in redis_keys(redis_prefix)


def test_two_servers_with_a_cache_each_agree_because_the_version_is_in_the_database(
    start_server, db
):
    server_a = start_server(CACHE_TYPE="SimpleCache")
    server_b = start_server(CACHE_TYPE="SimpleCache")
    organiser = UserFactory(roles={Role.ORGANISER})
    on_a, on_b = signed_in(server_a, organiser), signed_in(server_b, organiser)
    camp, applications = camp_with_applicants()
    assert accepted_on(on_b, camp) == (5, 6)
    accept(on_a, applications[0])
    assert accepted_on(on_b, camp) == (6, 6)


@pytest.mark.parametrize("cache_type", ["SimpleCache", "RedisCache"])
def test_a_server_whose_clock_is_minutes_behind_still_changes_everyones_balance(
    start_server, redis_prefix, db, monkeypatch, cache_type
):
    settings = {"CACHE_TYPE": cache_type, "CACHE_REDIS_URL": REDIS_URL,
                "CACHE_KEY_PREFIX": redis_prefix}  # fmt: skip
    server_a, server_b = start_server(**settings), start_server(**settings)
    organiser = UserFactory(roles={Role.ORGANISER})
    on_a, on_b = signed_in(server_a, organiser), signed_in(server_b, organiser)
    camp, applications = camp_with_applicants()
    assert accepted_on(on_b, camp) == (5, 6)
    with clock_behind(monkeypatch, minutes=4):
        accept(on_a, applications[0])
        assert accepted_on(on_a, camp) == (6, 6)
    assert accepted_on(on_b, camp) == (6, 6)


def test_an_applicant_who_moves_region_moves_in_the_balance_at_once(start_server, db):
    server = start_server(CACHE_TYPE="SimpleCache")
    client = signed_in(server, UserFactory(roles={Role.ORGANISER}))
    camp = CampFactory()
    person = UserFactory(region_code="KG-O", district_code=None)
    ApplicationFactory(camp=camp, applicant=person, status=S.ACCEPTED)
    assert "Batken" not in cohort_now(client, camp) and "Osh region" in cohort_now(client, camp)
    person.region_code = "KG-B"
    db.session.commit()
    assert "Batken" in cohort_now(client, camp) and "Osh region" not in cohort_now(client, camp)


def test_with_redis_down_pages_are_computed_and_never_fail(start_server, db):
    server = start_server(CACHE_TYPE="RedisCache",
                          CACHE_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")  # fmt: skip
    client = signed_in(server, UserFactory(roles={Role.ORGANISER}))
    camp, applications = camp_with_applicants()
    assert accepted_on(client, camp) == (5, 6)
    accept(client, applications[0])
    assert accepted_on(client, camp) == (6, 6)
    assert client.get("/reports?lang=en").status_code == 200
    assert server.test_client().get("/at-a-glance?lang=en").status_code == 200


def test_a_kept_balance_costs_fewer_queries_and_does_not_grow_with_applicants(
    start_server, db, count_queries
):
    server = start_server(CACHE_TYPE="SimpleCache")
    client = signed_in(server, UserFactory(roles={Role.ORGANISER}))
    camp, _applications = camp_with_applicants()
    with count_queries() as first:
        accepted_on(client, camp)
    with count_queries() as kept:
        accepted_on(client, camp)
    assert kept.total < first.total
    for _ in range(30):
        ApplicationFactory(camp=camp)
    accepted_on(client, camp)
    with count_queries() as more:
        assert accepted_on(client, camp) == (5, 36)
    assert more.total == kept.total


def test_a_failing_cache_is_left_alone_for_a_while_then_tried_again(start_server, db, monkeypatch):
    server = start_server(CACHE_TYPE="RedisCache", CACHE_RETRY_SECONDS=30,
                          CACHE_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")  # fmt: skip
    backend = server.extensions["cache"][cache]
    tried = []
    real_get, real_monotonic = backend.get, time.monotonic
    monkeypatch.setattr(backend, "get", lambda key: tried.append(key) or real_get(key))
    with server.app_context():
        assert caching.remember("figures", lambda: 1) == 1
        assert caching.remember("figures", lambda: 2) == 2  # computed, Redis not asked again
        assert len(tried) == 1
        monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + 31)
        assert caching.remember("figures", lambda: 3) == 3
        assert len(tried) == 2


def test_only_committed_changes_move_a_camps_version(db):
    camp, applications = camp_with_applicants()
    name = version_name(camp.id)
    before = caching.version_of(name)
    applications[0].score = 4
    db.session.flush()
    db.session.rollback()
    assert caching.version_of(name) == before
    applications[0].score = 4
    db.session.commit()
    assert caching.version_of(name) == before + 1
    ApplicationFactory(camp=CampFactory())
    db.session.commit()
    assert caching.version_of(name) == before + 1


def test_a_missing_value_is_computed_once_while_others_wait(start_server, db, redis_prefix):
    """Cold figures: two servers find the value missing at once; the second waits for the
    first one's value instead of computing the same figures again."""
    import threading

    settings = dict(
        CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=redis_prefix
    )
    server_a, server_b = start_server(**settings), start_server(**settings)
    computed, started = [], threading.Event()

    def slow_figures():
        computed.append("a")
        started.set()
        time.sleep(0.5)
        return {"people": 40}

    def on_server_a():
        with server_a.app_context():
            caching.remember("figures", slow_figures)

    first = threading.Thread(target=on_server_a)
    first.start()
    assert started.wait(5)
    with server_b.app_context():
        assert caching.remember("figures", lambda: computed.append("b") or {"people": 0}) == {
            "people": 40
        }
    first.join()
    assert computed == ["a"]
    assert "computing:figures" not in redis_keys(redis_prefix)


def test_a_waiter_computes_itself_when_the_claim_is_never_kept(
    start_server, db, redis_prefix, monkeypatch
):
    settings = dict(
        CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=redis_prefix
    )
    server = start_server(**settings)
    monkeypatch.setattr(caching, "COMPUTE_WAIT_SECONDS", 0.3)
    with server.app_context():
        cache.add("computing:figures", 1)  # a worker that died while computing
        started = time.monotonic()
        assert caching.remember("figures", lambda: 7) == 7
        assert 0.3 <= time.monotonic() - started < 2
        assert caching.remember("figures", lambda: 8) == 7  # kept for the next one


def ethnicity_on(client, camp) -> str:
    """The balance page's ethnicity table (everyone who applied)."""
    page = client.get(f"/manage/camps/{camp.id}/balance?lang=en").text
    return page.split("<caption>Self-described ethnicity")[1].split("</table>")[0]


def test_the_ethnicity_counts_are_kept_with_the_balance_until_an_answer_changes(start_server, db):
    server = start_server(CACHE_TYPE="SimpleCache")
    client = signed_in(server, UserFactory(roles={Role.ORGANISER}))
    camp = CampFactory(applications_close=local_today() - timedelta(days=2))
    answered = [ApplicationFactory(camp=camp) for _ in range(12)]
    silent = [ApplicationFactory(camp=camp) for _ in range(6)]
    for application in answered:
        db.session.add(ApplicationEthnicity(application_id=application.id, group="uzbek"))
    db.session.commit()
    assert ">10<" in ethnicity_on(client, camp)  # 12, published as 10
    # Answers written by hand (no version bump): the kept counts are shown, not counted again.
    db.session.execute(
        sa.insert(ApplicationEthnicity),
        [{"application_id": a.id, "group": "uzbek"} for a in silent[:4]],
    )
    db.session.commit()
    assert ">10<" in ethnicity_on(client, camp)
    # An answer added through the ORM moves the camp's version: all 17 are counted, shown as 15.
    db.session.add(ApplicationEthnicity(application_id=silent[4].id, group="uzbek"))
    db.session.commit()
    assert ">15<" in ethnicity_on(client, camp)


def test_an_ethnicity_answer_removed_moves_the_camps_version(db):
    camp = CampFactory()
    application = ApplicationFactory(camp=camp)
    answer = ApplicationEthnicity(application_id=application.id, group="uzbek")
    db.session.add(answer)
    db.session.commit()
    before = caching.version_of(version_name(camp.id))
    db.session.delete(answer)
    db.session.commit()
    assert caching.version_of(version_name(camp.id)) == before + 1


FOUND = re.compile(r"(\d+) applications? found\.")


def found_on(client, camp, query="") -> int:
    """The count the applications list shows for the filter in `query`."""
    page = client.get(f"/manage/camps/{camp.id}/applications?lang=en{query}")
    assert page.status_code == 200
    return int(FOUND.search(page.text).group(1))


def accept_offered(client, application) -> bool:
    """Whether the application's page offers acceptance (there are places free)."""
    page = client.get(f"/manage/applications/{application.id}?lang=en").text
    return 'value="accepted"' in page


@pytest.mark.parametrize("cache_type", ["SimpleCache", "RedisCache"])
def test_two_servers_agree_on_the_lists_count_and_free_places_the_moment_one_decides(
    start_server, redis_prefix, db, cache_type
):
    """The applications list's count and the free places are kept under the camp's version:
    a decision on one server changes both on the other at once, whatever each has kept."""
    settings = {"CACHE_TYPE": cache_type, "CACHE_REDIS_URL": REDIS_URL,
                "CACHE_KEY_PREFIX": redis_prefix}  # fmt: skip
    server_a, server_b = start_server(**settings), start_server(**settings)
    organiser = UserFactory(roles={Role.ORGANISER})
    on_a, on_b = signed_in(server_a, organiser), signed_in(server_b, organiser)
    camp, applications = camp_with_applicants(count=6, accepted=5)
    camp.capacity = 6
    db.session.commit()
    assert found_on(on_b, camp, "&status=submitted") == 1
    assert found_on(on_b, camp, "&status=accepted") == 5
    assert accept_offered(on_b, applications[0])  # one place left
    if cache_type == "RedisCache":
        kept = [key for key in redis_keys(redis_prefix) if f"camp:{camp.id}@" in key]
        assert any(":review-count:status=submitted" in key for key in kept)
        assert any(key.endswith(":seats") for key in kept)
    accept(on_a, applications[0])
    assert found_on(on_b, camp, "&status=submitted") == 0
    assert found_on(on_b, camp, "&status=accepted") == 6
    assert not accept_offered(on_b, applications[1])  # the camp is full now
    ApplicationFactory(camp=camp)
    db.session.commit()
    assert found_on(on_b, camp) == 7


def test_a_name_search_is_counted_afresh_since_names_move_no_version(start_server, db):
    """A person's name is not in the camp's version: the list counts a search every time."""
    client = signed_in(start_server(CACHE_TYPE="SimpleCache"), UserFactory(roles={Role.ORGANISER}))
    camp = CampFactory()
    person = UserFactory(full_name="Айгүл Осмонова")
    ApplicationFactory(camp=camp, applicant=person)
    assert found_on(client, camp, "&q=Осмонова") == 1
    person.full_name = "Айгүл Садыкова"
    db.session.commit()
    assert found_on(client, camp, "&q=Осмонова") == 0
    assert found_on(client, camp, "&q=Садыкова") == 1


def test_a_figure_computed_inside_a_change_to_the_camp_is_neither_kept_nor_taken(start_server, db):
    """A transaction that has changed a camp sees its own changes: it computes the figure
    afresh and keeps nothing, so a rollback leaves no figure that never was."""
    from portal.camps.versions import kept_for_camp

    server = start_server(CACHE_TYPE="SimpleCache")
    camp, applications = camp_with_applicants(count=3, accepted=1)
    with server.app_context():
        seats = lambda: sum(a.status is S.ACCEPTED for a in camp_applications(camp))  # noqa: E731
        assert kept_for_camp(camp.id, "accepted", seats) == 1
        assert kept_for_camp(camp.id, "accepted", lambda: 99) == 1  # kept
        waiting = portal.extensions.db.session.merge(applications[0])  # this server's session
        waiting.status = S.ACCEPTED  # not flushed yet: the helper flushes it
        assert kept_for_camp(camp.id, "accepted", seats) == 2
        assert kept_for_camp(camp.id, "accepted", lambda: 99) == 99  # computed, not taken
        portal.extensions.db.session.rollback()
        assert kept_for_camp(camp.id, "accepted", lambda: 99) == 1  # nothing kept meanwhile


def camp_applications(camp):
    from portal.camps.models import Application

    return portal.extensions.db.session.scalars(
        sa.select(Application).where(Application.camp_id == camp.id)
    ).all()
