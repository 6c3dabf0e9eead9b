"""Password reset by e-mail and by an organiser's one-time link."""

import re
import time

import itsdangerous.timed
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.notify import OutboundEmail
from portal.notify import deliver_pending
from tests.factories import UserFactory
from tests.helpers import error_summary
from tests.helpers import translated

NEW_PASSWORD = "jany-syrsoz-2027"


def ask_for_reset(client, email):
    return client.post("/auth/reset", data={"email": email})


def reset_link(db) -> str:
    email = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    return re.search(r"https://portal\.example\.org(/auth/reset/\S+)", email.body).group(1)


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", page)


def test_same_answer_whether_or_not_the_account_exists(client, db):
    UserFactory(email="aigerim@example.org")
    known = ask_for_reset(client, "aigerim@example.org")
    known_flash = client.get("/auth/login").text
    unknown = ask_for_reset(client, "nobody@example.org")
    unknown_flash = client.get("/auth/login").text
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    # The CSRF token carries the second it was made in, so two pages a second apart differ there.
    assert without_csrf(known_flash) == without_csrf(unknown_flash)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 1


def test_reset_mail_is_written_in_the_users_language(client, db):
    UserFactory(email="aigerim@example.org", locale="ru", full_name="Айгерим")
    ask_for_reset(client, "aigerim@example.org")
    email = db.session.scalar(sa.select(OutboundEmail))
    assert email.locale == "ru"
    assert email.subject == translated("Set a new password for Jashtar", "ru")
    assert translated("Hello, %(name)s!", "ru", name="Айгерим") in email.body


def test_reset_link_sets_a_new_password_once(client, db):
    UserFactory(email="aigerim@example.org")
    ask_for_reset(client, "aigerim@example.org")
    link = reset_link(db)

    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302

    login = {"email": "aigerim@example.org", "password": NEW_PASSWORD}
    assert client.post("/auth/login", data=login).status_code == 302
    # Used once, the link no longer works.
    assert client.get(link).status_code == 400


def test_reset_link_expires_after_an_hour(client, db, monkeypatch):
    UserFactory(email="aigerim@example.org")
    ask_for_reset(client, "aigerim@example.org")
    link = reset_link(db)
    later = time.time() + 3601
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    assert client.get(link).status_code == 400


def test_tampered_link_is_refused(client, db):
    UserFactory(email="aigerim@example.org")
    ask_for_reset(client, "aigerim@example.org")
    assert client.get(reset_link(db)[:-2] + "xx").status_code == 400


def test_new_password_must_follow_the_rules_and_match(client, db):
    UserFactory(email="aigerim@example.org")
    ask_for_reset(client, "aigerim@example.org")
    link = reset_link(db) + "?lang=en"
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": "something-else-1"})
    assert response.status_code == 400
    assert error_summary(response.text) == ["The two passwords are not the same."]


def test_reset_signs_out_other_sessions(client, app, db):
    user = UserFactory(email="aigerim@example.org")
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert other_device.get("/account/profile").status_code == 200
    ask_for_reset(client, "aigerim@example.org")
    client.post(reset_link(db), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other_device.get("/account/profile").status_code == 302


def test_reset_mail_is_delivered_by_the_outbox(client, db, outbox):
    UserFactory(email="aigerim@example.org")
    ask_for_reset(client, "aigerim@example.org")
    assert deliver_pending() == (1, 0)
    assert outbox[0]["To"] == "aigerim@example.org"


def test_organiser_creates_a_one_time_link_for_a_phone_only_user(client, login_as, db):
    organiser = login_as("organiser")
    person = UserFactory(email=None, phone="+996700123456")

    response = client.post("/account/reset-link", data={"phone": "0700 123 456"})

    assert response.status_code == 200
    found = re.search(r'value="https://portal\.example\.org(/auth/reset/[^"]+)"', response.text)
    link = found.group(1)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.reset_link_issued")
    )
    assert (event.actor_id, event.object_id) == (organiser.id, person.id)
    client.post("/auth/logout")
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get(link).status_code == 400


def test_organiser_link_is_refused_for_people_with_email(client, login_as, db):
    login_as("organiser")
    UserFactory(email="aigerim@example.org", phone="+996700123456")
    response = client.post("/account/reset-link?lang=en", data={"phone": "0700123456"})
    assert response.status_code == 400
    assert "can reset the password" in error_summary(response.text)[0]


def test_organiser_link_for_an_unknown_number(client, login_as, db):
    login_as("organiser")
    response = client.post("/account/reset-link?lang=en", data={"phone": "0700123456"})
    assert error_summary(response.text) == ["No account has this phone number."]
