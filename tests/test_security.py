"""CSRF, rate limits, headers and the password policy."""

import re

import pytest
from flask import current_app

from portal import create_app
from portal.extensions import db as _db
from portal.security import is_common_password
from portal.security import is_safe_next_url
from tests.conftest import PortalClient
from tests.factories import UserFactory
from tests.helpers import translated

POST_ROUTES = [
    "/auth/login",
    "/auth/register",
    "/auth/reset",
    "/auth/logout",
    "/account/profile",
    "/account/password",
    "/notifications/read",
]


@pytest.mark.parametrize("path", POST_ROUTES)
def test_post_without_csrf_token_is_refused(client, login_as, path):
    login_as("youth")
    response = client.post(path, data={"email": "a@example.org"}, csrf=False)
    assert response.status_code == 400
    assert (
        translated(
            "The form had expired or came from somewhere else. Open the page again and resend it.",
            "ky",
        )
        in response.text
    )


def test_every_post_route_checks_csrf(app, client, login_as):
    admin = login_as("admin")
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint == "telegram.webhook":
            continue  # Telegram proves itself by its secret header (tests/test_reach.py)
        path = re.sub(r"<int:\w+>", str(admin.id), rule.rule).replace("<token>", "x")
        path = re.sub(r"<any\(([^,)]+)[^)]*\):\w+>", r"\1", path)  # its first choice
        assert client.post(path, data={}, csrf=False).status_code == 400, rule.rule


def per_minute(name: str) -> int:
    """The first number of a configured limit such as "30 per minute;300 per hour"."""
    return int(current_app.config[name].split()[0])


def test_login_is_rate_limited_per_address_with_a_translated_page(client, db):
    for number in range(per_minute("RATELIMIT_LOGIN")):
        client.post("/auth/login", data={"email": f"x{number}@example.org", "password": "wrong"})
    response = client.post("/auth/login?lang=ru", data={"email": "y@example.org", "password": "x"})
    assert response.status_code == 429
    assert translated("Too many attempts", "ru") in response.text
    assert '<html lang="ru">' in response.text


def test_login_is_rate_limited_per_account_across_addresses(client, db):
    UserFactory(email="aigerim@example.org")
    for number in range(per_minute("RATELIMIT_LOGIN_ACCOUNT")):
        client.post(
            "/auth/login",
            data={"email": "aigerim@example.org", "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{number}"},
        )
    response = client.post(
        "/auth/login",
        data={"email": "AIGERIM@example.org", "password": "wrong-password"},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert response.status_code == 429


def test_reset_requests_are_rate_limited_per_account(client, db):
    for _ in range(per_minute("RATELIMIT_RESET_ACCOUNT")):
        client.post("/auth/reset", data={"email": "a@example.org"})
    assert client.post("/auth/reset", data={"email": "a@example.org"}).status_code == 429
    assert client.post("/auth/reset", data={"email": "b@example.org"}).status_code == 302


def test_reset_requests_are_rate_limited_per_address(client, db):
    for number in range(per_minute("RATELIMIT_RESET")):
        client.post("/auth/reset", data={"email": f"a{number}@example.org"})
    assert client.post("/auth/reset", data={"email": "b@example.org"}).status_code == 429


def test_registration_is_rate_limited(client, db):
    for _ in range(per_minute("RATELIMIT_REGISTER")):
        client.post("/auth/register", data={"full_name": "x"})
    assert client.post("/auth/register", data={"full_name": "x"}).status_code == 429


def test_pages_are_not_rate_limited_on_get(client, db):
    for _ in range(30):
        assert client.get("/auth/login").status_code == 200


def test_security_headers(client, login_as):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    login_as("youth")
    assert client.get("/account/profile").headers["Cache-Control"] == "no-store"


def test_common_passwords_are_recognised():
    assert is_common_password("password123")
    assert is_common_password("QWERTY123456")
    assert not is_common_password("kok-jailoo-2026")


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/notifications", True),
        ("/admin/users?q=a", True),
        ("https://evil.example.com", False),
        ("//evil.example.com", False),
        ("/\\evil.example.com", False),
        ("javascript:alert(1)", False),
        ("", False),
        (None, False),
        ("/\nset-cookie", False),
    ],
)
def test_safe_next_url(target, safe):
    assert is_safe_next_url(target) is safe


@pytest.fixture
def redis_limited_client(database_uri, db):
    """An app whose rate-limit counters live in Redis (as with several gunicorn instances)."""
    import secrets as random_names

    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("SKIPPED: Redis is not running on 127.0.0.1:6379")
    prefix = "jashtar-test-" + random_names.token_hex(4)
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_uri,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_KEY_PREFIX=prefix,
    )
    connection = db.engines[None]
    with app.app_context():
        _db.engines[None] = connection
    app.test_client_class = PortalClient
    yield app.test_client(), redis.Redis.from_url(url), prefix
    # The limiter is one object for every app: give the others their memory storage back.
    create_app("testing", SQLALCHEMY_DATABASE_URI=database_uri)


def test_rate_limits_are_shared_through_redis_when_configured(redis_limited_client):
    client, redis_client, prefix = redis_limited_client
    for number in range(per_minute("RATELIMIT_LOGIN")):
        client.post("/auth/login", data={"email": f"x{number}@example.org", "password": "wrong"})
    assert (
        client.post("/auth/login", data={"email": "y@example.org", "password": "x"}).status_code
        == 429
    )
    assert any(redis_client.scan_iter(f"*{prefix}*"))


def test_nul_bytes_are_refused_before_they_reach_the_database(client, login_as, db):
    login_as("youth")
    assert client.post("/account/profile", data={"full_name": "A\x00B"}).status_code == 400
    assert client.get("/camps?region=KG-O%00").status_code == 400
    assert client.get("/certificates/verify/abc%00").status_code == 400
    assert client.get("/account/data%00?from=mail").status_code == 400  # in the path too


def test_the_page_links_a_notification_may_lead_by_never_hold_a_nul_byte():
    from portal.notify import page_links

    assert page_links("/plans/3", "/plans/3?") == ["/plans/3"]
    assert page_links("/plans/3", "/plans/3?from=mail") == ["/plans/3", "/plans/3?from=mail"]
    assert page_links("/plans/3", "/plans/3?q=\x00") == ["/plans/3"]
    assert page_links("/plans/3\x00", "/plans/3\x00?") == []
