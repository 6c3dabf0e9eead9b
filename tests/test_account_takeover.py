"""Account takeover paths closed in security round 2: forged hosts, staff reset links, contact
changes, password guessing inside a session, rate-limit keys and remembered sessions."""

import hashlib
import re
import time
import types

import pytest
import sqlalchemy as sa
from flask import request

import portal.web
from portal import create_app
from portal.accounts import policy
from portal.accounts import services
from portal.accounts.limits import account_key
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.security import Role
from tests.factories import PASSWORD
from tests.factories import UserFactory
from tests.helpers import PRODUCTION_SETTINGS
from tests.helpers import error_summary
from tests.test_accounts_profile import profile_data

BASE = "https://portal.example.org"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def newest_email(db) -> OutboundEmail:
    return db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()


# --- links come from BASE_URL, never from the request -------------------------------------


@pytest.fixture
def forged(app, monkeypatch):
    """Headers of an attacker who sends the request themselves (with their own session, so the
    CSRF check, which stops a forged Host in the test client, is not what is tested)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    return FORGED


@pytest.mark.parametrize("header", ["Host", "X-Forwarded-Host"])
def test_reset_link_ignores_a_forged_host(client, db, forged, header):
    UserFactory(email="aigerim@example.org")
    response = client.post(
        "/auth/reset", data={"email": "aigerim@example.org"}, headers={header: forged[header]}
    )
    assert response.status_code == 302
    links = re.findall(r"https?://[^/\s]+", newest_email(db).body)
    assert links and set(links) == {BASE}


def test_assisted_reset_link_ignores_a_forged_host(client, login_as, db, forged):
    login_as("organiser")
    UserFactory(email=None, phone="+996700123456")
    headers = {"X-Forwarded-Host": forged["X-Forwarded-Host"]}
    page = client.post("/account/reset-link", data={"phone": "0700123456"}, headers=headers).text
    assert f'value="{BASE}/auth/reset/' in page
    assert "evil.example" not in page


def test_certificate_and_notice_links_come_from_base_url(app, db):
    from portal.links import external_url
    from portal.links import local_path

    with app.test_request_context("/", headers=FORGED):
        assert external_url("training.verify", code="ABC") == f"{BASE}/certificates/verify/ABC"
        assert local_path("accounts.profile") == "/account/profile"
    with app.app_context():  # a command or worker: no request at all
        assert external_url("accounts.login") == f"{BASE}/auth/login"


def echo_app(proxy_count: int):
    """The production app with a route that shows what it believes about the request."""
    app = create_app("production", PROXY_COUNT=proxy_count, **PRODUCTION_SETTINGS)
    app.add_url_rule(
        "/_echo",
        "echo",
        lambda: {"host": request.host, "scheme": request.scheme, "ip": request.remote_addr},
    )
    return app.test_client()


@pytest.mark.parametrize("proxy_count", [0, 1])
def test_production_refuses_an_unknown_host(proxy_count):
    client = echo_app(proxy_count)
    assert client.get("/_echo", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/_echo", headers={"Host": "portal.example.org"}).status_code == 200


@pytest.mark.parametrize("proxy_count", [0, 1])
def test_forwarded_host_is_never_trusted(proxy_count):
    client = echo_app(proxy_count)
    seen = client.get(
        "/_echo",
        headers={
            "Host": "portal.example.org",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Port": "8443",
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
        },
    ).json
    assert seen["host"] == "portal.example.org"
    # Behind the documented proxy (one hop) the client address and scheme are the proxy's word.
    expected = ("203.0.113.9", "https") if proxy_count else ("127.0.0.1", "http")
    assert (seen["ip"], seen["scheme"]) == expected


# --- organisers cannot take over staff ------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MENTOR, Role.ORGANISER, Role.ADMIN])
def test_no_reset_link_for_staff_and_the_holder_is_told(client, login_as, db, role):
    organiser = login_as("organiser")
    staff = UserFactory(email="staff@example.org", roles={role})
    # An account made phone-only behind the rules' back (e.g. an old row) is still refused.
    db.session.execute(sa.update(User).where(User.id == staff.id).values(email=None))
    staff.phone = "+996700123456"
    db.session.flush()

    response = client.post("/account/reset-link?lang=en", data={"phone": "0700 123 456"})

    assert response.status_code == 400
    assert "only for young people" in error_summary(response.text)[0]
    assert "/auth/reset/" not in response.text
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.reset_link_refused")
    )
    assert (event.actor_id, event.object_id) == (organiser.id, staff.id)
    told = db.session.scalar(sa.select(Notification).where(Notification.user_id == staff.id))
    assert told is not None
    assert not policy.can_issue_reset_link_for(organiser, staff)
    with pytest.raises(services.AccountError):
        services.issue_assisted_reset_link(staff, by=organiser)


def test_a_staff_role_needs_an_email_address(db):
    admin = UserFactory(roles={Role.ADMIN})
    phone_only = UserFactory(email=None, phone="+996700123456")
    with pytest.raises(services.AccountError):
        services.change_roles(phone_only, {Role.YOUTH, Role.ORGANISER}, by=admin)
    assert phone_only.roles == {Role.YOUTH}
    with pytest.raises(services.AccountError):
        services.create_user(
            password=PASSWORD, roles={Role.MENTOR}, full_name="Bakyt Osmonov", email=None,
            phone="+996700123457", region_code="KG-O",
        )  # fmt: skip


# --- recovery contacts --------------------------------------------------------------------


def test_changing_the_email_needs_the_current_password(client, login_as, db):
    user = login_as("youth", email="old@example.org")
    data = profile_data(user, email="attacker@example.org")
    response = client.post("/account/profile?lang=en", data=data)
    assert response.status_code == 400
    assert "Enter your password to change your e-mail or phone number." in error_summary(
        response.text
    )
    assert 'value="attacker@example.org"' in response.text  # what was typed is kept
    wrong = client.post("/account/profile?lang=en", data={**data, "current_password": "nope"})
    assert "This is not your current password." in error_summary(wrong.text)
    db.session.refresh(user)
    assert user.email == "old@example.org"


def test_other_profile_changes_need_no_password(client, login_as, db):
    user = login_as("youth")
    response = client.post("/account/profile", data=profile_data(user, community="Nookat"))
    assert response.status_code == 302


def test_the_old_address_is_told_about_a_new_one(client, login_as, db):
    user = login_as("youth", email="old@example.org", locale="ru")
    data = profile_data(user, email="new@example.org", current_password=PASSWORD)
    assert client.post("/account/profile", data=data).status_code == 302
    email = newest_email(db)
    assert email.to_address == "old@example.org"
    assert email.locale == "ru"
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == user.id))
    assert notice is not None


def test_a_new_phone_is_told_in_the_portal(client, login_as, db):
    user = login_as("youth", email=None, phone="+996700123456")
    data = profile_data(user, phone="0555 987 654", current_password=PASSWORD)
    assert client.post("/account/profile", data=data).status_code == 302
    notices = db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id))
    assert len(notices.all()) == 1


# --- guessing passwords inside a session ----------------------------------------------------


def prompt_limit(app) -> int:
    return int(app.config["RATELIMIT_PASSWORD_PROMPT"].split()[0])


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/auth/confirm", "password"),
        ("/account/erasure", "password"),
        ("/account/password", "current_password"),
        ("/account/profile", "current_password"),
    ],
)
def test_password_prompts_are_rate_limited(client, login_as, app, db, path, field):
    user = login_as("youth", email="old@example.org")
    data = {"password": "jany-syrsoz-2027", "confirm": "jany-syrsoz-2027"}
    if path == "/account/profile":
        data = profile_data(user, email="new@example.org")
    for _ in range(prompt_limit(app)):
        assert client.post(path, data={**data, field: "wrong-guess"}).status_code == 400
    # Locked: even the right password is not tried now.
    assert client.post(path, data={**data, field: PASSWORD}).status_code == 429


def test_right_passwords_do_not_use_up_the_prompt_limit(client, login_as, app, db):
    login_as("youth")
    for _ in range(prompt_limit(app) + 3):
        assert client.post("/auth/confirm", data={"password": PASSWORD}).status_code == 302


# --- rate-limit keys --------------------------------------------------------------------


PHONE_SPELLINGS = [
    "0555 123 456", "+996555123456", "(0555) 123-456", "996555123456", "0555-123-456",
    "+996 555 123 456", "0555123456", " 0555 123 456 ", "+996 (555) 12-34-56", "0 555 12 34 56",
    "+996-555-123-456", "０５５５ １２３ ４５６",
]  # fmt: skip


def test_one_account_is_one_bucket_however_the_phone_is_typed(client, app, db):
    UserFactory(phone="+996555123456")
    limit = int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split()[0])
    for number, spelling in enumerate(PHONE_SPELLINGS[:limit]):
        client.post(
            "/auth/login",
            data={"email": spelling, "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{number}"},
        )
    for number, spelling in enumerate(PHONE_SPELLINGS[limit:]):
        response = client.post(
            "/auth/login",
            data={"email": spelling, "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": f"10.0.1.{number}"},
        )
        assert response.status_code == 429, spelling


def test_full_width_email_shares_the_accounts_bucket(app, db):
    UserFactory(email="aigerim@example.org")
    keys = set()
    for typed in ("aigerim@example.org", "AIGERIM@Example.org", "ａｉｇｅｒｉｍ@example.org"):
        with app.test_request_context("/auth/login", method="POST", data={"email": typed}):
            keys.add(account_key())
    assert len(keys) == 1


def test_successful_sign_ins_never_lock_the_account(client, app, db):
    UserFactory(email="aigerim@example.org")
    hourly = int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split(";")[1].split()[0])
    for number in range(hourly + 2):
        response = client.post(
            "/auth/login",
            data={"email": "aigerim@example.org", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": f"10.1.{number // 200}.{number % 200}"},
        )
        assert response.status_code == 302, number
        client.post("/auth/logout")


def test_rate_limit_keys_are_keyed_hashes(app, db):
    with app.test_request_context("/auth/login", method="POST", data={"email": "0555123456"}):
        key = account_key()
        app.config["SECRET_KEY"], original = "another-secret", app.config["SECRET_KEY"]
        try:
            other = account_key()
        finally:
            app.config["SECRET_KEY"] = original
    plain = {hashlib.sha256(v.encode()).hexdigest()[:24] for v in ("0555123456", "+996555123456")}
    assert key != other
    assert not any(digest in key for digest in plain)


# --- remembered sessions ------------------------------------------------------------------


def remembered_login(client):
    UserFactory(email="aigerim@example.org")
    data = {"email": "aigerim@example.org", "password": PASSWORD, "remember": "y"}
    assert client.post("/auth/login", data=data).status_code == 302
    assert client.get("/account/profile").status_code == 200
    client.delete_cookie("session")  # the browser was closed; the remember-me cookie stays


def test_remember_me_survives_closing_the_browser(client, db):
    remembered_login(client)
    assert client.get("/account/profile").status_code == 200


def test_remember_me_ends_after_the_idle_timeout(client, app, db, monkeypatch):
    remembered_login(client)
    later = time.time() + app.config["IDLE_TIMEOUT"].total_seconds() + 60
    monkeypatch.setattr(portal.web, "time", types.SimpleNamespace(time=lambda: later))
    response = client.get("/account/profile")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    monkeypatch.undo()
    assert client.get("/account/profile").status_code == 302  # the remember-me cookie is gone


def test_remember_me_without_a_last_seen_cookie_is_not_enough(client, db):
    remembered_login(client)
    client.delete_cookie(portal.web.LAST_SEEN_COOKIE)
    assert client.get("/account/profile").status_code == 302


def test_no_code_builds_an_absolute_link_from_the_request():
    """Every absolute link goes through portal/links.py: url_for(_external=True) would take the
    host from the request, which an attacker controls."""
    from pathlib import Path

    portal_dir = Path(__file__).resolve().parent.parent / "portal"
    offenders = [
        str(path.relative_to(portal_dir))
        for path in portal_dir.rglob("*")
        if path.suffix in (".py", ".html", ".txt")
        and ("_external" in path.read_text(encoding="utf-8") or "url_root" in path.read_text())
        and path.name != "links.py"
    ]
    assert offenders == []


def test_group_invitation_mail_links_to_base_url(db, forged):
    from flask import current_app

    from portal.groups import members
    from tests.factories import YouthGroupFactory

    group = YouthGroupFactory()
    UserFactory(email="invitee@example.org")
    with current_app.test_request_context("/", headers=forged):
        members.invite(group, ("email", "invitee@example.org"), by=group.lead)
    assert set(re.findall(r"https?://[^/\s]+", newest_email(db).body)) == {BASE}
