"""Sessions: signing out everywhere, idle timeout, re-authentication, headers in production."""

import time

import sqlalchemy as sa

from portal import create_app
from portal.accounts.models import User
from portal.security import Role
from tests.factories import PASSWORD
from tests.factories import ApplicationFactory
from tests.factories import UserFactory
from tests.helpers import PRODUCTION_SETTINGS


def second_device(app, user):
    device = app.test_client()
    with device.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["seen"] = int(time.time())
    return device


def test_signing_out_ends_every_other_session(client, app, login_as, db):
    user = login_as("youth")
    other = second_device(app, user)
    assert other.get("/account/profile").status_code == 200
    client.post("/auth/logout")
    assert other.get("/account/profile").status_code == 302


def test_an_idle_session_is_signed_out(client, login_as, app, db):
    login_as("youth")
    assert client.get("/account/profile").status_code == 200
    idle = int(app.config["IDLE_TIMEOUT"].total_seconds()) + 5
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - idle
    response = client.get("/account/profile")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/account/profile").status_code == 302


def test_exports_and_role_changes_need_a_recent_password(client, login_as, db):
    login_as("admin")
    camp = ApplicationFactory().camp
    person = UserFactory()
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 16 * 60
    export = client.get(f"/manage/camps/{camp.id}/export.csv")
    assert export.status_code == 302 and "/auth/confirm" in export.headers["Location"]
    roles = client.post(
        f"/admin/users/{person.id}/roles",
        data={"roles": ["mentor"]},
        headers={"Referer": f"http://localhost/admin/users/{person.id}"},
    )
    assert "/auth/confirm" in roles.headers["Location"]
    db.session.refresh(person)
    assert person.roles == {Role.YOUTH}
    wrong = client.post(
        f"/auth/confirm?next=/manage/camps/{camp.id}/export.csv", data={"password": "nope"}
    )
    assert wrong.status_code == 400
    back = client.post(
        f"/auth/confirm?next=/manage/camps/{camp.id}/export.csv", data={"password": PASSWORD}
    )
    assert back.headers["Location"] == f"/manage/camps/{camp.id}/export.csv"
    assert client.get(back.headers["Location"]).status_code == 200


def test_confirmation_never_sends_elsewhere(client, login_as, db):
    login_as("youth")
    response = client.post(
        "/auth/confirm?next=https://evil.example.com/", data={"password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_production_sends_hsts_and_secure_cookies(database_uri):
    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_uri, **PRODUCTION_SETTINGS)
    response = app.test_client().get("/auth/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_reset_tokens_work_once(client, db):
    user = UserFactory(email="once@example.org")
    from portal.accounts.services import password_reset_token

    token = password_reset_token(user)
    data = {"password": "jany-syrsoz-2027", "confirm": "jany-syrsoz-2027"}
    assert client.post(f"/auth/reset/{token}", data=data).status_code == 302
    assert client.post(f"/auth/reset/{token}", data=data).status_code == 400
    assert db.session.scalar(sa.select(User.id).where(User.email == "once@example.org"))
