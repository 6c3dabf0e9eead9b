"""A database that hangs, refuses or holds a lock: pages answer within the timeouts with a
translated "try again" (503) that needs no database, and what a form sent is kept."""

import html
import re
import sqlite3
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from werkzeug.datastructures import MultiDict

from portal import create_app
from portal.accounts.models import User
from portal.database import engine_options
from portal.database import is_database_failure
from portal.extensions import db as _db
from tests.conftest import PortalClient
from tests.factories import UserFactory
from tests.fake_servers import HangingServer
from tests.helpers import closed_port
from tests.helpers import registration_data
from tests.helpers import signed_in
from tests.helpers import translated

#: libpq's shortest connect timeout.
CONNECT_TIMEOUT = 2
UNAVAILABLE = "The portal cannot answer just now"


def app_on(url: str, **settings):
    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=url,
        DB_CONNECT_TIMEOUT=CONNECT_TIMEOUT,
        PROPAGATE_EXCEPTIONS=False,
        **settings,
    )


def timed(send, *args, **kwargs):
    began = time.perf_counter()
    response = send(*args, **kwargs)
    return response, time.perf_counter() - began


def someone(app):
    """A signed-in client of `app` for a user the database cannot be asked about."""
    person = User(id=4242, session_token="abc")
    return signed_in(app, person)


@pytest.fixture
def hanging_app():
    """An app whose PostgreSQL accepts connections and never answers."""
    with HangingServer(hold=20) as server:
        app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/jashtar")
        yield app
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture
def refused_app():
    """An app whose PostgreSQL port has nothing listening."""
    app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/jashtar")
    yield app
    with app.app_context():
        _db.engine.dispose()


def test_postgresql_connections_carry_connect_statement_and_lock_timeouts(database_uri):
    config = {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/jashtar",
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "DB_CONNECT_TIMEOUT": 5, "DB_STATEMENT_TIMEOUT": 15, "DB_LOCK_TIMEOUT": 5,
        "DB_POOL_TIMEOUT": 5,
    }  # fmt: skip
    options = engine_options(config)
    assert options["pool_timeout"] == 5 and options["pool_pre_ping"] is True
    assert options["hide_parameters"] is True
    assert options["connect_args"]["connect_timeout"] == 5
    assert options["connect_args"]["options"] == ("-c statement_timeout=15000 -c lock_timeout=5000")
    mine = {**config, "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 9}}}
    assert engine_options(mine)["connect_args"]["connect_timeout"] == 9  # an installation's own
    assert "connect_args" not in engine_options({**config, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    if make_url(database_uri).get_backend_name() == "postgresql":
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_uri, DB_STATEMENT_TIMEOUT=7)
        with app.app_context(), _db.engine.connect() as connection:
            shown = [connection.exec_driver_sql(f"SHOW {name}").scalar()
                     for name in ("statement_timeout", "lock_timeout")]  # fmt: skip
            _db.engine.dispose()
        assert shown == ["7s", "5s"]


def test_a_hanging_database_costs_a_page_the_connect_timeout_not_minutes(hanging_app, db):
    anonymous = hanging_app.test_client()
    response, took = timed(anonymous.get, "/camps?lang=ru")
    print(f"\nhanging database: /camps answered {response.status_code} in {took:.2f} s "
          f"(connect timeout {CONNECT_TIMEOUT} s)")  # fmt: skip
    assert response.status_code == 503
    assert took < CONNECT_TIMEOUT + 1.5
    assert translated(UNAVAILABLE, "ru") in response.text
    response, took = timed(someone(hanging_app).get, "/training")
    print(f"hanging database, signed in: /training answered {response.status_code} in {took:.2f} s")
    assert response.status_code == 503
    assert took < CONNECT_TIMEOUT + 1.5  # the user is asked for once, not again for the page


def test_static_files_and_healthz_do_not_wait_for_a_hanging_database(hanging_app):
    client = someone(hanging_app)
    client.set_cookie("last_seen", "anything")
    with hanging_app.test_request_context():
        from flask import url_for

        stylesheet = url_for("static", filename="css/portal.css")
    response, took = timed(client.get, stylesheet)
    print(f"\nhanging database: {stylesheet} answered {response.status_code} in {took:.3f} s")
    assert response.status_code == 200 and took < 0.5
    response, took = timed(client.get, "/healthz")
    print(f"hanging database: /healthz answered {response.status_code} in {took:.2f} s")
    assert response.status_code == 503 and took < CONNECT_TIMEOUT + 1.5
    assert response.json["checks"]["database"] == {"status": "down", "error": "unavailable"}


def test_with_nothing_listening_the_page_says_try_again_in_the_readers_language(refused_app, db):
    response = refused_app.test_client().get("/camps", headers={"Accept-Language": "uz"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert '<html lang="uz-Cyrl">' in response.text
    assert translated(UNAVAILABLE, "uz_Cyrl") in response.text
    # A signed-in person gets their saved language (kept in the session) and no bare 500.
    response = signed_in(refused_app, User(id=4242, session_token="abc"), locale="ru").get("/")
    assert response.status_code == 503
    assert '<html lang="ru">' in response.text
    assert translated(UNAVAILABLE, "ru") in response.text
    assert "Internal Server Error" not in response.text


def test_the_saved_language_is_kept_in_the_session_for_such_a_page(client, login_as, db):
    login_as("youth", locale="ru")
    client.get("/")
    with client.session_transaction() as session:
        assert session["locale"] == "ru"


@pytest.fixture
def writes_fail(db):
    """While `writes_fail.on`, every INSERT and UPDATE finds the database locked."""
    connection = db.engines[None]

    class Switch:
        on = False

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if Switch.on and statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise sa.exc.OperationalError(
                statement, None, sqlite3.OperationalError("database is locked")
            )

    sa.event.listen(connection, "before_cursor_execute", refuse)
    yield Switch
    sa.event.remove(connection, "before_cursor_execute", refuse)


def hidden_fields(page: str) -> list[tuple[str, str]]:
    return [
        (html.unescape(name), html.unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)
    ]


def test_what_a_post_sent_comes_back_under_try_again_and_goes_through(
    client, login_as, db, writes_fail
):
    user = login_as("youth", full_name="Айгерим", community="Mangyt")
    typed = {"full_name": "Айгерим Токтогулова", "community": "Papan & <Kara-Suu>",
             "region": "KG-O", "district": "KG-O-KARASUU", "locale": "ky",
             "email": user.email, "date_of_birth": "2005-05-17", "gender": "female"}  # fmt: skip
    writes_fail.on = True
    down = client.post("/account/profile", data=typed)
    assert down.status_code == 503
    fields = hidden_fields(down.text)
    names = [name for name, _value in fields]
    assert {key: value for key, value in fields if key in typed} == typed
    assert names.count("csrf_token") == 1
    assert translated("Try again", "ky") in down.text
    writes_fail.on = False
    back = client.post("/account/profile", data=MultiDict(fields), csrf=False)  # the page's token
    assert back.status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.community) == ("Айгерим Токтогулова", "Papan & <Kara-Suu>")


def test_passwords_are_not_written_into_the_page_and_files_are_asked_for_again(
    client, db, writes_fail
):
    writes_fail.on = True
    down = client.post("/auth/register?lang=en", data=registration_data())
    assert down.status_code == 503
    fields = dict(hidden_fields(down.text))
    assert fields["full_name"] == "Айгерим Токтогулова кызы"
    assert "password" not in fields and "kok-jailoo-2026" not in down.text
    assert "Passwords are not kept" in down.text
    writes_fail.on = False
    back = client.post("/auth/register?lang=en", data=fields, csrf=False)
    assert back.status_code == 400  # asked for the password again, the rest filled in
    assert "Айгерим Токтогулова кызы" in back.text


def test_a_file_in_a_failed_post_is_asked_for_again(app, db):
    from io import BytesIO

    down_app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/jashtar")
    down_app.test_client_class = PortalClient
    client = someone(down_app)
    response = client.post(
        "/manage/applications/1/consent?lang=en",
        data={"method": "paper", "scan": (BytesIO(b"%PDF-1.4"), "scan.pdf")},
        content_type="multipart/form-data",
    )
    with down_app.app_context():
        _db.engine.dispose()
    assert response.status_code == 503
    assert 'enctype="multipart/form-data"' in response.text
    assert '<input type="file" id="resend-file-1" name="scan">' in response.text
    assert "Files cannot be kept" in response.text


def test_a_lock_held_elsewhere_gives_try_again_after_the_lock_timeout(database_uri):
    """A writer stuck behind a lock waits DB_LOCK_TIMEOUT (SQLite: the busy timeout), then 503."""
    app = app_on(database_uri, DB_LOCK_TIMEOUT=1, SQLITE_BUSY_TIMEOUT_MS=1000,
                 WTF_CSRF_ENABLED=False)  # fmt: skip
    url = make_url(database_uri)
    with app.app_context():
        engine = _db.engine
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        holder = sa.create_engine(url).connect()
        holder.exec_driver_sql('LOCK TABLE "user" IN ACCESS EXCLUSIVE MODE')
    try:
        response, took = timed(
            app.test_client().post, "/auth/register?lang=en", data=registration_data()
        )
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
    print(f"\nlock held elsewhere: /auth/register answered {response.status_code} in {took:.2f} s "
          f"(lock timeout 1 s, {url.get_backend_name()})")  # fmt: skip
    assert response.status_code == 503
    assert 1 <= took < 3
    assert dict(hidden_fields(response.text))["email"] == "aigerim@example.org"


def test_any_other_database_error_is_still_a_500(app):
    """A broken query is a bug, not an outage: it goes on to the 500 page and the error log."""
    from portal.errors import handle_database_error

    with app.test_request_context(), pytest.raises(sa.exc.ProgrammingError):
        handle_database_error(sa.exc.ProgrammingError("SELECT", None, Exception("syntax error")))
    assert not is_database_failure(
        sa.exc.OperationalError("SELECT", None, sqlite3.OperationalError("no such column: x"))
    )


def test_the_user_is_not_loaded_for_static_files(client, db, count_queries):
    user = UserFactory()
    client_with_session = signed_in(client.application, user)
    with count_queries() as counted:
        assert client_with_session.get("/static/css/portal.css").status_code == 200
    assert counted.total == 0
