"""The profile page and changing one's password."""

import sqlalchemy as sa

from portal.audit import AuditEvent
from tests.factories import PASSWORD
from tests.factories import UserFactory
from tests.helpers import error_summary
from tests.helpers import years_ago


def profile_data(user, **changes):
    data = {
        "full_name": user.full_name,
        "email": user.email or "",
        "phone": user.phone or "",
        "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else "",
        "gender": "",
        "region": user.region_code,
        "district": user.district_code or "",
        "community": user.community or "",
        "locale": user.locale,
    }
    data.update(changes)
    return data


def test_profile_shows_the_saved_details(client, login_as):
    login_as("youth", full_name="Жаныл Абдыкадырова", community="Isfana")
    page = client.get("/account/profile").text
    assert 'value="Жаныл Абдыкадырова"' in page
    assert 'value="Isfana"' in page
    assert '<option value="KG-O-ARAVAN" selected>' in page


def test_profile_change_is_saved_and_audited(client, login_as, db):
    user = login_as("youth")
    data = profile_data(
        user, phone="0555 987 654", region="KG-B", district="KG-B-LEILEK", current_password=PASSWORD
    )
    response = client.post("/account/profile", data=data)

    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.phone, user.region_code, user.district_code) == (
        "+996555987654",
        "KG-B",
        "KG-B-LEILEK",
    )
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.profile_updated")
    )
    assert event.details == {"fields": ["district_code", "phone", "region_code"]}


def test_language_change_applies_at_once(client, login_as, db):
    user = login_as("youth", locale="ky")
    response = client.post("/account/profile", data=profile_data(user, locale="ru"))
    page = client.get(response.headers["Location"]).text
    assert '<html lang="ru">' in page


def test_profile_refuses_an_email_someone_else_uses(client, login_as):
    user = login_as("youth")
    UserFactory(email="taken@example.org")
    response = client.post(
        "/account/profile?lang=en", data=profile_data(user, email="taken@example.org")
    )
    assert response.status_code == 400
    assert error_summary(response.text) == ["Another account already uses this e-mail."]
    assert 'value="taken@example.org"' in response.text


def test_a_refused_profile_change_shows_everything_typed_again(client, login_as):
    user = login_as("youth")
    data = profile_data(user, full_name="Жаңы Ат Фамилия", community="Papan", phone="12")
    response = client.post("/account/profile?lang=en", data=data)
    assert response.status_code == 400
    assert any("Kyrgyz mobile number" in m for m in error_summary(response.text))
    assert 'value="Жаңы Ат Фамилия"' in response.text and 'value="Papan"' in response.text
    assert 'value="12"' in response.text


def test_change_password_needs_the_current_one(client, login_as, db):
    login_as("youth")
    data = {
        "current_password": "wrong-password",
        "password": "jany-syrsoz-2027",
        "confirm": "jany-syrsoz-2027",
    }
    response = client.post("/account/password?lang=en", data=data)
    assert response.status_code == 400
    assert error_summary(response.text) == ["This is not your current password."]


def test_change_password_keeps_this_device_and_signs_out_others(client, app, login_as, db):
    user = login_as("youth")
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = user.get_id()
    data = {
        "current_password": PASSWORD,
        "password": "jany-syrsoz-2027",
        "confirm": "jany-syrsoz-2027",
    }

    assert client.post("/account/password", data=data).status_code == 302

    assert client.get("/account/profile").status_code == 200
    assert other_device.get("/account/profile").status_code == 302
    assert client.get("/notifications").text.count('class="unread"') == 1


def test_a_given_date_of_birth_cannot_be_removed(client, login_as, db):
    user = login_as("youth")
    response = client.post("/account/profile?lang=en", data=profile_data(user, date_of_birth=""))
    assert response.status_code == 400
    assert error_summary(response.text) == ["Enter your date of birth."]


def test_a_young_person_cannot_become_younger_than_fourteen(client, login_as):
    user = login_as("youth")
    data = profile_data(user, date_of_birth=years_ago(10).isoformat())
    response = client.post("/account/profile?lang=en", data=data)
    assert response.status_code == 400
    assert "from the age of 14" in error_summary(response.text)[0]


def test_the_profile_takes_a_typed_date_of_birth(client, login_as, db):
    user = login_as("youth")
    born = years_ago(17)
    data = profile_data(user, date_of_birth=born.strftime("%d.%m.%Y"))
    assert client.post("/account/profile", data=data).status_code == 302
    db.session.refresh(user)
    assert user.date_of_birth == born


def test_staff_need_not_give_a_date_of_birth(client, login_as, db):
    user = login_as("mentor", date_of_birth=None)
    assert client.post("/account/profile", data=profile_data(user)).status_code == 302
    db.session.refresh(user)
    assert user.date_of_birth is None
