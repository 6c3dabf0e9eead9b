"""Translated error pages, and a 500 that leaves nothing half-saved."""

import pytest
import sqlalchemy as sa
from flask import Blueprint

from portal import create_app
from portal.accounts.models import User
from portal.extensions import db as _db
from tests.factories import UserFactory
from tests.helpers import translated


@pytest.mark.parametrize("locale, param", [("ky", "ky"), ("ru", "ru"), ("uz_Cyrl", "uz")])
def test_404_page_is_translated(client, db, locale, param):
    response = client.get(f"/no-such-page?lang={param}")
    assert response.status_code == 404
    assert translated("Page not found", locale) in response.text


def test_403_page_is_translated(client, login_as):
    login_as("youth")
    response = client.get("/admin/users?lang=ru")
    assert response.status_code == 403
    assert translated("You cannot do this", "ru") in response.text


def test_413_for_a_body_that_is_too_large(app, client, db):
    too_large = app.config["MAX_CONTENT_LENGTH"] + 1
    response = client.post("/auth/login?lang=ru", data={"email": "x" * too_large})
    assert response.status_code == 413
    assert translated("The file is too large", "ru") in response.text


def test_405_is_a_translated_page_too(client, db):
    response = client.put("/auth/login?lang=ru")
    assert response.status_code == 405
    assert translated("This action is not allowed here", "ru") in response.text
    assert '<html lang="ru">' in response.text
    # Werkzeug's own page would say "Method Not Allowed" in English.
    assert "Method Not Allowed" not in response.text


@pytest.fixture
def failing_client(database_uri, db):
    """A fresh app with one extra route that writes and then fails."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_uri, PROPAGATE_EXCEPTIONS=False)
    blueprint = Blueprint("boom", __name__)

    @blueprint.get("/boom")
    def fail():
        _db.session.add(UserFactory.build(email="half@example.org"))
        _db.session.flush()
        raise RuntimeError("the disk is full")

    app.register_blueprint(blueprint)
    connection = db.engines[None]
    with app.app_context():
        _db.engines[None] = connection
    return app.test_client()


def test_500_rolls_back_and_shows_a_translated_page(failing_client, db):
    response = failing_client.get("/boom?lang=ru")
    assert response.status_code == 500
    assert translated("Something went wrong on our side", "ru") in response.text
    assert "the disk is full" not in response.text
    assert db.session.scalar(sa.select(User).where(User.email == "half@example.org")) is None


def test_get_or_404_answers_as_the_session_would(app, db, count_queries):
    """db.get_or_404 runs a statement built once per model (portal/extensions.py), and answers
    as session.get: an object the transaction holds costs no query, an expired one is read
    again, nothing pending is flushed, a missing id is a 404, a composite key still works."""
    import sqlalchemy as sa
    from werkzeug.exceptions import NotFound

    from portal.camps.models import Camp
    from portal.groups.models import Membership
    from tests.factories import CampFactory
    from tests.factories import YouthGroupFactory

    camp_id = CampFactory(capacity=12).id
    group = YouthGroupFactory()
    db.session.commit()
    group_id, membership_key = group.id, (group.id, group.lead_id)
    db.session.expunge_all()
    with count_queries() as first:
        camp = db.get_or_404(Camp, camp_id)
    assert first.total == 1 and camp.id == camp_id and camp.capacity == 12
    with count_queries() as held:
        assert db.get_or_404(Camp, camp_id) is camp
    assert held.total == 0
    db.session.execute(sa.update(Camp).where(Camp.id == camp_id).values(capacity=30))
    db.session.expire(camp)
    assert db.get_or_404(Camp, camp_id) is camp and camp.capacity == 30
    pending = CampFactory.build()
    db.session.add(pending)
    db.get_or_404(Camp, camp_id)
    assert pending in db.session.new  # not flushed by the lookup
    db.session.expunge(pending)
    with pytest.raises(NotFound):
        db.get_or_404(Camp, camp_id + 1000)
    assert db.get_or_404(Membership, membership_key).group_id == group_id


def test_load_collections_loads_as_the_lazy_load_would(app, db, count_queries):
    """database.load_collections: each relationship by a statement built once, the same
    objects in the same order as the lazy load gives, nothing marked changed, one statement
    a relationship and none for one loaded already."""
    from portal.camps.models import Application
    from portal.camps.models import ApplicationEvent
    from portal.camps.models import ApplicationStatus
    from portal.database import load_collections
    from portal.groups.models import ActionPlan
    from tests.factories import ActionPlanFactory
    from tests.factories import ApplicationFactory

    application = ApplicationFactory()
    for status in (ApplicationStatus.WAITLISTED, ApplicationStatus.ACCEPTED):
        db.session.add(ApplicationEvent(application=application, to_status=status, who="organiser"))
    plan = ActionPlanFactory()
    db.session.commit()
    ids = application.id, plan.id
    lazily = [event.id for event in application.events]
    activities = [(activity.position, activity.id) for activity in plan.activities]
    db.session.expunge_all()

    application, plan = db.session.get(Application, ids[0]), db.session.get(ActionPlan, ids[1])
    with count_queries() as counted:
        load_collections(application, "events", "consents")
        load_collections(plan, "activities")
        load_collections(application, "events")  # loaded already: no query
    assert counted.total == 3
    with count_queries() as none:
        assert [event.id for event in application.events] == lazily
        assert [(a.position, a.id) for a in plan.activities] == activities
        assert application.consents == []
        assert all(event.application is application for event in application.events)
    assert none.total == 0
    assert not db.session.dirty
    with pytest.raises(ValueError):
        load_collections(application, "camp")  # not a one-to-many relationship
