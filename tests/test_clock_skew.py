"""Two app servers whose clocks differ by a few seconds: nobody is signed out by it."""

import time
from contextlib import contextmanager

import pytest
from werkzeug.test import Client

from portal.accounts.services import password_reset_token
from tests.factories import PASSWORD
from tests.factories import UserFactory


@contextmanager
def clock_ahead(seconds: float):
    """Every clock read (time.time: itsdangerous, the session's timestamps) `seconds` ahead."""
    real = time.time
    time.time = lambda: real() + seconds
    try:
        yield
    finally:
        time.time = real


class BehindTheProxy:
    """Two servers behind one address; `server` chooses which one takes the next request.
    Server "a" runs `ahead` seconds ahead of server "b"."""

    def __init__(self, a, b, ahead: float):
        self.apps = {"a": a, "b": b}
        self.ahead = ahead
        self.server = "a"

    def __call__(self, environ, start_response):
        app = self.apps[self.server]
        if self.server == "b":
            return list(app(environ, start_response))
        with clock_ahead(self.ahead):
            return list(app(environ, start_response))


@pytest.fixture
def two_servers(start_server):
    def make(ahead):
        proxy = BehindTheProxy(
            start_server(WTF_CSRF_ENABLED=False), start_server(WTF_CSRF_ENABLED=False), ahead
        )
        return proxy, Client(proxy)

    return make


def signed_in_on_a(proxy, browser, *, remember=False):
    user = UserFactory(email="skew@example.org")
    proxy.server = "a"
    form = {"email": user.email, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    assert browser.post("/auth/login", data=form).status_code == 302
    return user


@pytest.mark.parametrize("ahead", [2, 10])
def test_a_session_signed_by_a_server_ahead_is_good_on_the_one_behind(two_servers, db, ahead):
    proxy, browser = two_servers(ahead)
    signed_in_on_a(proxy, browser)
    answers = []
    for server in "bababab":
        proxy.server = server
        answers.append(browser.get("/account/profile").status_code)
    print(f"\nserver a {ahead} s ahead of b: profile answers {answers}")
    assert answers == [200] * 7


def test_a_session_from_further_ahead_than_the_allowed_skew_is_refused(two_servers, db):
    proxy, browser = two_servers(ahead=60)  # CLOCK_SKEW_SECONDS is 30
    signed_in_on_a(proxy, browser)
    proxy.server = "b"
    response = browser.get("/account/profile")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("ahead", [2, 10])
def test_remember_me_and_reset_links_survive_the_skew(two_servers, db, ahead):
    proxy, browser = two_servers(ahead)
    user = signed_in_on_a(proxy, browser, remember=True)
    browser.delete_cookie("session")  # the browser was closed; the remember-me cookie stays
    proxy.server = "b"
    assert browser.get("/account/profile").status_code == 200
    with clock_ahead(ahead):
        token = password_reset_token(user)
    assert Client(proxy.apps["b"]).get(f"/auth/reset/{token}").status_code == 200


def test_a_password_typed_in_the_future_counts_only_within_the_skew(app, db):
    from flask import session

    from portal.security import has_recent_login

    with app.test_request_context():
        session["auth_at"] = int(time.time()) + 10
        assert has_recent_login()
        session["auth_at"] = int(time.time()) + 3600  # a clock an hour ahead is not trusted
        assert not has_recent_login()
