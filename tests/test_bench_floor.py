"""`bench/floor.py`: the empty page costs what every signed-in page must, and its table's sums."""

import time

import pytest

from bench.floor import BASELINE
from bench.floor import EMPTY
from bench.floor import FLOOR
from bench.floor import add_empty_page
from bench.floor import rows
from bench.floor import table
from portal import create_app
from portal.extensions import db as _db
from tests import factories
from tests.conftest import PortalClient


@pytest.fixture
def floor_client(app, db, database_uri, upload_folder):
    """A client of an app of its own with the empty page (Flask takes no route once an app has
    answered a request), on the test's rolled-back connection."""
    floored = create_app("testing", SQLALCHEMY_DATABASE_URI=database_uri, UPLOADS_DIR=upload_folder)
    add_empty_page(floored)
    with app.app_context():
        connection = _db.engines[None]
    with floored.app_context():
        original = _db.engines[None]
        _db.engines[None] = connection
    floored.test_client_class = PortalClient
    try:
        yield floored.test_client()
    finally:
        with floored.app_context():
            _db.session.remove()
            _db.engines[None] = original


def sign_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["auth_at"] = session["seen"] = int(time.time())


def test_a_visitor_is_sent_to_sign_in(floor_client):
    answer = floor_client.get(EMPTY)
    assert answer.status_code == 302
    assert "/auth/login" in answer.headers["Location"]


def test_the_empty_page_does_what_every_signed_in_page_does(floor_client, db):
    from portal.notify import unread_count

    person = factories.UserFactory()
    factories.NotificationFactory(user_id=person.id, link=EMPTY)
    factories.NotificationFactory(user_id=person.id, link="/camps")
    sign_in(floor_client, person)
    answer = floor_client.get(EMPTY)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in answer.headers
    assert 'action="/auth/logout"' in page and 'name="csrf_token"' in page  # the header's form
    assert "<footer" in page
    # Its transaction wrapper ran and committed: what led to the page is read, the rest is not.
    db.session.expire_all()
    assert unread_count(db.session.get(type(person), person.id)) == 1


def test_the_table_splits_each_page_into_the_floor_and_its_own_work():
    figures = {BASELINE: 1.0, FLOOR: 2.0, "Portal: /": 4.0}
    assert rows(figures, BASELINE, FLOOR) == [
        (BASELINE, 1.0, 1.0, ""),
        (FLOOR, 2.0, 0.5, ""),
        ("Portal: /", 4.0, 0.25, "+2.00"),
    ]
    assert table(figures, BASELINE, FLOOR)[-1] == "| Portal: / | 4.00 | 0.25 | +2.00 |"
