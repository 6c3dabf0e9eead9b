"""Performance budgets (issue 8): few queries whatever a list's length, pages that fit the
first round trip once compressed, static files cached for good, nothing from other hosts."""

import gzip
import os
import re
import time
from collections import Counter
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest

from portal import fragments
from portal.accounts.models import User
from portal.assets import lean
from portal.demo import seed
from portal.extensions import db as _db
from portal.groups.models import PlanStatus
from portal.security import Role
from tests import factories

MAX_QUERIES = 6


def _people(user, count):
    factories.UserFactory.create_batch(count)


def _audit(user, count):
    factories.AuditEventFactory.create_batch(count, actor_id=user.id)


def _notifications(user, count):
    factories.NotificationFactory.create_batch(count, user_id=user.id)


def _camps(user, count):
    factories.CampFactory.create_batch(count)


def _applications_of_one_camp(user, count):
    camp = _fixed_camp()
    factories.ApplicationFactory.create_batch(count, camp=camp)


def _my_applications(user, count):
    factories.ApplicationFactory.create_batch(count, applicant=user)


def _programmes(user, count):
    factories.ProgrammeFactory.create_batch(count)


def _enrolments_of_one_programme(user, count):
    factories.EnrolmentFactory.create_batch(count, programme=_fixed_programme())


def _ambassadors(user, count):
    factories.EnrolmentFactory.create_batch(count, programme=_fixed_programme())


def _my_training(user, count):
    factories.EnrolmentFactory.create_batch(count, person=user)


def _sessions_i_lead(user, count):
    factories.TrainingSessionFactory.create_batch(count, trainer=user)


def _my_groups(user, count):
    for _ in range(count):
        factories.YouthGroupFactory(members=[user])


def _plans(user, count):
    factories.ActionPlanFactory.create_batch(count, status=PlanStatus.SUBMITTED)


def _groups(user, count):
    factories.YouthGroupFactory.create_batch(count)


def _queue(user, count):
    for _ in range(count):
        group = factories.YouthGroupFactory(mentors=[user])
        factories.ActionPlanFactory(group=group, status=PlanStatus.SUBMITTED)


_fixed = {}


def _fixed_camp():
    if "camp" not in _fixed:
        _fixed["camp"] = factories.CampFactory()
    return _fixed["camp"]


def _fixed_programme():
    if "programme" not in _fixed:
        _fixed["programme"] = factories.ProgrammeFactory()
    return _fixed["programme"]


LIST_PAGES = {
    "/admin/users": (Role.ADMIN, _people),
    "/admin/audit": (Role.ADMIN, _audit),
    "/notifications": (Role.YOUTH, _notifications),
    "/manage/camps": (Role.ORGANISER, _camps),
    "/manage/camps/{camp}/applications": (Role.ORGANISER, _applications_of_one_camp),
    "/camps": (Role.YOUTH, _camps),
    "/applications": (Role.YOUTH, _my_applications),
    "/manage/programmes": (Role.ORGANISER, _programmes),
    "/manage/ambassadors": (Role.ORGANISER, _ambassadors),
    "/training": (Role.YOUTH, _my_training),
    "/training/sessions": (Role.MENTOR, _sessions_i_lead),
    "/groups": (Role.YOUTH, _my_groups),
    "/manage/plans": (Role.ORGANISER, _plans),
    "/manage/groups": (Role.ORGANISER, _groups),
    "/mentor/queue": (Role.MENTOR, _queue),
}


@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_pages_issue_the_same_few_queries_for_10_and_50_rows(
    path, app, client, login_as, count_queries, monkeypatch
):
    monkeypatch.setitem(app.config, "PER_PAGE", 50)
    _fixed.clear()
    role, add_rows = LIST_PAGES[path]
    user = login_as(role)
    url = path.format(
        camp=_fixed_camp().id if "{camp}" in path else 0,
        programme=_fixed_programme().id if "{programme}" in path else 0,
    )
    add_rows(user, 10)
    client.get(url)  # the first request of a process reads the reference data once
    fragments.PAGES.clear()  # both pages drawn, none kept (camps/manage/applications.py)
    with count_queries() as ten:
        response = client.get(url)
        assert response.status_code == 200
    add_rows(user, 40)
    fragments.PAGES.clear()
    with count_queries() as fifty:
        assert client.get(url).status_code == 200
    assert ten.total == fifty.total
    assert fifty.total <= MAX_QUERIES


#: Detail pages that hold a list: constant too, with a larger budget for their other sections.
DETAIL_PAGES = {
    "/manage/programmes/{programme}": (Role.ORGANISER, _enrolments_of_one_programme, 12),
    # The home's task lists: a mentor's queue (the other roles: tests/test_home_tasks.py).
    "/": (Role.MENTOR, _queue, 12),
}


@pytest.mark.parametrize("path", DETAIL_PAGES)
def test_detail_pages_with_lists_do_not_grow_queries(
    path, app, client, login_as, count_queries, monkeypatch
):
    monkeypatch.setitem(app.config, "PER_PAGE", 50)
    _fixed.clear()
    role, add_rows, budget = DETAIL_PAGES[path]
    user = login_as(role)
    url = path.format(programme=_fixed_programme().id)
    add_rows(user, 10)
    client.get(url)
    with count_queries() as ten:
        assert client.get(url).status_code == 200
    add_rows(user, 40)
    with count_queries() as fifty:
        assert client.get(url).status_code == 200
    assert ten.total == fifty.total <= budget


# -- page weight ------------------------------------------------------------------------------

HTML_BUDGET = 14_000  # gzip bytes: ten TCP segments, the first round trip
ASSET_BUDGET = 20_000  # gzip bytes of CSS and JS together
SKIP = re.compile(r"\.(pdf|csv|xlsx|json)$|/static/|/auth/logout")
LINK = re.compile(r'(?:href|src|action)="([^"#]*)')
STATIC = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"')
FOREIGN = re.compile(r'(?:href|src|action|srcset)="(?:https?:)?//|url\((?:["\']?)(?:https?:)?//')


#: Who the crawls sign in as (None: a visitor); each reaches the pages of its roles.
CRAWL_LOGINS = [
    None,
    "youth@demo.example.org",
    "youth2@demo.example.org",
    "mentor@demo.example.org",
    "organiser@demo.example.org",
    "admin@demo.example.org",
]


def crawl(client, limit_per_shape=2, limit=160, skip=SKIP):
    """GET every page reachable by links from home, at most `limit_per_shape` per URL shape
    (never a link matching `skip`)."""
    seen, shapes, queue, pages = set(), Counter(), ["/"], {}
    while queue and len(pages) < limit:
        url = queue.pop(0)
        shape = re.sub(r"\d+", "N", urlsplit(url).path)
        if url in seen or shapes[shape] >= limit_per_shape:
            continue
        seen.add(url)
        shapes[shape] += 1
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        body = response.get_data()
        pages[url] = (response, body)
        html = gzip.decompress(body).decode() if response.content_encoding == "gzip" else body
        for link in LINK.findall(str(html)):
            target = urljoin(url, link.replace("&amp;", "&"))
            if target.startswith("/") and not skip.search(target) and target not in seen:
                queue.append(target)
    return pages


def sign_in_as(client, email):
    user = _db.session.scalar(_db.select(User).where(User.email == email))
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["auth_at"] = session["seen"] = int(time.time())


@pytest.fixture
def demo(db, data_app):
    with data_app.test_request_context(method="POST"):
        seed()
        _db.session.commit()


@pytest.mark.parametrize(
    "email",
    [None, "youth@demo.example.org", "youth2@demo.example.org", "mentor@demo.example.org",
     "organiser@demo.example.org", "admin@demo.example.org"],
)  # fmt: skip
def test_every_reachable_page_fits_the_first_round_trip(client, demo, email):
    if email:
        sign_in_as(client, email)
    pages = crawl(client)
    assert len(pages) >= (3 if email is None else 8)
    too_heavy = {}
    assets = set()
    for url, (response, body) in pages.items():
        assert response.content_encoding == "gzip", url
        html = gzip.decompress(body).decode()
        if len(body) > HTML_BUDGET:
            too_heavy[url] = len(body)
        assert not FOREIGN.search(html), f"{url} refers to another host"
        assets.update(STATIC.findall(html))
    assert too_heavy == {}
    total = 0
    for asset in assets:
        response = client.get(asset, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and response.content_encoding == "gzip"
        total += len(response.get_data())
        assert not FOREIGN.search(gzip.decompress(response.get_data()).decode()), asset
    assert 0 < total <= ASSET_BUDGET


# -- compression and caching --------------------------------------------------------------------


def test_pages_are_compressed_only_for_clients_that_accept_it(client, db):
    plain = client.get("/auth/login")
    assert plain.content_encoding is None and b"<form" in plain.data
    zipped = client.get("/auth/login", headers={"Accept-Encoding": "gzip"})
    assert zipped.content_encoding == "gzip"
    assert b"<form" in gzip.decompress(zipped.data)
    assert len(zipped.data) < len(plain.data) / 2
    assert "Accept-Encoding" in zipped.headers["Vary"]


def test_static_files_have_content_hashes_and_far_future_caching(app, client, db):
    page = client.get("/auth/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/portal\.([0-9a-f]{10})\.css)"', page)
    assert css, "the stylesheet's name carries its content hash"
    response = client.get(css.group(1), headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.content_encoding == "gzip"
    with open(f"{app.static_folder}/css/portal.css", "rb") as file:
        assert gzip.decompress(response.data) == lean(file.read(), "css")
    again = client.get(css.group(1), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # The plain name still answers, but only briefly cached; a wrong hash or a path out answer 404.
    assert "immutable" not in client.get("/static/css/portal.css").headers["Cache-Control"]
    assert client.get("/static/css/portal.0000000000.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404


def test_a_changed_file_gets_a_new_name(app, db, tmp_path, monkeypatch):
    from portal.assets import Assets

    (tmp_path / "site.css").write_text("body{color:red}")
    assets = Assets(str(tmp_path))
    first = assets.get("site.css").hashed_name
    (tmp_path / "site.css").write_text("body{color:blue}")
    os.utime(tmp_path / "site.css", (1, 1))
    second = assets.get("site.css").hashed_name
    assert first != second and first.startswith("site.") and first.endswith(".css")
    assert assets.find(second)[0].body == b"body{color:blue}"


def test_all_css_and_js_together_stay_under_the_asset_budget(app):
    """Every stylesheet and script shipped (not only those one crawl meets), gzipped as served."""
    from pathlib import Path

    static = Path(app.static_folder)
    files = sorted(p for p in static.rglob("*") if p.suffix in (".css", ".js") and p.is_file())
    assert any(p.suffix == ".css" for p in files)
    total = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in files)
    assert total <= ASSET_BUDGET, {p.name: p.stat().st_size for p in files}


def test_css_and_javascript_go_without_comments_and_indentation():
    css = b"/* A rule.\n   Two lines. */\n.a{color:red}\n  .b{margin:0} /* inline */\n\n"
    assert lean(css, "css") == b".a{color:red}\n.b{margin:0}"
    js = b'// Why.\n(function () {\n  var url = "http://x/";  // kept\n  // gone\n})();\n'
    assert lean(js, "js") == b'(function () {\nvar url = "http://x/";  // kept\n})();'
    assert lean(b"<svg/>\n  ", "svg") == b"<svg/>\n  "  # other files as they are


def test_the_served_scripts_are_smaller_than_their_sources(app, client):
    page = client.get("/auth/login").get_data(as_text=True)
    for name in ("css/portal.css", "js/page.js"):
        served = re.search(
            rf"/static/{name.split('.')[0]}\.[0-9a-f]{{10}}\.{name.split('.')[1]}", page
        )
        assert served, name
        body = client.get(served.group(0)).data
        with open(f"{app.static_folder}/{name}", "rb") as file:
            source = file.read()
        assert len(body) < len(source) and body == lean(source, name.rsplit(".", 1)[1])
