"""Figures kept warm (`flask reports warm`, portal/reports/warm.py): the public page and the
organisers' dashboard for this year are computed by a job before the kept ones expire, once
for every language, so that no page waits for them."""

import pytest

from portal import caching
from portal.extensions import cache
from portal.i18n import LANGUAGES
from portal.i18n import local_today
from portal.reports import aggregates
from portal.reports import figures as report_figures
from portal.reports import routes as report_routes
from portal.reports.warm import keep_warm
from portal.security import Role
from tests.factories import ApplicationFactory
from tests.factories import UserFactory
from tests.helpers import REDIS_URL
from tests.helpers import closed_port
from tests.helpers import redis_keys
from tests.helpers import signed_in

FIVE = '<p class="figure">5</p>'
TEN = '<p class="figure">10</p>'


@pytest.fixture
def counted(monkeypatch):
    """How many times the programme's people were counted (one cube per metric each time)."""
    calls = []
    cube = aggregates.cube

    def counting(scope, metric):
        calls.append((scope, metric))
        return cube(scope, metric)

    monkeypatch.setattr(aggregates, "cube", counting)
    return lambda: len(calls) / len(aggregates.METRICS)


@pytest.fixture
def warm_app(app, monkeypatch, kept_cache):
    monkeypatch.setitem(app.config, "REPORT_CACHE_SECONDS", 300)
    report_routes.GLANCE_PAGES.clear()
    yield app
    report_routes.GLANCE_PAGES.clear()


@pytest.fixture
def clock(monkeypatch):
    """The cache's stamps' clock, moved by the test (seconds from now)."""
    now = caching._now()
    moved = {"by": 0.0}
    monkeypatch.setattr(caching, "_now", lambda: now + moved["by"])
    return moved


def warm(app, ahead=120):
    """The job's run on `app` (test bodies run in another app's context)."""
    with app.app_context():
        return keep_warm(ahead=ahead)


def applicants(count):
    for _ in range(count):
        ApplicationFactory(applicant=UserFactory(gender="female"))


def everything(year):
    return [f"at a glance {year}"] + [f"dashboard {year} {language}" for language in LANGUAGES]


def test_the_job_counts_once_for_every_language_and_no_page_counts_again(
    warm_app, client, login_as, db, counted
):
    applicants(6)
    year = local_today().year
    assert warm(warm_app) == everything(year)
    assert counted() == 1  # the public page and five languages' dashboards from one count
    assert FIVE in client.get("/at-a-glance?lang=en").text
    login_as("organiser")
    for language in ("en", "ky", "ru", "uz", "uz-latn"):
        page = client.get(f"/reports?lang={language}")
        assert page.status_code == 200 and FIVE in page.text
    assert counted() == 1  # every page read the job's figures


def test_the_job_computes_again_only_what_expires_within_its_margin(
    warm_app, client, login_as, db, counted, clock
):
    applicants(6)
    year = local_today().year
    warm(warm_app)
    assert warm(warm_app) == []  # all fresh
    applicants(4)
    login_as("organiser")
    clock["by"] = 170  # the dashboard (kept 300 s) expires in 130 s: not yet due
    assert warm(warm_app) == []
    clock["by"] = 190  # now within 120 s of expiring; the public page (600 s) is not
    assert FIVE in client.get("/reports?lang=en").text  # the kept figures until the job's come
    assert warm(warm_app) == [f"dashboard {year} {language}" for language in LANGUAGES]
    assert TEN in client.get("/reports?lang=en").text
    assert FIVE in client.get("/at-a-glance?lang=en").text
    clock["by"] = 490  # the public page's turn (and the dashboard's again)
    assert warm(warm_app) == everything(year)
    assert counted() == 3
    report_routes.GLANCE_PAGES.clear()
    assert TEN in client.get("/at-a-glance?lang=en").text


def test_figures_a_page_has_just_computed_are_not_computed_again(
    warm_app, client, login_as, db, counted
):
    applicants(6)
    year = local_today().year
    login_as("organiser")
    assert FIVE in client.get("/reports?lang=ru").text
    computed = warm(warm_app)
    assert f"dashboard {year} ru" not in computed and len(computed) == len(LANGUAGES)


def test_a_figure_gone_from_the_cache_is_computed_though_its_stamp_is_fresh(warm_app, db):
    year = local_today().year
    warm(warm_app)
    with warm_app.app_context():
        cache.delete(report_figures.glance_key(year))
    assert warm(warm_app) == [f"at a glance {year}"]


def test_nothing_is_done_while_another_server_computes_the_figure(warm_app, db):
    year = local_today().year
    with warm_app.app_context():
        cache.add(f"computing:{report_figures.glance_key(year)}", 1)
    assert f"at a glance {year}" not in warm(warm_app)
    with warm_app.app_context():
        assert cache.get(report_figures.glance_key(year)) is None


def run_job(server):
    """`flask reports warm` on `server` (the CLI runs in the app context it finds)."""
    with server.app_context():
        return server.test_cli_runner().invoke(args=["reports", "warm"])


def test_the_job_on_one_server_warms_every_servers_pages_through_redis(
    start_server, redis_prefix, db, counted
):
    settings = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL,
                "CACHE_KEY_PREFIX": redis_prefix, "REPORT_CACHE_SECONDS": 300}  # fmt: skip
    chores, web = start_server(**settings), start_server(**settings)
    applicants(6)
    result = run_job(chores)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Computed at a glance") and "dashboard" in result.output
    assert f"reach:{local_today().year}-01-01:{local_today().year}-12-31:::ru" in redis_keys(
        redis_prefix
    )
    organiser = signed_in(web, UserFactory(roles={Role.ORGANISER}))
    assert FIVE in organiser.get("/reports?lang=ru").text
    assert FIVE in web.test_client().get("/at-a-glance?lang=en").text
    assert counted() == 1
    again = run_job(chores)
    assert again.exit_code == 0 and "nothing computed" in again.output


@pytest.mark.parametrize("cache_type", ["SimpleCache", "NullCache"])
def test_the_job_refuses_a_cache_no_page_would_read(start_server, db, counted, cache_type):
    server = start_server(CACHE_TYPE=cache_type, REPORT_CACHE_SECONDS=300)
    result = run_job(server)
    assert result.exit_code == 1
    assert "Set CACHE_REDIS_URL" in result.output and counted() == 0


def test_counted_once_keeps_counts_per_scope_and_only_inside_its_block(db, counted):
    this_year = report_figures.year_scope(local_today().year)
    other_region = report_figures.year_scope(local_today().year, region="KG08")
    with aggregates.counted_once():
        aggregates.breakdowns(this_year)
        aggregates.breakdowns(this_year)
        aggregates.breakdowns(other_region)
    assert counted() == 2
    aggregates.breakdowns(this_year)
    assert counted() == 3


def test_with_redis_down_the_job_computes_nothing_and_says_so(start_server, db, counted):
    server = start_server(CACHE_TYPE="RedisCache", REPORT_CACHE_SECONDS=300,
                          CACHE_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")  # fmt: skip
    result = run_job(server)
    assert result.exit_code == 1 and "not answering" in result.output
    assert counted() == 0  # figures nobody could read are not summed


def test_the_job_keeps_the_very_fragment_a_page_would_have_rendered(
    warm_app, client, login_as, db, kept_cache
):
    applicants(6)
    login_as("organiser")
    key = report_figures.figures_key(report_figures.year_scope(local_today().year))
    key = key.rsplit(":", 1)[0]
    pages = {}
    for language in LANGUAGES:
        client.get(f"/reports?lang={language.replace('_', '-').lower()}")
        pages[language] = kept_cache.get(f"{key}:{language}")[1]
    kept_cache.clear()
    warm(warm_app)
    for language in LANGUAGES:
        assert kept_cache.get(f"{key}:{language}")[1] == pages[language], language
    assert len(set(pages.values())) == len(LANGUAGES)  # each in its own language
