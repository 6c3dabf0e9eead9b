"""Command-line tasks: create-user, seed-demo and the translation build."""

import sqlalchemy as sa

from portal import create_app
from portal.accounts.models import User
from portal.demo import DEMO_LOGINS
from portal.demo import DEMO_PASSWORD
from portal.groups.models import ActionPlan
from portal.groups.models import PlanStatus
from portal.security import Role
from tests.helpers import PRODUCTION_SETTINGS


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def test_create_user_with_roles(app, db):
    result = run(
        app, "create-user", "--name", "Гүлнара Токтосунова", "--email", "Gulnara@Example.org",
        "--role", "organiser", "--role", "mentor", "--password", "kok-jailoo-2026",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "gulnara@example.org"))
    assert user.roles == {Role.ORGANISER, Role.MENTOR}


def test_create_user_refuses_a_bad_contact(app, db):
    result = run(
        app, "create-user", "--name", "X Y", "--phone", "123", "--password", "kok-jailoo-2026"
    )
    assert result.exit_code != 0
    assert "valid" in result.output


def test_seed_demo_creates_every_demo_login(app, client, db):
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    for email, _name, roles, _locale, _profile in DEMO_LOGINS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user.roles == roles
        response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/auth/logout")


def test_demo_youth_is_a_minor_and_youth2_an_adult(app, db):
    run(app, "seed-demo")
    youth = db.session.scalar(sa.select(User).where(User.email == "youth@demo.example.org"))
    youth2 = db.session.scalar(sa.select(User).where(User.email == "youth2@demo.example.org"))
    from portal.i18n import local_today

    assert youth.age_on(local_today()) < 18 <= youth2.age_on(local_today())
    assert youth.consents and youth2.consents


def test_demo_has_action_plans_in_every_state(app, db):
    run(app, "seed-demo")
    statuses = set(db.session.scalars(sa.select(ActionPlan.status)))
    assert statuses == set(PlanStatus)


def test_seed_demo_twice_adds_nothing_new(app, db):
    run(app, "seed-demo")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    run(app, "seed-demo")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == count


def test_seed_demo_if_empty_leaves_a_used_database_alone(app, db):
    from tests.factories import UserFactory

    UserFactory()
    result = run(app, "seed-demo", "--if-empty")
    assert "already has accounts" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_seed_demo_refuses_in_production(database_uri):
    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_uri, **PRODUCTION_SETTINGS)
    result = run(app, "seed-demo")
    assert result.exit_code != 0
    assert "refuses" in result.output


def demo_app(tmp_path, database_uri=None, env="testing", **settings):
    """An app whose demo database file is in tmp_path (instance/portal.db for the real one)."""
    demo_file = tmp_path / "instance" / "portal.db"
    return demo_file, create_app(
        env,
        SQLALCHEMY_DATABASE_URI=database_uri or f"sqlite:///{demo_file}",
        DEMO_DATABASE_FILE=str(demo_file),
        **settings,
    )


def test_demo_reset_makes_the_demo_database_afresh(tmp_path):
    import sqlite3

    demo_file, app = demo_app(tmp_path)
    demo_file.parent.mkdir()
    demo_file.write_bytes(b"an old demo, used and broken")
    wal = demo_file.with_name("portal.db-wal")
    wal.write_bytes(b"its write-ahead log")
    result = run(app, "demo-reset")
    assert result.exit_code == 0, result.output
    assert "youth@demo.example.org" in result.output
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()
    assert not wal.exists() or wal.read_bytes() != b"its write-ahead log"
    with sqlite3.connect(demo_file) as connection:
        emails = {row[0] for row in connection.execute("SELECT email FROM user")}
    assert {email for email, *_rest in DEMO_LOGINS} <= emails


def test_demo_reset_refuses_any_other_database(tmp_path):
    other = tmp_path / "mine.db"
    other.write_bytes(b"someone's real data")
    for url in (
        f"sqlite:///{other}",
        "sqlite://",
        "postgresql+psycopg://jashtar@127.0.0.1/jashtar",
    ):
        demo_file, app = demo_app(tmp_path, database_uri=url)
        result = run(app, "demo-reset")
        assert result.exit_code != 0
        assert "only rebuilds the demo database" in result.output
        assert "Nothing was changed" in result.output
    assert other.read_bytes() == b"someone's real data"
    assert not demo_file.exists()


def test_demo_reset_refuses_in_production(tmp_path):
    demo_file, app = demo_app(tmp_path, env="production", **PRODUCTION_SETTINGS)
    demo_file.parent.mkdir()
    demo_file.write_bytes(b"production data")
    result = run(app, "demo-reset")
    assert result.exit_code != 0 and "refuses" in result.output
    assert demo_file.read_bytes() == b"production data"


def test_demo_reset_reads_a_relative_sqlite_path_as_flask_sqlalchemy_does(tmp_path, monkeypatch):
    """`sqlite:///instance/portal.db` is a file in the instance folder (instance/instance/…),
    not the demo database, even when the current directory would make it look like it."""
    monkeypatch.chdir(tmp_path)
    demo_file, app = demo_app(tmp_path, database_uri="sqlite:///instance/portal.db")
    demo_file.parent.mkdir()
    demo_file.write_bytes(b"the demo, kept")
    result = run(app, "demo-reset")
    assert result.exit_code != 0 and "Nothing was changed" in result.output
    assert demo_file.read_bytes() == b"the demo, kept"
