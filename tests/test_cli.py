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
