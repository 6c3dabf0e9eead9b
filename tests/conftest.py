"""Fixtures: the app, a database rolled back after each test, clients and logins by role."""

import os
import secrets
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer

from portal import create_app
from portal import fragments
from portal.extensions import cache as _cache
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.notify import sent_messages
from portal.security import Role
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = factories.PASSWORD


def pytest_report_header(config):
    target = "PostgreSQL (TEST_DATABASE_URL)" if TEST_DATABASE_URL else "SQLite"
    return f"Jashtar tests on {target}"


class PortalClient(FlaskClient):
    """A test client whose form posts carry a valid CSRF token unless told otherwise."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf and "json" not in kwargs:
            kwargs["data"] = {**(kwargs.get("data") or {}), "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)


def _postgres_uri(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    if TEST_DATABASE_URL:
        return _postgres_uri(TEST_DATABASE_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def upload_folder(tmp_path_factory):
    return str(tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="session")
def s3_server():
    """A fake S3 store on 127.0.0.1 (tests/fake_s3.py), never a real provider."""
    from tests.fake_s3 import Server

    server = Server()
    yield server
    server.stop()


@pytest.fixture
def fake_s3(s3_server):
    """The fake S3 store, emptied and answering normally for this test."""
    s3_server.fake.reset()
    yield s3_server.fake
    s3_server.fake.reset()


@pytest.fixture(scope="session")
def app(database_uri, upload_folder):
    """The application under test, its schema built by the real migrations."""
    application = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=database_uri, UPLOADS_DIR=upload_folder
    )
    with application.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        _db.engine.dispose()
    return application


@pytest.fixture(scope="session")
def data_app(database_uri, upload_folder):
    """A second app object for the test's own set-up, so each request gets a fresh `g`."""
    return create_app("testing", SQLALCHEMY_DATABASE_URI=database_uri, UPLOADS_DIR=upload_folder)


@pytest.fixture
def db(app, data_app):
    """The database inside one transaction that is rolled back after the test."""
    with app.app_context():
        engine = _db.engine
    connection = engine.connect()
    transaction = connection.begin()
    swapped = []
    for application in (app, data_app):
        with application.app_context():
            engines = _db.engines
            swapped.append((application, engines[None]))
            engines[None] = connection
    # Test bodies run in a request context of their own app, so url_for and babel work there.
    context = data_app.test_request_context()
    context.push()
    limiter.reset()
    sent_messages.clear()
    # Kept fragments name rows by id and version; a rolled-back test leaves both to the next.
    fragments.KEPT.clear()
    fragments.PAGES.clear()
    try:
        yield _db
    finally:
        _db.session.remove()
        context.pop()
        transaction.rollback()
        connection.close()
        for application, original in swapped:
            with application.app_context():
                _db.engines[None] = original


@pytest.fixture
def client(app, db):
    app.test_client_class = PortalClient
    return app.test_client()


@pytest.fixture
def login_as(client, db):
    """Sign the client in as a new user holding `role` (a Role or its value); return the user."""

    def sign_in(role="youth", **attributes):
        roles = {Role(role) if isinstance(role, str) else role}
        user = factories.UserFactory(roles=roles, **attributes)
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["auth_at"] = session["seen"] = int(time.time())
        return user

    return sign_in


@pytest.fixture
def count_queries(app, db):
    """`with count_queries() as counted:` … `counted.total` is the number of SQL statements
    (the test harness's own SAVEPOINTs, which a real request never issues, are not counted)."""

    class Counter:
        total = 0

    @contextmanager
    def counting():
        counter = Counter()

        def before(connection, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                counter.total += 1

        connection = db.engines[None]
        sa.event.listen(connection, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(connection, "before_cursor_execute", before)

    return counting


@pytest.fixture
def assert_constant_queries(client, count_queries):
    """Fail unless `path` issues as many queries before as after `add_rows()` (no N+1)."""

    def check(path, add_rows):
        with count_queries() as few:
            assert client.get(path).status_code == 200
        add_rows()
        with count_queries() as many:
            assert client.get(path).status_code == 200
        assert few.total == many.total

    return check


@pytest.fixture
def kept_cache(app):
    """Give the app (whose tests cache nothing) an empty cache of its own for this test."""
    from flask_caching.backends import SimpleCache

    original = app.extensions["cache"][_cache]
    app.extensions["cache"][_cache] = SimpleCache()
    yield app.extensions["cache"][_cache]
    app.extensions["cache"][_cache] = original


@pytest.fixture
def outbox():
    """E-mails delivered by the memory backend during the test."""
    return sent_messages


@pytest.fixture
def start_server(app, db, database_uri, upload_folder):
    """`start_server(**settings)`: another app object ("server") with its own settings, on the
    test's database (its transaction included)."""
    with app.app_context():
        connection = _db.engines[None]
    started = []

    def start(**settings):
        settings = {"UPLOADS_DIR": upload_folder, **settings}
        server = create_app("testing", SQLALCHEMY_DATABASE_URI=database_uri, **settings)
        server.test_client_class = PortalClient
        with server.app_context():
            started.append((server, _db.engines[None]))
            _db.engines[None] = connection
        return server

    yield start
    for server, engine in started:
        with server.app_context():
            _db.engines[None] = engine
            engine.dispose()


@pytest.fixture
def provider(db, monkeypatch):
    """The fake SMS gateway and Telegram Bot API (tests/fake_servers.py, on 127.0.0.1) that this
    test's deliveries go to."""
    from flask import current_app

    from tests.fake_servers import FakeProvider

    with FakeProvider() as fake:
        for key, value in fake.settings().items():
            monkeypatch.setitem(current_app.config, key, value)
        yield fake


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the shared Redis; only its keys are removed after."""
    import redis

    from tests.helpers import REDIS_URL

    prefix = f"test-{secrets.token_hex(6)}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()
