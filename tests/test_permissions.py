"""The route × role matrix: every route of the app, what each kind of visitor gets."""

import pytest

from tests.factories import UserFactory

ROLES = ("anonymous", "youth", "mentor", "organiser", "admin")
LOGIN = 302  # anonymous visitors are sent to the sign-in page
HOME = 302  # signed-in visitors are sent on


def row(anonymous, youth, mentor, organiser, admin):
    return dict(zip(ROLES, (anonymous, youth, mentor, organiser, admin), strict=True))


ADMIN_ONLY = row(LOGIN, 403, 403, 403, 200)
SIGNED_IN = row(LOGIN, 200, 200, 200, 200)
EVERYONE = row(200, 200, 200, 200, 200)

#: endpoint → (method, path with {other} for another user's id, expected status per role)
MATRIX = {
    "main.home": ("GET", "/", EVERYONE),
    "main.healthz": ("GET", "/healthz", EVERYONE),
    "main.notifications": ("GET", "/notifications", SIGNED_IN),
    "main.mark_notifications_read": ("POST", "/notifications/read", row(LOGIN, 302, 302, 302, 302)),
    "accounts.register": ("GET", "/auth/register", row(200, HOME, HOME, HOME, HOME)),
    "accounts.login": ("GET", "/auth/login", row(200, HOME, HOME, HOME, HOME)),
    "accounts.logout": ("POST", "/auth/logout", row(LOGIN, 302, 302, 302, 302)),
    "accounts.request_reset": ("GET", "/auth/reset", EVERYONE),
    "accounts.reset_password": ("GET", "/auth/reset/not-a-token", row(400, 400, 400, 400, 400)),
    "accounts.profile": ("GET", "/account/profile", SIGNED_IN),
    "accounts.change_password": ("GET", "/account/password", SIGNED_IN),
    "accounts.assisted_reset": ("GET", "/account/reset-link", row(LOGIN, 403, 403, 200, 200)),
    "admin.users": ("GET", "/admin/users", ADMIN_ONLY),
    "admin.user": ("GET", "/admin/users/{other}", ADMIN_ONLY),
    "admin.change_roles": (
        "POST",
        "/admin/users/{other}/roles",
        row(LOGIN, 403, 403, 403, 302),
    ),
    "admin.deactivate": ("POST", "/admin/users/{other}/deactivate", row(LOGIN, 403, 403, 403, 302)),
    "admin.reactivate": ("POST", "/admin/users/{other}/reactivate", row(LOGIN, 403, 403, 403, 302)),
    "admin.audit": ("GET", "/admin/audit", ADMIN_ONLY),
}
IGNORED = {"static"}


def test_matrix_lists_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    assert endpoints - set(MATRIX) == set(), "add the new routes to the permission matrix"
    assert set(MATRIX) - endpoints == set(), "the matrix names routes that no longer exist"


def test_matrix_methods_match_the_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in MATRIX:
            assert MATRIX[rule.endpoint][0] in rule.methods, rule.endpoint


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_each_role_as_designed(client, login_as, endpoint, role):
    method, path, expected = MATRIX[endpoint]
    if role != "anonymous":
        login_as(role)
    other = UserFactory()
    send = client.post if method == "POST" else client.get
    response = send(path.format(other=other.id))
    assert response.status_code == expected[role]
    if expected[role] == LOGIN and role == "anonymous":
        assert "/auth/login" in response.headers["Location"]
