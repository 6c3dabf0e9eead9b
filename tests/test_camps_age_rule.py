"""The guardian rule is fixed when an application is sent: a later date of birth cannot lift it."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.camps import services
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import Camp
from portal.extensions import db
from portal.extensions import utcnow
from portal.i18n import local_today
from portal.security import Role
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import UserFactory
from tests.helpers import error_summary
from tests.helpers import years_ago
from tests.test_accounts_profile import profile_data
from tests.test_camps_apply import COMPLETE
from tests.test_camps_apply import GUARDIAN
from tests.test_camps_apply import start

REFUSED = (
    "Your date of birth cannot be changed while a camp application you sent is open: the "
    "organisers decide with the age you gave. If it is wrong, tell the camp's organisers."
)


def sent_by_a_minor(client, login_as, camp=None):
    person = login_as("youth", date_of_birth=years_ago(16))
    application = start(client, camp or CampFactory())
    response = client.post(
        f"/applications/{application.id}", data={**COMPLETE, **GUARDIAN, "action": "submit"}
    )
    assert response.status_code == 302
    db.session.refresh(application)
    return person, application


def test_sending_fixes_the_age_on_the_first_day_and_the_guardian_rule(client, login_as, db):
    person, application = sent_by_a_minor(client, login_as)
    # However the date of birth changes afterwards, the rule it was sent with holds.
    person.date_of_birth = years_ago(20)
    db.session.commit()
    db.session.expire_all()
    assert application.is_minor and application.needs_guardian_consent
    assert application.applicant_age == 16
    assert (application.age_when_sent, application.consent_required) == (16, True)
    with pytest.raises(services.CampError):
        services.decide(application, S.ACCEPTED, reason="", by=UserFactory(roles={Role.ORGANISER}))


def test_a_minor_cannot_drop_the_consent_requirement_by_editing_her_birth_date(
    client, login_as, db
):
    person, application = sent_by_a_minor(client, login_as)
    typed = profile_data(person, date_of_birth=years_ago(19).isoformat(), community="Жаңы-Жол")
    response = client.post("/account/profile?lang=en", data=typed)
    assert response.status_code == 400
    assert error_summary(response.text) == [REFUSED]
    assert 'value="Жаңы-Жол"' in response.text  # nothing typed is lost
    db.session.expire_all()
    assert person.date_of_birth == years_ago(16) and person.community != "Жаңы-Жол"
    assert application.is_minor
    # The other details may still change, the birth date left as it is.
    response = client.post("/account/profile", data=profile_data(person, community="Жаңы-Жол"))
    assert response.status_code == 302


def test_the_birth_date_may_change_once_no_sent_application_is_open(client, login_as, db):
    person, application = sent_by_a_minor(client, login_as)
    client.post(f"/applications/{application.id}/withdraw", data={"confirm": "yes"})
    past = ApplicationFactory(
        applicant=person, status=S.CONFIRMED,
        camp=CampFactory(start_date=local_today() - timedelta(days=40)),
    )  # fmt: skip
    response = client.post(
        "/account/profile", data=profile_data(person, date_of_birth=years_ago(17).isoformat())
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert person.date_of_birth == years_ago(17)
    assert past.status is S.CONFIRMED


def test_a_draft_follows_the_profile_until_it_is_sent(client, login_as, db):
    person = login_as("youth", date_of_birth=years_ago(16))
    application = start(client, CampFactory())
    assert application.consent_required is None and application.is_minor
    client.post(
        "/account/profile", data=profile_data(person, date_of_birth=years_ago(19).isoformat())
    )
    db.session.expire_all()
    assert not application.is_minor
    assert "guardian_name" not in client.get(f"/applications/{application.id}").text


def _old_camp(**attributes):
    """A camp written with only the columns the old schema has (the model has grown since)."""
    built = CampFactory.build(**attributes)
    existing = {c["name"] for c in sa.inspect(db.session.connection()).get_columns("camp")}
    table = sa.Table("camp", sa.MetaData(), *(
        sa.Column(column.name, column.type, primary_key=column.primary_key)
        for column in Camp.__table__.columns if column.name in existing
    ))  # fmt: skip
    values = {
        column.name: getattr(built, column.name)
        for column in table.columns
        if column.name != "id" and getattr(built, column.name, None) is not None
    }
    values.setdefault("created_at", utcnow())
    return SimpleNamespace(
        id=db.session.execute(table.insert().values(**values)).inserted_primary_key[0]
    )


def test_the_migration_fixes_the_rule_of_applications_sent_before_it(tmp_path):
    from flask_migrate import downgrade
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.test_request_context():
        upgrade(revision="0010_cache_versions")
        camp = _old_camp(start_date=local_today() + timedelta(days=30))
        young, grown = UserFactory(date_of_birth=years_ago(16)), UserFactory()
        organiser = UserFactory()
        run = db.session.execute
        rows = {}
        for name, person, status, sent in (
            ("young", young, "accepted", True), ("grown", grown, "submitted", True),
            ("draft", UserFactory(date_of_birth=years_ago(15)), "draft", False),
        ):  # fmt: skip
            rows[name] = run(
                sa.text(
                    "INSERT INTO application (camp_id, user_id, status, motivation, "
                    "safety_problem, spoken_languages, previous_camps, needs, emergency_name, "
                    "guardian_name, guardian_relation, answers, notes, decision_reason, "
                    "created_at, updated_at, submitted_at) VALUES (:camp, :user, :status, '', "
                    "'', '[]', '', '', '', '', '', '{}', '', '', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP, :sent) RETURNING id"
                ),
                {"camp": camp.id, "user": person.id, "status": status,
                 "sent": "2026-01-01 00:00:00" if sent else None},
            ).scalar()  # fmt: skip
        steps = [
            (None, "draft", young.id, ""), ("draft", "submitted", young.id, ""),
            ("submitted", "waitlisted", organiser.id, "Орун жок"),
            ("waitlisted", "accepted", None, "waitlist"),
        ]  # fmt: skip
        for before, after, actor, reason in steps:
            run(
                sa.text(
                    "INSERT INTO application_event (application_id, from_status, to_status, "
                    "actor_id, reason, created_at) VALUES (:app, :before, :after, :actor, "
                    ":reason, CURRENT_TIMESTAMP)"
                ),
                {"app": rows["young"], "before": before, "after": after, "actor": actor,
                 "reason": reason},
            )  # fmt: skip
        db.session.commit()
        upgrade()
        fixed = {
            row.id: (row.age_when_sent, row.consent_required)
            for row in run(sa.text("SELECT id, age_when_sent, consent_required FROM application"))
        }
        assert fixed == {rows["young"]: (16, True), rows["grown"]: (21, False),
                         rows["draft"]: (None, None)}  # fmt: skip
        who = run(sa.text("SELECT who FROM application_event ORDER BY id")).scalars().all()
        assert who == ["applicant", "applicant", "organiser", "system"]
        assert db.session.get(Application, rows["young"]).is_minor
        db.session.remove()
        downgrade(revision="0010_cache_versions")
        assert run(sa.text("SELECT COUNT(*) FROM application_event")).scalar() == 4
        db.session.remove()
