"""Signing in and out."""

import sqlalchemy as sa

from portal.audit import AuditEvent
from tests.factories import PASSWORD
from tests.factories import UserFactory
from tests.helpers import error_summary


def sign_in(client, login, password=PASSWORD, **extra):
    return client.post("/auth/login?lang=en", data={"email": login, "password": password, **extra})


def test_sign_in_with_email_in_any_case(client, db):
    UserFactory(email="aigerim@example.org")
    response = sign_in(client, "  AIGERIM@example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/account/profile").status_code == 200


def test_sign_in_with_phone_in_local_format(client, db):
    UserFactory(email=None, phone="+996555123456")
    assert sign_in(client, "0555 12 34 56").status_code == 302
    assert client.get("/account/profile").status_code == 200


def test_wrong_password_and_unknown_account_get_the_same_answer(client, db):
    UserFactory(email="aigerim@example.org")
    wrong = sign_in(client, "aigerim@example.org", "not-the-password")
    unknown = sign_in(client, "nobody@example.org")
    assert wrong.status_code == unknown.status_code == 400
    assert error_summary(wrong.text) == error_summary(unknown.text)
    assert error_summary(wrong.text) == [
        "The login or password is wrong. Check them and try again."
    ]
    assert client.get("/account/profile").status_code == 302


def test_switched_off_account_cannot_sign_in(client, db):
    UserFactory(email="aigerim@example.org", active=False)
    response = sign_in(client, "aigerim@example.org")
    assert response.status_code == 400
    assert "switched off" in error_summary(response.text)[0]


def test_sign_in_starts_a_new_session(client, db):
    UserFactory(email="aigerim@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, "aigerim@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_sign_in_is_audited(client, db):
    user = UserFactory(email="aigerim@example.org")
    sign_in(client, "aigerim@example.org")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.login"))
    assert event.actor_id == user.id
    assert event.ip_address == "127.0.0.1"


def test_remember_me_sets_a_cookie_that_expires(client, db):
    UserFactory(email="aigerim@example.org")
    response = sign_in(client, "aigerim@example.org", remember="y")
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    assert "Expires=" in cookie and "HttpOnly" in cookie


def test_without_remember_me_no_lasting_cookie(client, db):
    UserFactory(email="aigerim@example.org")
    response = sign_in(client, "aigerim@example.org")
    assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))


def test_next_goes_to_a_local_page(client, db):
    UserFactory(email="aigerim@example.org")
    response = client.post(
        "/auth/login?next=/notifications",
        data={"email": "aigerim@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/notifications"


def test_next_never_leaves_the_site(client, db):
    UserFactory(email="aigerim@example.org")
    for target in (
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "http:/evil.example.com",
    ):
        client.post("/auth/logout")
        response = client.post(
            "/auth/login", query_string={"next": target},
            data={"email": "aigerim@example.org", "password": PASSWORD},
        )  # fmt: skip
        assert response.headers["Location"] == "/", target


def test_login_page_sends_anonymous_visitors_back_after_signing_in(client, db):
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_logout_needs_a_post(client, login_as):
    login_as("youth")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/account/profile").status_code == 302


def test_deactivated_user_is_signed_out_at_once(client, login_as, db):
    user = login_as("youth")
    assert client.get("/account/profile").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/account/profile").status_code == 302
