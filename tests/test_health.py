"""Redis down: sign-in, registration and reset keep working (limits counted in memory, pages
computed without the cache) and /healthz says which part is degraded; its registry of checks."""

import pytest

from portal import create_app
from portal import health
from portal.extensions import db as _db
from portal.extensions import limiter
from tests.conftest import PortalClient
from tests.factories import UserFactory
from tests.helpers import closed_port
from tests.helpers import registration_data
from tests.test_config import migration_head


@pytest.fixture
def redis_down(start_server, database_uri):
    """A server whose Redis (rate limits and cache) has nothing listening."""
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    server = start_server(RATELIMIT_STORAGE_URI=dead, CACHE_TYPE="RedisCache",
                          CACHE_REDIS_URL=dead, PROPAGATE_EXCEPTIONS=False)  # fmt: skip
    server.test_client_class = PortalClient
    yield server
    # The limiter is one object for every app: give the others their memory storage back.
    create_app("testing", SQLALCHEMY_DATABASE_URI=database_uri)


def test_with_redis_down_sign_in_registration_and_reset_keep_working(redis_down, db):
    user = UserFactory(email="aibek@example.org")
    client = redis_down.test_client()
    wrong = {"email": user.email, "password": "not-the-password"}
    assert client.post("/auth/login?lang=en", data=wrong).status_code == 400
    assert client.post("/auth/reset", data={"email": user.email}).status_code == 302
    newcomer = redis_down.test_client()
    assert newcomer.post("/auth/register", data=registration_data()).status_code == 302
    # The limits still hold, counted in this worker's memory: five wrong passwords a minute.
    answers = [client.post("/auth/login", data=wrong).status_code for _ in range(5)]
    assert answers == [400, 400, 400, 400, 429]


def test_healthz_lists_each_part_and_answers_200_when_degraded(redis_down, db):
    response = redis_down.test_client().get("/healthz")
    assert response.status_code == 200
    report = response.json
    assert report["status"] == "degraded"
    checks = report["checks"]
    assert set(checks) == {"database", "schema", "rate_limits", "cache", "outbox", "uploads"}
    assert checks["database"] == {"status": "ok"}
    assert checks["schema"] == {"status": "ok", "database": migration_head(),
                                "code": migration_head()}  # fmt: skip
    assert checks["rate_limits"]["status"] == "degraded"
    assert checks["rate_limits"]["storage"] == "memory fallback"
    assert checks["cache"]["status"] == "degraded"
    assert checks["outbox"]["status"] == "ok"
    assert checks["uploads"] == {"status": "ok", "backend": "local"}
    assert (report["database"], report["schema"]) == ("ok", migration_head())


def test_healthz_is_ok_with_everything_up(client, db):
    report = client.get("/healthz").json
    assert report["status"] == "ok"
    assert {name: check["status"] for name, check in report["checks"].items()} == dict.fromkeys(
        ["database", "schema", "rate_limits", "cache", "outbox", "uploads"], "ok"
    )


def test_healthz_answers_503_when_the_database_is_down_and_skips_what_needs_it():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=(
        f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/jashtar"))  # fmt: skip
    response = app.test_client().get("/healthz")
    with app.app_context():
        _db.engine.dispose()
    assert response.status_code == 503
    checks = response.json["checks"]
    assert response.json["status"] == "error"
    assert checks["database"] == {"status": "down", "error": "unavailable"}
    assert checks["schema"]["status"] == checks["outbox"]["status"] == "skipped"
    assert checks["rate_limits"]["status"] == "ok"


def test_a_schema_behind_the_code_is_reported(client, db, monkeypatch):
    from portal import database

    monkeypatch.setattr(database, "code_heads", lambda directory: ("9999_future",))
    report = client.get("/healthz").json
    assert report["status"] == "degraded"
    assert report["checks"]["schema"] == {"status": "degraded", "database": migration_head(),
                                          "code": "9999_future"}  # fmt: skip


def test_another_part_adds_its_check_with_one_line(client, db, monkeypatch):
    monkeypatch.setattr(health, "_checks", dict(health._checks))
    health.register("uploads", lambda: health.Check(health.DEGRADED, {"free_mb": 12}))
    report = client.get("/healthz").json
    assert report["checks"]["uploads"] == {"status": "degraded", "free_mb": 12}
    assert report["status"] == "degraded"

    def broken():
        raise OSError("disk gone")

    health.register("uploads", broken, critical=True)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["uploads"] == {"status": "down", "error": "OSError"}


def test_the_limiter_goes_back_to_redis_storage_settings_it_was_given(redis_down):
    """The Redis client of the limiter gives up within RATELIMIT_REDIS_TIMEOUT."""
    assert (
        limiter._storage_options["socket_timeout"] == redis_down.config["RATELIMIT_REDIS_TIMEOUT"]
    )
