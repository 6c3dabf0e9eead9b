"""Logs never carry personal data: SQL parameters, secrets in URLs, rows of a failed insert."""

import logging
import runpy
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from gunicorn.config import Config as GunicornConfig
from gunicorn.util import load_class
from werkzeug.routing import AnyConverter
from werkzeug.routing import IntegerConverter
from werkzeug.routing import PathConverter

from portal.accesslog import redact
from portal.accounts import services
from portal.accounts.models import User
from tests.factories import UserFactory
from tests.helpers import error_summary
from tests.helpers import registration_data

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Жашыруун-0555404505"


def test_a_failing_statement_carries_no_parameter_values(app, db, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(sa.exc.DBAPIError) as failure:
        db.session.execute(
            sa.text("SELECT * FROM no_such_table WHERE name = :name"), {"name": SECRET}
        )
    db.session.rollback()
    assert SECRET not in str(failure.value)
    assert SECRET not in "\n".join(record.getMessage() for record in caplog.records)


def test_a_unique_violation_carries_no_parameter_values(app, db):
    UserFactory(email="taken@example.org")
    with pytest.raises(sa.exc.IntegrityError) as failure:
        db.session.add(User(full_name=SECRET, email="taken@example.org", password_hash="x"))
        db.session.flush()
    db.session.rollback()
    assert SECRET not in str(failure.value)


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def access_line(path: str, referrer: str = "-") -> str:
    """What gunicorn, configured by gunicorn.conf.py, writes to the access log for `path`."""
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = GunicornConfig()
    for name in ("accesslog", "access_log_format"):
        config.set(name, settings[name])
    config.set("logger_class", settings.get("logger_class", "gunicorn.glogging.Logger"))
    logger = load_class(config.logger_class)(config)
    handler = ListHandler()
    logger.access_log.addHandler(handler)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + "?lang=ru",
        "PATH_INFO": path,
        "QUERY_STRING": "lang=ru",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": referrer,
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referrer)])
    logger.access(response, request, environ, timedelta(milliseconds=12))
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    return handler.lines[-1], atoms


def test_access_log_writes_the_reset_route_not_the_token():
    line, atoms = access_line("/auth/reset/IjEyMyI.Zk9xYw.s3cr3t-t0ken")
    assert "/auth/reset/<token>" in line and "s3cr3t-t0ken" not in line
    assert all("s3cr3t-t0ken" not in str(value) for value in atoms.values())


def test_access_log_hides_a_token_in_the_referrer_and_certificate_codes():
    line, atoms = access_line(
        "/certificates/verify/K7Q2-99XZ", referrer="https://portal.example/auth/reset/abc.def"
    )
    assert "/certificates/verify/<code>" in line and "K7Q2-99XZ" not in line
    assert all(
        "abc.def" not in str(value) and "K7Q2-99XZ" not in str(value) for value in atoms.values()
    )


def test_access_log_keeps_ordinary_paths():
    line, _atoms = access_line("/manage/applications/42")
    assert '"GET /manage/applications/42"' in line


def test_every_url_carrying_a_secret_is_redacted(app):
    """A new route with a string parameter (a token, a code) must be added to accesslog."""
    for rule in app.url_map.iter_rules():
        secret_args = [
            name
            for name, converter in rule._converters.items()
            if not isinstance(converter, (IntegerConverter, AnyConverter, PathConverter))
        ]
        if not secret_args:
            continue
        with app.test_request_context():
            path = app.url_for(rule.endpoint, **{name: "SeCrEt-Value" for name in secret_args})
        assert "SeCrEt-Value" not in redact(path), rule.rule


def test_development_server_request_log_hides_the_token(app):
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "now", "GET /auth/reset/s3cr3t HTTP/1.1", "200", "-"), None,
    )  # fmt: skip
    for log_filter in logging.getLogger("werkzeug").filters:
        log_filter.filter(record)
    assert "s3cr3t" not in record.getMessage() and "/auth/reset/<token>" in record.getMessage()


def test_a_registration_racing_another_is_a_form_error(client, db, monkeypatch, caplog):
    """Both requests passed the "is it free?" check; the second one's insert must not 500."""
    real_email_taken = services.email_taken
    checks = []

    def racing(email, except_user=None):
        if not checks:  # the other request registers the same address right after our check
            checks.append(email)
            UserFactory(email=email)
            return False
        return real_email_taken(email, except_user)

    monkeypatch.setattr(services, "email_taken", racing)
    caplog.set_level(logging.DEBUG)
    data = registration_data(email="racer@example.org", full_name="Жарыш Кыз")
    response = client.post("/auth/register?lang=en", data=data)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        "An account with this e-mail already exists. Sign in or reset your password."
        in error_summary(page)
    )
    assert 'value="Жарыш Кыз"' in page and data["password"] not in page
    assert (
        db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.email == "racer@example.org")
        )
        == 1
    )
    assert "racer@example.org" not in "\n".join(r.getMessage() for r in caplog.records)
    # The session is usable again: the person can now sign in instead.
    assert client.get("/auth/login").status_code == 200


def test_an_error_on_a_token_url_logs_the_route_not_the_token(app, caplog):
    """Flask logs "Exception on <path>" for a 500; gunicorn logs "Error handling request <uri>"."""
    caplog.set_level(logging.ERROR)
    with app.test_request_context("/auth/reset/s3cr3t-t0ken", method="POST"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            app.log_exception(sys.exc_info())
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = GunicornConfig()
    config.set("logger_class", settings.get("logger_class", "gunicorn.glogging.Logger"))
    gunicorn_log = load_class(config.logger_class)(config)
    handler = ListHandler()
    gunicorn_log.error_log.addHandler(handler)
    gunicorn_log.error("Error handling request %s", "/auth/reset/s3cr3t-t0ken?lang=ru")
    logged = "\n".join([*(r.getMessage() for r in caplog.records), *handler.lines])
    assert "/auth/reset/<token>" in logged and "s3cr3t-t0ken" not in logged
