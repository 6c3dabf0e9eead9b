"""The home page: the programme explained, then a dashboard for each role."""

import re

from portal.security import Role
from tests.factories import AuditEventFactory
from tests.factories import UserFactory
from tests.helpers import translated


def test_visitors_read_about_the_programme_in_their_language(client, db):
    page = client.get("/?lang=uz").text
    assert translated("What you can do here", "uz_Cyrl") in page
    assert 'href="/auth/register"' in page


def test_youth_dashboard_has_no_staff_figures(client, login_as):
    login_as("youth")
    page = client.get("/?lang=en").text
    assert "Your account" in page
    assert "Young people registered" not in page
    assert "Accounts by role" not in page


def test_organiser_sees_registrations_by_region_with_small_cells_hidden(client, login_as):
    login_as("organiser", region_code=None, district_code=None)
    for _ in range(6):
        UserFactory(region_code="KG-O")
    for _ in range(2):
        UserFactory(region_code="KG-B", district_code="KG-B-LEILEK")
    page = client.get("/?lang=en").text
    assert "Young people registered" in page
    assert '<td class="num">5</td>' in page  # 6, rounded down to a multiple of 5
    assert "Batken" not in page.split('id="youth-title"')[1].split("</section>")[0]  # 2: hidden
    assert "Accounts by role" not in page


def test_admin_sees_roles_and_latest_audit_events(client, login_as):
    admin = login_as("admin")
    UserFactory(roles={Role.MENTOR})
    AuditEventFactory(action="user.roles_changed", actor_id=admin.id)
    page = client.get("/?lang=en").text
    assert "Accounts by role" in page
    assert "Roles changed" in page


def test_pages_are_light_and_make_no_external_requests(client, login_as):
    login_as("admin")
    for _ in range(25):
        UserFactory()
    assets = sum(
        len(client.get(f"/static/{name}").data)
        for name in ("css/portal.css", "js/page.js", "js/places.js")
    )
    for path in ("/", "/admin/users", "/admin/audit", "/account/profile", "/auth/reset"):
        page = client.get(f"{path}?lang=uz-Latn")
        assert len(page.data) + assets < 60 * 1024, path
        assert not re.search(r'(src|href)="(https?:)?//', page.text), path
